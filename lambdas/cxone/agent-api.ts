import { z } from 'zod';
import { type GetNextEventResponse, GetNextEventResponseSchema } from '../../contract/cxone-events.js';
import {
  CxoneAuthFailedError,
  CxoneContractViolationError,
  CxoneRequestRejectedError,
  CxoneSessionNotFoundError,
  CxoneUnavailableError,
} from '../../contract/errors.js';
import { CXONE_UNAUTHORIZED_ATTEMPTS } from '../../contract/retry-policy.js';
import type { CxoneAuth } from './auth.js';
import { fetchWithDeadline, parseRetryAfter, readBodyOrUnavailable } from './http.js';

/**
 * What one get-next-event poll reports, from CXone's answer (200, 304 or 409; CXone "Using Events"
 * page; Studio "GET NEXT EVENT", https://help.nicecxone.com/content/studio/actionscx/getagentevents/getagentevents.htm).
 * Words kept apart: CXone (or its simulator) *answers*, the client *reports*, and the loop's Choice
 * reads the *status* (PollStatus) the poller makes of it.
 */
export type PollReport = { kind: 'events'; response: GetNextEventResponse } | { kind: 'no-events' } | { kind: 'session-ended' };

/** One agent as the Real-Time Data API reports it (CXone Real-Time Data API, GET agents/states). */
export const AgentStateRecordSchema = z.looseObject({
  agentId: z.coerce.string(),
  agentStateName: z.string().optional(),
  sessionStartTime: z.string().nullish(),
  isActive: z.boolean().optional(),
  teamId: z.coerce.string().nullish(),
});
export type AgentStateRecord = z.infer<typeof AgentStateRecordSchema>;

const SessionResponseSchema = z.object({ sessionId: z.string().min(1) });
const AgentStatesResponseSchema = z.object({
  agentStates: z.array(AgentStateRecordSchema),
  lastPollTime: z.string().optional(),
  _links: z.looseObject({ next: z.string().nullish() }).nullish(),
});

/** Pages of one agent-state read followed at most: a loop guard, far above any tenant's agents per page size. */
const MAX_AGENT_STATE_PAGES = 1_000;

/** One delta read of the Real-Time Data API: agents changed since the cursor, and the next cursor. */
export interface AgentStatesDelta {
  agentStates: AgentStateRecord[];
  /** Send as the next `updatedSince`; undefined when CXone answered 304 (keep the old cursor). */
  lastPollTime?: string;
}

/** Station for a new session: one of the two is required by CXone. */
export type Station = { stationId: string } | { stationPhoneNumber: string };

export interface CxoneAgentApiOptions {
  /** API version segment for session calls; NICE's agent SDK uses v23.0 for sessions. */
  apiVersion?: string;
  /** Deadline for non-polling calls. @default 15000 */
  requestTimeoutMs?: number;
}

/**
 * The Agent API calls an event-polling integration makes. Maps CXone status codes to the error
 * contract; retries once after a 401 with a fresh token.
 */
