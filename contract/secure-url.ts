/**
 * "https, or plain http only on loopback": the one rule for every URL a CXone token, access key or
 * event travels on (the issuer, its token endpoint, the tenant's API, a route's endpoint in the
 * twin). Plain http is for the local simulator and sinks on this machine. Readers: infra/config.ts,
 * lambdas/cxone/http.ts, cli/usage.ts, local/twin/start-options.ts, local/eventbridge/targets.ts.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** What a URL that breaks the rule is told. */
export const HTTPS_OR_LOOPBACK = 'must use https (plain http is allowed only for loopback addresses)';

/** True for loopback hosts, the only ones where plain http is allowed. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** True for https, and for plain http to a loopback host. */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** True for an http(s) URL on this machine; false for anything else, unparseable text included. */
export function isLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}
