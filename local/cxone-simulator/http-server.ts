import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AgentPlatform, PollWaiter } from './agent-platform.js';
import type { TokenIssuer } from './auth.js';
import { buildAgentLeg, type CxoneEvent } from './event-builders.js';
import { type Fault, type FaultInjector, FaultRuleSchema } from './faults.js';
import { BadRequestError, decodeSegment, parseJsonObject, readBody, readParams, sendEmpty, sendError, sendJson } from './http-util.js';
import { AgentIdSchema, type SimulatorConfig } from './options.js';
import type { CxoneSimulator } from './simulator.js';
import { SimulatorConflictError } from './simulator-errors.js';

/** What the request handler needs. */
export interface RequestHandlerDeps {
  readonly config: SimulatorConfig;
  readonly platform: AgentPlatform;
  readonly tokens: TokenIssuer;
  readonly faults: FaultInjector;
  /** The agent a session belongs to when the call has no `asAgentId` (the API user's own agent). */
  readonly defaultAgentId: string;
  /** The simulator itself: the admin API mirrors its methods. */
  readonly simulator: () => CxoneSimulator;
}

/** `{B}` = `{api_endpoint}/incontactapi/services/v{N}.0`, any case, any `vN.M`. */
const API_PREFIX = /^\/incontactapi\/services\/v\d+\.\d+(\/.*)$/i;

/** Creates the node:http request listener serving the CXone endpoints and the admin API. */
export const createRequestHandler = (deps: RequestHandlerDeps) => {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The Agent API echoes an optional CorrelationId header.
    const correlationId = req.headers.correlationid;
    if (typeof correlationId === 'string') res.setHeader('CorrelationId', correlationId);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();

    if (/^\/admin(\/|$)/i.test(path)) return handleAdmin(deps, method, path, url, req, res);
    // CXone down (a windowed fault with scope 'all'): every endpoint answers with the fault.
    const outage = deps.faults.outage();
    if (outage && (await applyOutage(outage, req, res))) return;
    if (method === 'GET' && /^\/\.well-known\/openid-configuration$/i.test(path)) {
      return sendJson(res, 200, openIdConfiguration(deps));
    }
    if (method === 'GET' && /^\/\.well-known\/cxone-configuration$/i.test(path)) {
      return cxoneConfiguration(deps, url, res);
    }
    if (method === 'GET' && /^\/\.well-known\/jwks$/i.test(path)) return sendJson(res, 200, { keys: [] });
    if (method === 'POST' && /^\/auth\/token$/i.test(path)) {
      const body = await readBody(req);
      const result = deps.tokens.handleTokenRequest(req.headers.authorization, new URLSearchParams(body));
      return sendJson(res, result.status, result.body, result.headers);
    }
    const api = API_PREFIX.exec(path);
    if (api?.[1] !== undefined) return handleApi(deps, method, api[1], url, req, res);
    return sendError(res, 404, 'NotFound', `No route for ${method} ${url.pathname}`);
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BadRequestError || error instanceof z.ZodError) {
        sendError(res, 400, 'BadRequest', error instanceof z.ZodError ? z.prettifyError(error) : error.message);
      } else if (error instanceof SimulatorConflictError) {
        sendError(res, 409, 'Conflict', error.message);
      } else {
        sendError(res, 500, 'InternalError', error instanceof Error ? error.message : String(error));
      }
    });
  };
};

// -------------------------------------------------------------------------------------------------
// Discovery

