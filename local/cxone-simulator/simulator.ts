import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentPlatform, type DeliveredBatch, type EmittedEvent, type PollAnswerKind } from './agent-platform.js';
import { TokenIssuer } from './auth.js';
import { createSimClock, utcIso } from './clock.js';
import { buildAgentLeg, buildAgentState, type CxoneEvent } from './event-builders.js';
import { type ActiveFaultRule, FaultInjector, type FaultRule } from './faults.js';
import { createRequestHandler } from './http-server.js';
import { resolveAgentIds, type SimulatorCredentials, type SimulatorOptions, SimulatorOptionsSchema } from './options.js';
import { createRng } from './rng.js';
import { ScenarioEngine } from './scenario.js';
import { SimulatorConflictError } from './simulator-errors.js';

/** Options of {@link CxoneSimulator.loginAgent}. */
export interface LoginAgentOptions {
  readonly stationId?: string;
  readonly stationPhoneNumber?: string;
  /** Also connect the agent leg and go Available, as a desktop login does. @default true */
  readonly available?: boolean;
}

/** What a login returns. */
export interface LoginAgentResult {
  readonly agentId: string;
  /** The platform `SessionId` (numeric string) carried by AgentSessionStart. */
  readonly sessionId: string;
  /** An API sessionId (get-next-event cursor) for this session, as the desktop's start call got it. */
  readonly apiSessionId: string;
  /** `sessionStartTime` as agents/states reports it. */
  readonly sessionStartTime: string;
}

/** One agent as `GET /admin/agents` lists it. */
export interface AgentSummary {
  readonly agentId: string;
  readonly loggedIn: boolean;
  readonly sessionId: string | null;
  readonly sessionStartTime: string | null;
  readonly queuedEvents: number;
}

/** Counters for benchmarks and zero-loss checks. */
export interface SimulatorStats {
  /** get-next-event requests by how they were answered; `total` sums them. */
  readonly polls: Readonly<Record<PollAnswerKind | 'total', number>>;
  readonly heldPolls: number;
  /** Polls that arrived while another poll of the same session was still held: two pollers at once. */
  readonly overlappingPolls: number;
  readonly eventsEmitted: number;
  readonly eventsDelivered: number;
  /** Snapshot restatements delivered (duplicates by design, not in the emitted log). */
  readonly snapshotEventsDelivered: number;
  readonly eventsQueued: number;
  readonly sessionsStarted: number;
  readonly sessionsEnded: number;
  readonly activeSessions: number;
  /** Every POST to the token endpoint. */
  readonly tokenRequests: number;
  readonly tokensIssued: number;
  readonly tokensRefreshed: number;
  readonly tokenRequestsRejected: number;
  readonly scenarioRunning: boolean;
}

/** A running simulator. */
export interface CxoneSimulator {
  /** OIDC issuer, e.g. `http://127.0.0.1:PORT` (discovery at `/.well-known/...`). */
  readonly issuerUrl: string;
  /** What tenant discovery returns as `api_endpoint` (the same server). */
  readonly apiEndpoint: string;
  /** `{apiEndpoint}/incontactapi/services/v23.0`: the ACD REST base of the CXone "Agent API" overview. */
  readonly apiBaseUrl: string;
  readonly tokenEndpoint: string;
  readonly port: number;
  readonly tenantId: string;
  readonly credentials: SimulatorCredentials;
  /** Simulated seconds per real second (scenario and fault windows). */
  readonly timeScale: number;
  /** The configured agents. */
  readonly agentIds: readonly string[];
  readonly scenarioRunning: boolean;
  /** Logs an agent in as its desktop would. Throws SimulatorConflictError if it has a session. */
  loginAgent(agentId: string, options?: LoginAgentOptions): LoginAgentResult;
  /** Ends the agent's session (AgentSessionEnd, or RemoteAgentSessionEnd with `remote`). False if not logged in. */
  logoutAgent(agentId: string, options?: { remote?: boolean; message?: string }): boolean;
  /** Stops the scenario, then ends every session; returns how many ended. */
  logoutAll(): number;
  /** Queues exact events for the agent's session. Throws SimulatorConflictError if it has none. */
  enqueueEvents(agentId: string, events: readonly CxoneEvent[]): number;
  /** Adds a fault rule (get-next-event, or every endpoint for a window with scope 'all'); returns its id. */
  injectFault(rule: FaultRule): number;
  clearFaults(): void;
  listFaults(): readonly ActiveFaultRule[];
  /** The emitted log (ground truth), optionally for one agent and after a sequence number. */
  emittedEvents(filter?: { agentId?: string; sinceSeq?: number }): readonly EmittedEvent[];
  /** Every 200 batch, optionally for one agent. */
  deliveredBatches(filter?: { agentId?: string }): readonly DeliveredBatch[];
  agents(): AgentSummary[];
  stats(): SimulatorStats;
  startScenario(): void;
  stopScenario(): void;
  /** Makes every issued access token expire now. */
  expireTokens(): void;
  /** Every access and refresh token issued so far, so tests can prove none leaks. */
  issuedTokens(): string[];
  /** Stops the scenario, drops held polls and closes the server. */
  close(): Promise<void>;
}

