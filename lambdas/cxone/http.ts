import { ConfigurationError, CxoneUnavailableError } from '../../contract/errors.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for loopback hosts, the only ones where plain http is allowed (the local simulator). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Parses a CXone URL we were given or discovered, and refuses plain http except on loopback:
 * tokens and access keys travel on these connections.
 */
export function parseCxoneUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigurationError(`${what} is not a valid URL`, { cause });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new ConfigurationError(`${what} must use https (plain http is allowed only for loopback addresses)`);
}

/** A fetch that turns network failures and a missed deadline into a retryable error. */
export async function fetchWithDeadline(url: URL, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs))) });
  } catch (cause) {
    const reason = cause instanceof Error && cause.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs)} ms` : 'network error';
    throw new CxoneUnavailableError(`${what} failed: ${reason}`, undefined, { cause: redactCause(cause) });
  }
}

/** Keeps the error class and message of a network failure but nothing that could carry a header. */
function redactCause(cause: unknown): Error | undefined {
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  const copy = new Error(`${cause.message}${inner}`);
  copy.name = cause.name;
  return copy;
}

/** Seconds from a `Retry-After` header (delta-seconds or HTTP date), if present and sane. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
