/** Small fetch-based client for the simulator tests (real HTTP, as a poller would call it). */
import type { CxoneSimulator } from '../../local/cxone-simulator/index.js';

/** A response with its body read once. */
export interface HttpResult {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
  readonly json: any;
}

const read = async (res: Response): Promise<HttpResult> => {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, headers: res.headers, json };
};

/** Basic client auth as CXone's "API Authentication and Authorization" page describes it. */
export const basicAuth = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POSTs a form to the token endpoint. */
export const tokenRequest = async (sim: CxoneSimulator, form: Record<string, string>, authorization?: string): Promise<HttpResult> =>
  read(
    await fetch(sim.tokenEndpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(authorization ? { Authorization: authorization } : {}),
      },
      body: new URLSearchParams(form).toString(),
    }),
  );

/** Gets an access token with the password grant. */
export const getToken = async (sim: CxoneSimulator): Promise<string> => {
  const { credentials: c } = sim;
  const res = await tokenRequest(sim, { grant_type: 'password', username: c.accessKeyId, password: c.accessKeySecret }, basicAuth(c.clientId, c.clientSecret));
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return res.json.access_token as string;
};

/** Calls `{B}{path}` with a Bearer token. */
export const api = async (
  sim: CxoneSimulator,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> =>
  read(
    await fetch(`${sim.apiBaseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  );

/** One get-next-event poll; the cursor is URL-encoded as clients must do. */
export const poll = async (sim: CxoneSimulator, token: string, cursor: string, timeout: number | string = 0, signal?: AbortSignal): Promise<HttpResult> =>
  read(
    await fetch(`${sim.apiBaseUrl}/agent-sessions/${encodeURIComponent(cursor)}/get-next-event?timeout=${timeout}`, {
      headers: { Authorization: `Bearer ${token}` },
      ...(signal ? { signal } : {}),
    }),
  );

/** Calls the admin API. */
export const admin = async (sim: CxoneSimulator, method: string, path: string, body?: unknown): Promise<HttpResult> =>
  read(
    await fetch(`${sim.issuerUrl}/admin${path}`, {
      method,
      ...(body !== undefined ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
    }),
  );

/** Polls `check` every few milliseconds until it holds (for states reached asynchronously, not for timing). */
export const waitUntil = async (check: () => boolean, what: string, limitMs = 10_000): Promise<void> => {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** The event discriminator (`Type`, or `type` on CustomEvent). */
export const typeOf = (event: Record<string, unknown>): string => String(event.Type ?? event.type);