/** Starts a CXone simulator on 127.0.0.1 (see README.md for the endpoints and the admin API). */
export const startCxoneSimulator = async (options: SimulatorOptions = {}): Promise<CxoneSimulator> => {
  const config = SimulatorOptionsSchema.parse(options);
  const clock = createSimClock();
  const rootRng = createRng(config.seed);
  const platform = new AgentPlatform({
    businessUnitId: config.businessUnitId,
    maxBatch: config.maxBatch,
    clock,
    sessionIdFormat: config.sessionIdFormat,
  });
  const agentIds = resolveAgentIds(config.agents);
  for (const agentId of agentIds) platform.ensureAgent(agentId);
  // The API user is modelled as the first agent: calls without asAgentId act for it.
  const defaultAgentId = agentIds[0] ?? '1';
  let issuerUrl = '';
  const tokens = new TokenIssuer({
    credentials: config.credentials,
    tokenTtlSeconds: config.tokenTtlSeconds,
    tenantId: config.tenantId,
    userAgentId: defaultAgentId,
    issuerUrl: () => issuerUrl,
  });
  const faults = new FaultInjector(rootRng.fork('faults'), config.timeScale);
  const scenario = new ScenarioEngine({
    platform,
    clock,
    rng: rootRng.fork('scenario'),
    timeScale: config.timeScale,
    options: config.scenario,
    agentIds: () => platform.listAgents().map((a) => a.agentId),
  });

  let simulator: CxoneSimulator | undefined;
  const server = createServer(
    createRequestHandler({
      config,
      platform,
      tokens,
      faults,
      defaultAgentId,
      simulator: () => {
        if (!simulator) throw new Error('simulator not started');
        return simulator;
      },
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Idle sockets live longer on the server than in the client's pool (undici drops them after ~4 s),
  // as behind a real load balancer: a client never reuses a socket the server already closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  issuerUrl = `http://127.0.0.1:${port}`;

  const agentOrThrow = (agentId: string) => {
    const session = platform.getAgent(agentId)?.session;
    if (!session) throw new SimulatorConflictError(`agent ${agentId} is not logged in`);
    return session;
  };

  const sim: CxoneSimulator = {
    issuerUrl,
    apiEndpoint: issuerUrl,
    apiBaseUrl: `${issuerUrl}/incontactapi/services/v23.0`,
    tokenEndpoint: `${issuerUrl}/auth/token`,
    port,
    tenantId: config.tenantId,
    credentials: config.credentials,
    timeScale: config.timeScale,
    agentIds,
    get scenarioRunning() {
      return scenario.running;
    },
    loginAgent: (agentId, opts = {}) => {
      const started = platform.startSession(agentId, opts);
      if (!started) throw new SimulatorConflictError(`agent ${agentId} already has a session`);
      const { session } = started;
      if (opts.available ?? true) {
        platform.emit(session, buildAgentLeg({ hosts: session.hosts, agentLegId: session.agentLegId, status: 'Active' }));
        platform.emit(session, buildAgentState({ hosts: session.hosts, state: 'Available', at: clock.now() }));
      }
      return {
        agentId,
        sessionId: session.platformSessionId,
        apiSessionId: started.cursor,
        sessionStartTime: utcIso(session.startedAt),
      };
    },
    logoutAgent: (agentId, opts = {}) => {
      const session = platform.getAgent(agentId)?.session;
      return session ? platform.endSession(session, opts) : false;
    },
    logoutAll: () => {
      // Stop first, or the scenario would log agents straight back in.
      scenario.stop();
      let ended = 0;
      for (const agent of platform.listAgents()) {
        if (agent.session && platform.endSession(agent.session)) ended++;
      }
      return ended;
    },
    enqueueEvents: (agentId, events) => {
      const session = agentOrThrow(agentId);
      let queued = 0;
      for (const event of events) if (platform.emit(session, event)) queued++;
      return queued;
    },
    injectFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    listFaults: () => faults.list(),
    emittedEvents: (filter = {}) => {
      const all = platform.emittedEvents();
      if (filter.agentId === undefined && !filter.sinceSeq) return all;
      return all.filter((e) => (filter.agentId === undefined || e.agentId === filter.agentId) && e.seq > (filter.sinceSeq ?? 0));
    },
    deliveredBatches: (filter = {}) => {
      const all = platform.deliveredBatches();
      return filter.agentId === undefined ? all : all.filter((b) => b.agentId === filter.agentId);
    },
    agents: () =>
      platform.listAgents().map((agent) => ({
        agentId: agent.agentId,
        loggedIn: agent.session !== undefined,
        sessionId: agent.session?.platformSessionId ?? null,
        sessionStartTime: agent.session ? utcIso(agent.session.startedAt) : null,
        queuedEvents: agent.session?.queue.length ?? 0,
      })),
    stats: () => {
      const open = platform.openSessionList();
      return {
        polls: { ...platform.stats.polls },
        heldPolls: open.filter((s) => s.held !== undefined).length,
        overlappingPolls: platform.stats.overlappingPolls,
        eventsEmitted: platform.stats.eventsEmitted,
        eventsDelivered: platform.stats.eventsDelivered,
        snapshotEventsDelivered: platform.stats.snapshotEventsDelivered,
        eventsQueued: platform.queuedEventCount(),
        sessionsStarted: platform.stats.sessionsStarted,
        sessionsEnded: platform.stats.sessionsEnded,
        activeSessions: platform.listAgents().filter((a) => a.session !== undefined).length,
        tokenRequests: tokens.stats.requests,
        tokensIssued: tokens.stats.issued,
        tokensRefreshed: tokens.stats.refreshed,
        tokenRequestsRejected: tokens.stats.rejected,
        scenarioRunning: scenario.running,
      };
    },
    startScenario: () => scenario.start(),
    stopScenario: () => scenario.stop(),
    expireTokens: () => tokens.expireAll(),
    issuedTokens: () => tokens.issuedTokens(),
    close: async () => {
      scenario.stop();
      platform.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  simulator = sim;
  if (config.scenario.autoStart) scenario.start();
  return sim;
};
