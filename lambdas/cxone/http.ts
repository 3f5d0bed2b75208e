import { ConfigurationError, CxoneUnavailableError } from '../../contract/errors.js';
import { HTTPS_OR_LOOPBACK, isHttpsOrLoopback } from '../../contract/secure-url.js';

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
  if (isHttpsOrLoopback(url)) return url;
  throw new ConfigurationError(`${what} ${HTTPS_OR_LOOPBACK}`);
}

/**
 * A fetch that turns network failures and a missed deadline into a retryable error: refused or
 * reset connections, DNS and TLS failures (undici rejects with `TypeError: fetch failed` and the
 * system error as its cause), and the deadline (`TimeoutError`).
 */
export async function fetchWithDeadline(url: URL, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs))) });
  } catch (cause) {
    throw unavailable(cause, what, timeoutMs);
  }
}

/**
 * Reads a response body, turning a failure while it streams into a retryable error: a connection
 * reset in the middle of a 200 body (`TypeError: terminated`) or the deadline passing while the
 * body arrives (`TimeoutError`/`AbortError` from the request's signal). Nothing was consumed, so
 * the same poll with the same cursor is safe to repeat.
 */
export async function readBodyOrUnavailable<T>(read: () => Promise<T>, what: string): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    if (!isTransportFailure(cause)) throw cause;
    throw unavailable(cause, `${what} body`);
  }
}

/** Errors fetch and its body stream raise for transport trouble (never our own error classes). */
function isTransportFailure(cause: unknown): boolean {
  return cause instanceof Error && ['TypeError', 'TimeoutError', 'AbortError'].includes(cause.name);
}

function unavailable(cause: unknown, what: string, timeoutMs?: number): CxoneUnavailableError {
  const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  const reason = timedOut ? (timeoutMs === undefined ? 'deadline passed' : `no answer within ${Math.round(timeoutMs)} ms`) : 'network error';
  return new CxoneUnavailableError(`${what} failed: ${reason}`, undefined, { cause: redactCause(cause) });
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