const openIdConfiguration = (deps: RequestHandlerDeps) => {
  const issuer = deps.simulator().issuerUrl;
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth/authorize`,
    token_endpoint: `${issuer}/auth/token`,
    jwks_uri: `${issuer}/.well-known/jwks`,
    end_session_endpoint: `${issuer}/auth/logout`,
    userinfo_endpoint: `${issuer}/auth/userinfo`,
    response_types_supported: ['code', 'token', 'id_token'],
    grant_types_supported: ['password', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['HS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    scopes_supported: ['openid'],
  };
};

const cxoneConfiguration = (deps: RequestHandlerDeps, url: URL, res: ServerResponse): void => {
  const tenantId = url.searchParams.get('tenantId');
  if (!tenantId) {
    sendError(res, 400, 'InvalidRequest', 'tenantId is required');
    return;
  }
  if (tenantId !== deps.config.tenantId) {
    sendError(res, 404, 'TenantNotFound', 'Unknown tenantId');
    return;
  }
  const sim = deps.simulator();
  sendJson(res, 200, {
    private: false,
    ui_endpoint: sim.issuerUrl,
    auth_endpoint: sim.issuerUrl,
    api_endpoint: sim.apiEndpoint,
    area: 'na1',
    cluster: 'SIM1',
    domain: 'sim.local',
    acdDomain: 'sim.local',
    uhDomain: 'sim.local',
    tenantId,
    globaldomain: 'sim.local',
  });
};

// -------------------------------------------------------------------------------------------------
// Agent API

const handleApi = async (deps: RequestHandlerDeps, method: string, rest: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const { platform } = deps;
  const isPoll = /^\/agent-sessions\/.+\/get-next-event$/i.test(rest);
  const auth = deps.tokens.checkBearer(req.headers.authorization);
  if (auth !== 'ok') {
    if (isPoll) platform.countPoll('4xx');
    const description = auth === 'expired' ? 'The access token expired' : 'A valid Bearer token is required';
    return sendError(res, 401, 'invalid_token', description, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
  }

  // First match wins; session ids may hold an unencoded '/', hence the greedy (.+).
  const routes: [string, RegExp, (segment: string) => Promise<void> | void][] = [
    ['GET', /^\/agent-sessions\/(.+)\/get-next-event$/i, (s) => getNextEvent(deps, s, url, req, res)],
    ['POST', /^\/agent-sessions$/i, () => startSession(deps, url, req, res)],
    ['POST', /^\/agent-sessions\/join$/i, () => joinSession(deps, url, req, res)],
    ['POST', /^\/agent-sessions\/(.+)\/state$/i, (s) => setState(deps, s, url, req, res)],
    ['POST', /^\/agent-sessions\/(.+)\/(?:keep-alive|event-queue-resize)$/i, (s) => sessionNoOp(deps, s, req, res)],
    ['DELETE', /^\/agent-sessions\/(.+)$/i, (s) => endSession(deps, s, req, res)],
    ['GET', /^\/agents\/states$/i, () => agentStates(deps, url, res)],
    ['GET', /^\/agents\/([^/]+)\/states$/i, (s) => agentStates(deps, url, res, decodeSegment(s))],
  ];
  for (const [routeMethod, pattern, run] of routes) {
    const match = pattern.exec(rest);
    if (match && routeMethod === method) return run(match[1] ?? '');
  }
  sendError(res, 404, 'NotFound', `No route for ${method} ${url.pathname}`);
};

/** keep-alive and event-queue-resize: accepted for completeness; a pure poller needs neither (§3 rows 6-7). */
const sessionNoOp = async (deps: RequestHandlerDeps, rawCursor: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  await readBody(req);
  const session = deps.platform.sessionByCursor(decodeSegment(rawCursor) ?? '');
  if (!session) return sendError(res, 404, 'InvalidSessionId', 'Unknown sessionId');
  if (session.endRequested) return sendError(res, 409, 'SessionEnded', 'The session has ended');
  sendEmpty(res, 202);
};

const getNextEvent = async (deps: RequestHandlerDeps, rawCursor: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const { platform } = deps;
  const timeoutRaw = url.searchParams.get('timeout');
  // Whole seconds 0-60, required (Studio's OnInvalidTimeout branch; 400 is inferred).
  if (timeoutRaw === null || !/^\d{1,2}$/.test(timeoutRaw) || Number(timeoutRaw) > 60) {
    platform.countPoll('4xx');
    return sendError(res, 400, 'InvalidTimeout', 'timeout must be an integer from 0 to 60');
  }
  const cursor = decodeSegment(rawCursor);
  const session = cursor === undefined ? undefined : platform.sessionByCursor(cursor);
  if (cursor === undefined || !session) {
    platform.countPoll('4xx');
    return sendError(res, 404, 'InvalidSessionId', 'Unknown sessionId');
  }
  const fault = deps.faults.take(session.agent.agentId);
  if (fault && (await applyFault(deps, fault, req, res))) return;

  const waiter: PollWaiter = {
    isOpen: () => !res.writableEnded && !res.destroyed && !req.socket.destroyed,
    onClientGone: (listener) => {
      res.once('close', () => {
        if (!res.writableFinished) listener();
      });
    },
    respond: (answer) => {
      if (answer.status === 200) sendJson(res, 200, { sessionId: answer.sessionId, events: answer.events });
      else if (answer.status === 409) sendError(res, 409, 'AgentSessionEnded', 'The agent session has ended');
      else sendEmpty(res, 304);
    },
  };
  platform.poll(cursor, Number(timeoutRaw), waiter);
};

/** Plays an outage fault on any endpoint; true when it answered (or dropped) the request. */
const applyOutage = async (fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
  if (fault.delayMs !== undefined && fault.delayMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (res.destroyed || req.socket.destroyed) return true;
  }
  if (fault.drop) {
    req.socket.destroy();
    return true;
  }
  const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
  if (fault.body !== undefined) {
    res.writeHead(fault.status ?? 200, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(fault.body) });
    res.end(fault.body);
    return true;
  }
  if (fault.status === undefined) return false;
  sendError(res, fault.status, 'SimulatedOutage', `Injected ${fault.status}`, headers);
  return true;
};

/** Plays a fault; true when it answered the poll (or dropped it), false to serve the poll normally. */
const applyFault = async (deps: RequestHandlerDeps, fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
  const { platform } = deps;
  if (fault.delayMs !== undefined && fault.delayMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (res.destroyed || req.socket.destroyed) {
      platform.countPoll('clientGone');
      return true;
    }
  }
  const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
  if (fault.drop) {
    platform.countPoll('dropped');
    req.socket.destroy();
    return true;
  }
  if (fault.midBody) {
    platform.countPoll('dropped');
    const body = fault.body ?? JSON.stringify({ sessionId: 'cut-short', events: [{ Type: 'Mute', AgentMuted: 'True' }] });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    if (fault.midBody === 'reset') {
      // Let the headers and the first half reach the client, then cut the connection.
      setTimeout(() => req.socket.destroy(), 20).unref();
    } else {
      // Stops by itself: the client gives up at its deadline; the socket goes after two minutes at most.
      setTimeout(() => req.socket.destroy(), 120_000).unref();
    }
    return true;
  }
  if (fault.body !== undefined || fault.status === 200) {
    platform.countPoll('malformed');
    const body = fault.body ?? '';
    res.writeHead(fault.status ?? 200, {
      ...headers,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    return true;
  }
  if (fault.status === undefined) return false;
  const status = fault.status;
  platform.countPoll(status === 304 ? '304' : status === 409 ? '409' : status >= 500 ? '5xx' : '4xx');
  if (status === 304) sendEmpty(res, 304, headers);
  else sendError(res, status, 'SimulatedFault', `Injected ${status}`, headers);
  return true;
};

const resolveAgent = (deps: RequestHandlerDeps, asAgentId: string | undefined, res: ServerResponse): string | undefined => {
  const agentId = asAgentId === undefined || asAgentId === '' ? deps.defaultAgentId : asAgentId;
  if (!/^\d+$/.test(agentId)) {
    sendError(res, 400, 'InvalidAgentId', 'asAgentId must be an integer');
    return undefined;
  }
  if (!deps.platform.getAgent(agentId)) {
    sendError(res, 404, 'AgentNotFound', `Agent ${agentId} does not exist`);
    return undefined;
  }
  return agentId;
};

const startSession = async (deps: RequestHandlerDeps, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const param = await readParams(req, url);
  const stationId = param('stationId') ?? '';
  const stationPhoneNumber = param('stationPhoneNumber') ?? '';
  if (stationId === '' && stationPhoneNumber === '') {
    return sendError(res, 400, 'InvalidStation', 'stationId or stationPhoneNumber is required');
  }
  const agentId = resolveAgent(deps, param('asAgentId'), res);
  if (agentId === undefined) return;
  const started = deps.platform.startSession(agentId, { stationId, stationPhoneNumber });
  if (!started) return sendError(res, 409, 'AgentSessionExists', 'The agent already has a session; join it');
  // The agent leg connects (the simulated agent answers the phone at once).
  deps.platform.emit(started.session, buildAgentLeg({ hosts: started.session.hosts, agentLegId: started.session.agentLegId, status: 'Active' }));
  sendJson(res, 202, { sessionId: started.cursor });
};

const joinSession = async (deps: RequestHandlerDeps, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const param = await readParams(req, url);
  const agentId = resolveAgent(deps, param('asAgentId'), res);
  if (agentId === undefined) return;
  const joined = deps.platform.joinSession(agentId);
  // Choice: 409 (not 404) when there is nothing to join, mirroring start's 409 for the opposite case.
  if (!joined) return sendError(res, 409, 'NoAgentSession', 'The agent has no session to join');
  sendJson(res, 202, { sessionId: joined.cursor });
};

const endSession = async (deps: RequestHandlerDeps, rawCursor: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  await readBody(req);
  const session = deps.platform.sessionByCursor(decodeSegment(rawCursor) ?? '');
  if (!session) return sendError(res, 404, 'InvalidSessionId', 'Unknown sessionId');
  if (!deps.platform.endSession(session)) return sendError(res, 409, 'SessionEnded', 'The session has already ended');
  sendEmpty(res, 202);
};

const setState = async (deps: RequestHandlerDeps, rawCursor: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const param = await readParams(req, url);
  const session = deps.platform.sessionByCursor(decodeSegment(rawCursor) ?? '');
  if (!session) return sendError(res, 404, 'InvalidSessionId', 'Unknown sessionId');
  const raw = (param('state') ?? '').toLowerCase();
  const state = raw === 'available' ? 'Available' : raw === 'unavailable' ? 'Unavailable' : undefined;
  if (!state) return sendError(res, 400, 'InvalidState', 'state must be Available or Unavailable');
  const outcome = deps.platform.setState(session, state, param('reason') ?? '');
  if (outcome === 'conflict') return sendError(res, 409, 'StateNotAllowed', 'The state change is not allowed now');
  sendEmpty(res, 202);
};

const agentStates = (deps: RequestHandlerDeps, url: URL, res: ServerResponse, agentId?: string): void => {
  const since = url.searchParams.get('updatedSince');
  const sinceMs = since ? Date.parse(since) : 0;
  if (Number.isNaN(sinceMs)) {
    sendError(res, 400, 'InvalidUpdatedSince', 'updatedSince must be an ISO-8601 date');
  } else if (agentId !== undefined && !deps.platform.getAgent(agentId)) {
    sendError(res, 404, 'AgentNotFound', 'Unknown agentId');
  } else {
    const { lastPollTime, rows } = deps.platform.agentStates(sinceMs, agentId);
    // Choice: 304 when a delta poll finds nothing new (the SDK handles 304 as "no change").
    if (since && rows.length === 0) sendEmpty(res, 304);
    else if (agentId !== undefined) sendJson(res, 200, { agentStates: rows.map((r) => ({ ...r, lastPollTime })) });
    else {
      // `top`/`skip` page the list as NICE's OpenAPI describes; `_links.next` names the next page.
      const top = Number(url.searchParams.get('top') ?? rows.length) || rows.length;
      const skip = Number(url.searchParams.get('skip') ?? 0) || 0;
      const pageOf = (offset: number) => {
        const link = new URL(url);
        link.searchParams.set('skip', String(offset));
        link.searchParams.set('top', String(top));
        // Relative: the request URL here has no host of its own; a client resolves it against its request.
        return `${link.pathname}${link.search}`;
      };
      sendJson(res, 200, {
        totalRecords: rows.length,
        _links: {
          self: `${url.pathname}${url.search}`,
          next: skip + top < rows.length ? pageOf(skip + top) : null,
          previous: skip > 0 ? pageOf(Math.max(0, skip - top)) : null,
        },
        lastPollTime,
        agentStates: rows.slice(skip, skip + top),
      });
    }
  }
};

// -------------------------------------------------------------------------------------------------
// Admin API (local only; no auth)

const LoginBodySchema = z.object({
  stationId: z.string().optional(),
  stationPhoneNumber: z.string().optional(),
  available: z.boolean().optional(),
});
const LogoutBodySchema = z.object({ remote: z.boolean().optional(), message: z.string().optional() });
const EventsBodySchema = z.object({
  events: z
    .array(z.record(z.string(), z.unknown()))
    .min(1)
    .refine((events) => events.every((e) => typeof (e.Type ?? e.type) === 'string'), 'every event needs a Type'),
});

const handleAdmin = async (deps: RequestHandlerDeps, method: string, path: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const sim = deps.simulator();
  // Agent ids are digits, so lower-casing the whole route is safe.
  const rest = path.replace(/^\/admin/i, '').toLowerCase();
  const body = async () => parseJsonObject(await readBody(req));

  const agentAction = /^\/agents\/([^/]+)\/(login|logout|events)$/.exec(rest);
  if (agentAction && method === 'POST') {
    const agentId = AgentIdSchema.parse(decodeSegment(agentAction[1] ?? ''));
    const action = agentAction[2];
    if (action === 'login') return sendJson(res, 200, sim.loginAgent(agentId, LoginBodySchema.parse(await body())));
    if (action === 'logout') {
      const ended = sim.logoutAgent(agentId, LogoutBodySchema.parse(await body()));
      return ended ? sendJson(res, 200, { ended }) : sendError(res, 409, 'NoAgentSession', 'The agent is not logged in');
    }
    const { events } = EventsBodySchema.parse(await body());
    return sendJson(res, 202, { queued: sim.enqueueEvents(agentId, events as CxoneEvent[]) });
  }
  if (rest === '/agents' && method === 'GET') return sendJson(res, 200, { agents: sim.agents() });
  if (rest === '/faults') {
    if (method === 'POST') return sendJson(res, 201, { id: sim.injectFault(FaultRuleSchema.parse(await body())) });
    if (method === 'DELETE') {
      sim.clearFaults();
      return sendJson(res, 200, { cleared: true });
    }
    if (method === 'GET') return sendJson(res, 200, { faults: sim.listFaults() });
  }
  if (rest === '/emitted' && method === 'GET') {
    const agentId = url.searchParams.get('agentId') ?? undefined;
    const sinceSeq = Number(url.searchParams.get('sinceSeq') ?? 0) || 0;
    return sendJson(res, 200, { events: sim.emittedEvents({ agentId, sinceSeq }) });
  }
  if (rest === '/delivered' && method === 'GET') {
    const agentId = url.searchParams.get('agentId') ?? undefined;
    return sendJson(res, 200, { batches: sim.deliveredBatches({ agentId }) });
  }
  if (rest === '/stats' && method === 'GET') return sendJson(res, 200, sim.stats());
  if ((rest === '/scenario/start' || rest === '/scenario/stop') && method === 'POST') {
    if (rest === '/scenario/start') sim.startScenario();
    else sim.stopScenario();
    return sendJson(res, 200, { running: sim.scenarioRunning });
  }
  if (rest === '/logout-all' && method === 'POST') return sendJson(res, 200, { loggedOut: sim.logoutAll() });
  if (rest === '/tokens/expire' && method === 'POST') {
    sim.expireTokens();
    return sendJson(res, 200, { expired: true });
  }
  return sendError(res, 404, 'NotFound', `No admin route for ${method} ${path}`);
};