export class CxoneAgentApi {
  private readonly apiVersion: string;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly auth: CxoneAuth,
    options: CxoneAgentApiOptions = {},
  ) {
    this.apiVersion = options.apiVersion ?? 'v23.0';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  }

  /**
   * One long poll. `timeoutSeconds` is CXone's hold time (0–60); `deadlineMs` bounds the whole
   * HTTP exchange and must exceed it.
   */
  async getNextEvent(sessionId: string, timeoutSeconds: number, deadlineMs: number): Promise<PollReport> {
    const path = `agent-sessions/${encodeURIComponent(sessionId)}/get-next-event?timeout=${timeoutSeconds}`;
    const response = await this.call('GET', path, undefined, deadlineMs, 'get-next-event');
    if (response.status === 304) return { kind: 'no-events' };
    if (response.status === 409) return { kind: 'session-ended' };
    if (response.status !== 200) await throwForStatus(response, 'get-next-event');
    const text = await readBodyText(response, 'get-next-event');
    const parsed = GetNextEventResponseSchema.safeParse(parseJson(text, 'get-next-event', response.status));
    if (!parsed.success) {
      throw new CxoneContractViolationError(`get-next-event answered 200 with an unexpected body: ${z.prettifyError(parsed.error)}`, { body: text });
    }
    return { kind: 'events', response: parsed.data };
  }

  /** Joins the agent's existing session; returns a fresh API sessionId (a cursor). */
  async joinSession(agentId: string): Promise<string> {
    const response = await this.call('POST', 'agent-sessions/join', { asAgentId: Number(agentId) }, this.requestTimeoutMs, 'join session');
    if (response.status === 404 || response.status === 409) {
      throw new CxoneSessionNotFoundError(`agent ${agentId} has no session to join (HTTP ${response.status})`);
    }
    return this.sessionIdFrom(response, 'join session');
  }

  /** Starts a session for the agent on a station; throws CxoneRequestRejectedError(409) if one exists. */
  async startSession(agentId: string, station: Station): Promise<string> {
    const response = await this.call('POST', 'agent-sessions', { ...station, asAgentId: Number(agentId) }, this.requestTimeoutMs, 'start session');
    return this.sessionIdFrom(response, 'start session');
  }

  /** Ends the session; CXone then emits AgentSessionEnd and answers later polls with 409. */
  async endSession(sessionId: string): Promise<void> {
    const response = await this.call(
      'DELETE',
      `agent-sessions/${encodeURIComponent(sessionId)}`,
      { forceLogoff: true, endContacts: false, ignorePersonalQueue: false },
      this.requestTimeoutMs,
      'end session',
    );
    if (!response.ok) await throwForStatus(response, 'end session');
  }

  /** The agent's current state from the Real-Time Data API, or undefined if unknown. */
  async getAgentState(agentId: string): Promise<AgentStateRecord | undefined> {
    const response = await this.call('GET', `agents/${encodeURIComponent(agentId)}/states`, undefined, this.requestTimeoutMs, 'agent state');
    if (response.status === 404) return undefined;
    if (!response.ok) await throwForStatus(response, 'agent state');
    const parsed = AgentStatesResponseSchema.safeParse(await readJsonBody(response, 'agent state'));
    if (!parsed.success) throw new CxoneContractViolationError('agent state response has an unexpected shape');
    return parsed.data.agentStates.find((state) => state.agentId === agentId) ?? parsed.data.agentStates[0];
  }

  /**
   * Agents whose state changed since `updatedSince` (all agents when it is the epoch). The cursor
   * is the previous answer's `lastPollTime` (CXone Real-Time Data API, GET agents/states); 304 means nothing changed.
   * A paged answer (`top`/`skip` in NICE's OpenAPI) is read whole by following `_links.next`, on the
   * API's own origin only (the token goes with it); the first page's `lastPollTime` is kept, so the
   * next delta starts no later than this read did. `pageSize` asks for pages (`top`).
   */
  async getAgentStatesSince(updatedSince: string, options: { pageSize?: number } = {}): Promise<AgentStatesDelta> {
    const top = options.pageSize ? `&top=${options.pageSize}` : '';
    let path = `agents/states?updatedSince=${encodeURIComponent(updatedSince)}${top}`;
    const agentStates: AgentStateRecord[] = [];
    let lastPollTime: string | undefined;
    for (let page = 1; ; page++) {
      const response = await this.call('GET', path, undefined, this.requestTimeoutMs, 'agent states');
      if (response.status === 304) {
        await response.body?.cancel();
        return { agentStates, ...(lastPollTime ? { lastPollTime } : {}) };
      }
      if (!response.ok) await throwForStatus(response, 'agent states');
      const parsed = AgentStatesResponseSchema.safeParse(await readJsonBody(response, 'agent states'));
      if (!parsed.success) throw new CxoneContractViolationError('agent states response has an unexpected shape');
      agentStates.push(...parsed.data.agentStates);
      lastPollTime ??= parsed.data.lastPollTime;
      const next = parsed.data._links?.next;
      if (!next || parsed.data.agentStates.length === 0) return { agentStates, ...(lastPollTime ? { lastPollTime } : {}) };
      if (page >= MAX_AGENT_STATE_PAGES) throw new CxoneContractViolationError(`agent states answered more than ${MAX_AGENT_STATE_PAGES} pages`);
      path = await this.sameOriginPath(next, response.url);
    }
  }

  /** The API path of a `_links` URL (absolute or relative to the answered request), refused on another origin. */
  private async sameOriginPath(link: string, requestUrl: string): Promise<string> {
    const access = await this.auth.access();
    const base = `${access.apiEndpoint}/incontactapi/services/${this.apiVersion}/`;
    const target = new URL(link, requestUrl || base);
    const prefix = new URL(base);
    // The version segment and path casing vary (CXone "Agent API" overview; NICE's agent SDK mixes both): match the origin, keep the path after "services/vN.M/".
    const rest = /\/services\/v\d+\.\d+\/(.*)$/i.exec(target.pathname)?.[1];
    if (target.origin !== prefix.origin || rest === undefined) {
      throw new CxoneContractViolationError(`agent states linked a next page outside the API (${target.origin})`);
    }
    return `${rest}${target.search}`;
  }

  private async sessionIdFrom(response: Response, what: string): Promise<string> {
    if (!response.ok) await throwForStatus(response, what);
    const parsed = SessionResponseSchema.safeParse(await readJsonBody(response, what));
    if (!parsed.success) throw new CxoneContractViolationError(`${what} answered without a sessionId`);
    return parsed.data.sessionId;
  }

  private async call(method: string, path: string, body: unknown, deadlineMs: number, what: string): Promise<Response> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const access = await this.auth.access();
      const url = new URL(`${access.apiEndpoint}/incontactapi/services/${this.apiVersion}/${path}`);
      const headers: Record<string, string> = { authorization: `Bearer ${access.accessToken}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const remaining = deadlineMs - (Date.now() - started);
      const response = await fetchWithDeadline(
        url,
        { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
        remaining,
        `CXone ${what}`,
      );
      if (response.status !== 401) return response;
      await response.body?.cancel();
      this.auth.invalidate();
      if (attempt >= CXONE_UNAUTHORIZED_ATTEMPTS) throw new CxoneAuthFailedError(`CXone ${what} answered 401 even with a fresh token`);
    }
  }
}

/** Larger bodies are refused rather than buffered: a batch is a few KB, a runaway one must not exhaust memory. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

async function readJsonBody(response: Response, what: string): Promise<unknown> {
  return parseJson(await readBodyText(response, what), what, response.status);
}

function parseJson(text: string, what: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CxoneContractViolationError(`CXone ${what} answered ${status} with a body that is not JSON (${text.length} chars)`, { cause, body: text });
  }
}

/** Reads the body as text, up to MAX_RESPONSE_BYTES; a larger one is a contract violation. */
async function readBodyText(response: Response, what: string): Promise<string> {
  return readBodyOrUnavailable(() => readBodyChunks(response, what), `CXone ${what}`);
}

async function readBodyChunks(response: Response, what: string): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      const head = Buffer.concat(chunks).toString('utf8');
      throw new CxoneContractViolationError(`CXone ${what} answered with a body over ${MAX_RESPONSE_BYTES} bytes`, { body: head, bodyIsHead: true });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Maps a non-success status to the error contract (CXone "Using Events" page: 200, 304, 409; the other codes are undocumented). */
async function throwForStatus(response: Response, what: string): Promise<never> {
  await response.body?.cancel();
  const { status } = response;
  if (status === 429 || status >= 500) {
    throw new CxoneUnavailableError(`CXone ${what} answered HTTP ${status}`, parseRetryAfter(response.headers.get('retry-after')));
  }
  if (status === 404) throw new CxoneSessionNotFoundError(`CXone ${what}: session not found (HTTP 404)`);
  throw new CxoneRequestRejectedError(`CXone ${what} rejected the request (HTTP ${status})`, status);
}
