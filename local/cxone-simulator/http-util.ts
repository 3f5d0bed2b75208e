import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the simulator reads. */
const MAX_BODY_BYTES = 1_000_000;

/** Thrown for a request the simulator cannot read; answered 400. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

/** Reads the whole request body as UTF-8. */
export const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/** Parses a JSON body (empty means `{}`); BadRequestError when it is not a JSON object. */
export const parseJsonObject = (text: string): Record<string, unknown> => {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new BadRequestError('body is not valid JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('body must be a JSON object');
  }
  return value as Record<string, unknown>;
};

/**
 * Request parameters from the JSON or form body, falling back to the query string. Why both: the
 * CXone SDK sends JSON bodies while NICE's OpenAPI spec declares query parameters.
 */
export const readParams = async (req: IncomingMessage, url: URL): Promise<(name: string) => string | undefined> => {
  const text = await readBody(req);
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  let body: Record<string, unknown> = {};
  if (type.includes('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(text));
  else if (text.trim() !== '') body = parseJsonObject(text);
  const lowerBody = new Map(Object.entries(body).map(([k, v]) => [k.toLowerCase(), v]));
  const lowerQuery = new Map([...url.searchParams].map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => {
    const key = name.toLowerCase();
    const value = lowerBody.get(key);
    if (value !== undefined && value !== null) return String(value);
    return lowerQuery.get(key);
  };
};

/** Sends a JSON response. */
export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
};

/** Sends a response without a body (304 must carry none). */
export const sendEmpty = (res: ServerResponse, status: number, headers: Record<string, string> = {}): void => {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, status === 304 ? headers : { ...headers, 'Content-Length': 0 });
  res.end();
};

/** Sends a CXone-style error body `{ error, error_description }`. */
export const sendError = (res: ServerResponse, status: number, error: string, description: string, headers: Record<string, string> = {}): void =>
  sendJson(res, status, { error, error_description: description }, headers);

/** Decodes a URL path segment; undefined when the percent-encoding is broken. */
export const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};
