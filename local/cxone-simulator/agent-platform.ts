import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SimClock } from './clock.js';
import { utcIso } from './clock.js';
import {
  type AgentStateName,
  buildAgentLeg,
  buildAgentSessionEnd,
  buildAgentSessionStart,
  buildAgentState,
  type CxoneEvent,
  closeContactEvent,
  type EventHosts,
  eventContactId,
  eventType,
  isContactEvent,
  isSessionEndEvent,
} from './event-builders.js';
import { applyEvent, createSessionView, type SessionView, snapshotEvents } from './session-view.js';

/** One event as the simulator generated it: the ground truth for zero-loss checks. */
export interface EmittedEvent {
  /** Global emission order, from 1. */
  readonly seq: number;
  readonly agentId: string;
  /** The platform `SessionId` (numeric string), not the API cursor. */
  readonly sessionId: string;
  readonly event: CxoneEvent;
  /** `Date.now()` when emitted (comparable across processes). */
  readonly emittedAt: number;
  /** `performance.now()` when emitted (same-process latency). */
  readonly emittedAtPerf: number;
  /** Set when a 200 response first carried this event. */
  deliveredAt?: number;
  deliveredAtPerf?: number;
}

/** One event inside a delivered batch. */
export interface DeliveredEvent {
  readonly event: CxoneEvent;
  /** True for snapshot restatements (duplicates by design), which are not in the emitted log. */
  readonly snapshot: boolean;
  /** The emitted-log `seq` of a real event. */
  readonly emittedSeq?: number;
}

/** One 200 response of get-next-event. */
export interface DeliveredBatch {
  readonly agentId: string;
  readonly sessionId: string;
  /** The API sessionId the client polled with. */
  readonly requestSessionId: string;
  /** The new API sessionId the response carried. */
  readonly responseSessionId: string;
  /** True when the batch began with a snapshot (stale cursor or first poll after a join). */
  readonly snapshot: boolean;
  readonly events: readonly DeliveredEvent[];
  readonly deliveredAt: number;
  readonly deliveredAtPerf: number;
}

/** How the simulator answered a poll, as counted in the stats (or did not: dropped, or the client went away). */
export type PollAnswerKind = '200' | '304' | '409' | '4xx' | '5xx' | 'dropped' | 'malformed' | 'clientGone';

/** The answer the platform gives a poll. */
export type PollAnswer =
  | { readonly status: 200; readonly sessionId: string; readonly events: readonly CxoneEvent[] }
  | { readonly status: 304 }
  | { readonly status: 409 };

/** The HTTP side of one poll, as the platform sees it. */
export interface PollWaiter {
  /** False once the client went away; a batch is never taken from the queue for a closed waiter. */
  isOpen(): boolean;
  /** Called once if the client disconnects before an answer. */
  onClientGone(listener: () => void): void;
  respond(answer: PollAnswer): void;
}

/** A simulated agent. */
export interface AgentRecord {
  readonly agentId: string;
  /** Registration order; spaces the agent's generated ids apart from other agents'. */
  readonly index: number;
  readonly agentUuid: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly userName: string;
  readonly teamId: number;
  readonly teamName: string;
  readonly stationPhoneNumber: string;
  /** The current session (cleared as soon as its end is requested, so the agent can log in again). */
  session?: SessionRecord;
  lastSession?: SessionRecord;
  loginCount: number;
  contactCount: number;
  lastUpdateTime: number;
}

/** Station details given at login. */
export interface StationInput {
  readonly stationId?: string;
  readonly stationPhoneNumber?: string;
}

/** A platform agent session (one login). */
export interface SessionRecord {
  readonly agent: AgentRecord;
  /** Platform `SessionId`: numeric, stable for the login. */
  readonly platformSessionId: string;
  /** Login time (epoch ms): `sessionStartTime` in agents/states, distinct for every login. */
  readonly startedAt: number;
  readonly hosts: EventHosts;
  readonly agentLegId: string;
  readonly queue: EmittedEvent[];
  /** The only API sessionId that continues the stream; any older one gets a snapshot. */
  currentCursor: string;
  /** State over every emitted event. */
  readonly live: SessionView;
  /** State over delivered events: what a snapshot restates. */
  readonly delivered: SessionView;
  endRequested: boolean;
  /** The batch carrying AgentSessionEnd was delivered: every later poll answers 409. */
  closed: boolean;
  held?: HeldPoll;
  flushScheduled: boolean;
}

interface HeldPoll {
  readonly waiter: PollWaiter;
  readonly cursor: string;
  readonly timer: NodeJS.Timeout;
}

interface CursorRecord {
  readonly session: SessionRecord;
  /** A join cursor: its first poll restates the session before the queued events. */
  readonly snapshotOnFirstUse: boolean;
}

/** Counters kept by the platform. */
export interface PlatformStats {
  readonly polls: Record<PollAnswerKind | 'total', number>;
  eventsEmitted: number;
  eventsDelivered: number;
  snapshotEventsDelivered: number;
  sessionsStarted: number;
  sessionsEnded: number;
  /** Polls that arrived while another poll of the same session was still held: two pollers at once. */
  overlappingPolls: number;
}

/** Settings of the platform. */
export interface AgentPlatformProps {
  readonly businessUnitId: string;
  readonly maxBatch: number;
  readonly clock: SimClock;
  readonly sessionIdFormat: 'cxone' | 'url-hostile';
}

const FIRST_NAMES = ['Ava', 'Ben', 'Chloe', 'Dev', 'Emma', 'Finn', 'Grace', 'Hugo', 'Iris', 'Jon'] as const;
const TEAMS = [
  { teamId: 4101, teamName: 'Support East' },
  { teamId: 4102, teamName: 'Support West' },
  { teamId: 4103, teamName: 'Digital Care' },
] as const;

/**
 * The CXone agent-session model behind the HTTP layer: agents, sessions, per-session event queues,
 * rotating cursors, long-poll holding, snapshots and the emitted/delivered logs.
 */
export class AgentPlatform {
  readonly stats: PlatformStats = {
    polls: { total: 0, '200': 0, '304': 0, '409': 0, '4xx': 0, '5xx': 0, dropped: 0, malformed: 0, clientGone: 0 },
    eventsEmitted: 0,
    eventsDelivered: 0,
    snapshotEventsDelivered: 0,
    sessionsStarted: 0,
    sessionsEnded: 0,
    overlappingPolls: 0,
  };
  private readonly agents = new Map<string, AgentRecord>();
  private readonly cursors = new Map<string, CursorRecord>();
  /** Sessions whose final batch is not delivered yet (an ended session may still be draining). */
  private readonly openSessions = new Set<SessionRecord>();
  private readonly emitted: EmittedEvent[] = [];
  private readonly batches: DeliveredBatch[] = [];
  private readonly sessionListeners = new Set<(session: SessionRecord, change: 'started' | 'ended') => void>();

  constructor(private readonly props: AgentPlatformProps) {}

  // ------------------------------------------------------------------------------------------
  // Agents

  /** Returns the agent, registering it on first use. */
  ensureAgent(agentId: string): AgentRecord {
    const existing = this.agents.get(agentId);
    if (existing) return existing;
    const index = this.agents.size;
    const team = TEAMS[index % TEAMS.length] ?? TEAMS[0];
    const agent: AgentRecord = {
      agentId,
      index,
      agentUuid: `11ee0000-5151-4000-8000-${agentId.padStart(12, '0').slice(-12)}`,
      firstName: FIRST_NAMES[index % FIRST_NAMES.length] ?? 'Agent',
      lastName: `Sim${index + 1}`,
      userName: `agent.${agentId}@sim.example.test`,
      teamId: team.teamId,
      teamName: team.teamName,
      stationPhoneNumber: `80155${String(10_000 + index).slice(-5)}`,
      loginCount: 0,
      contactCount: 0,
      lastUpdateTime: this.props.clock.now(),
    };
    this.agents.set(agentId, agent);
    return agent;
  }

  /** The agent, if registered. */
  getAgent(agentId: string): AgentRecord | undefined {
    return this.agents.get(agentId);
  }

  /** Every registered agent, in registration order. */
  listAgents(): AgentRecord[] {
    return [...this.agents.values()];
  }

  /** A new contact id for the agent (numeric string, unique and reproducible per agent). */
  nextContactId(agent: AgentRecord): string {
    agent.contactCount++;
    return String(700_000_000_000 + agent.index * 10_000_000 + agent.contactCount);
  }

  /** Subscribes to session starts and end requests (the scenario engine follows external logins). */
  onSessionChange(listener: (session: SessionRecord, change: 'started' | 'ended') => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  // ------------------------------------------------------------------------------------------
  // Sessions

  /**
   * Logs the agent in: a new platform session whose queue starts with AgentSessionStart,
   * AgentLeg Dialing and AgentState LoggedIn. Returns undefined when the agent already has a session.
   */
  startSession(agentId: string, station: StationInput = {}): { session: SessionRecord; cursor: string } | undefined {
    const agent = this.ensureAgent(agentId);
    if (agent.session) return undefined;
    agent.loginCount++;
    const hostNo = (agent.index % 4) + 1;
    // sessionStartTime names Step Functions executions: strictly increasing, so never reused.
    const startedAt = this.props.clock.now();
    const session: SessionRecord = {
      agent,
      platformSessionId: String(698_000_000_000 + agent.index * 100_000 + agent.loginCount),
      startedAt,
      hosts: { iisHost: `SIM-C31COR0${hostNo}`, vcHost: `SIM-C31COR0${hostNo}` },
      agentLegId: String(699_000_000_000 + agent.index * 100_000 + agent.loginCount),
      queue: [],
      currentCursor: '',
      live: createSessionView(),
      delivered: createSessionView(),
      endRequested: false,
      closed: false,
      flushScheduled: false,
    };
    session.currentCursor = this.issueCursor(session, false);
    agent.session = session;
    agent.lastSession = session;
    this.openSessions.add(session);
    this.stats.sessionsStarted++;
    const stationPhoneNumber = station.stationPhoneNumber ?? (station.stationId ? '' : agent.stationPhoneNumber);
    this.emit(
      session,
      buildAgentSessionStart({
        hosts: session.hosts,
        busNo: this.props.businessUnitId,
        agentId: agent.agentId,
        sessionId: session.platformSessionId,
        agentUuid: agent.agentUuid,
        stationId: station.stationId ?? '',
        stationPhoneNumber,
      }),
    );
    this.emit(session, buildAgentLeg({ hosts: session.hosts, agentLegId: session.agentLegId, status: 'Dialing' }));
    this.emit(session, buildAgentState({ hosts: session.hosts, state: 'LoggedIn', at: startedAt }));
    for (const listener of this.sessionListeners) listener(session, 'started');
    return { session, cursor: session.currentCursor };
  }

  /**
   * Joins the agent's session: issues a new current cursor whose first poll restates the session
   * (snapshot) before the queued events. An older held poll is answered 304. Undefined when the agent
   * has no session.
   */
  joinSession(agentId: string): { session: SessionRecord; cursor: string } | undefined {
    const session = this.agents.get(agentId)?.session;
    if (!session) return undefined;
    this.releaseHeld(session);
    session.currentCursor = this.issueCursor(session, true);
    return { session, cursor: session.currentCursor };
  }

  /** The session a cursor (current or older) belongs to. */
  sessionByCursor(cursor: string): SessionRecord | undefined {
    return this.cursors.get(cursor)?.session;
  }

  /**
   * Ends a session the way the platform does: closes open contacts, disconnects the agent leg and
   * queues AgentSessionEnd (or RemoteAgentSessionEnd) as the final event. False if already ending.
   */
  endSession(session: SessionRecord, options: { remote?: boolean; message?: string } = {}): boolean {
    if (session.endRequested) return false;
    const at = this.props.clock.now();
    for (const contact of [...session.live.contacts.values()]) this.emit(session, closeContactEvent(contact, at));
    if (session.live.agentLeg) {
      this.emit(session, buildAgentLeg({ hosts: session.hosts, agentLegId: session.agentLegId, status: 'Disconnected', finalState: true }));
    }
    this.emit(session, buildAgentSessionEnd({ hosts: session.hosts, ...options }));
    return true;
  }

  /**
   * Applies `POST .../agent-sessions/{id}/state`. Conflict while the agent handles a contact or the
   * session is ending (CXone Agent API, POST agent-sessions/{id}/state: 409 "state not allowed now").
   */
  setState(session: SessionRecord, state: 'Available' | 'Unavailable', reason: string): 'ok' | 'conflict' {
    if (session.endRequested || session.live.contacts.size > 0) return 'conflict';
    this.emit(
      session,
      buildAgentState({
        hosts: session.hosts,
        state,
        outReason: state === 'Unavailable' ? reason : '',
        at: this.props.clock.now(),
      }),
    );
    return 'ok';
  }

  /**
   * Records an event and queues it for the session's poller. Returns false (and drops nothing that
   * was queued) when the session is already ending, since nothing may follow AgentSessionEnd.
   */
  emit(session: SessionRecord, event: CxoneEvent): boolean {
    if (session.endRequested) return false;
    const record: EmittedEvent = {
      seq: this.emitted.length + 1,
      agentId: session.agent.agentId,
      sessionId: session.platformSessionId,
      event,
      emittedAt: Date.now(),
      emittedAtPerf: performance.now(),
    };
    this.emitted.push(record);
    this.stats.eventsEmitted++;
    session.queue.push(record);
    applyEvent(session.live, event);
    const type = eventType(event);
    if (type === 'AgentSessionStart' || type === 'AgentState' || type === 'AgentLeg' || isContactEvent(event)) {
      session.agent.lastUpdateTime = this.props.clock.now();
    }
    if (isSessionEndEvent(event)) this.markEnding(session);
    this.scheduleFlush(session);
    return true;
  }

  private markEnding(session: SessionRecord): void {
    session.endRequested = true;
    const agent = session.agent;
    if (agent.session === session) agent.session = undefined;
    agent.lastUpdateTime = this.props.clock.now();
    this.stats.sessionsEnded++;
    for (const listener of this.sessionListeners) listener(session, 'ended');
  }

  // ------------------------------------------------------------------------------------------
  // get-next-event

  /**
   * Serves one poll whose cursor is known. Current cursor: the queued events at once, or hold until
   * one is queued or `timeoutSeconds` pass (304). Older cursor: AgentSessionStart plus a snapshot,
   * then the queued events. Ended session: 409. A newer poll on the same session answers the held
   * one 304.
   */
  poll(cursor: string, timeoutSeconds: number, waiter: PollWaiter): void {
    const ref = this.cursors.get(cursor);
    if (!ref) throw new Error('poll() needs a known cursor');
    const session = ref.session;
    if (session.closed) {
      this.answer(waiter, { status: 409 });
      return;
    }
    if (session.held) this.stats.overlappingPolls++;
    this.releaseHeld(session);
    const stale = session.currentCursor !== cursor;
    if (stale || ref.snapshotOnFirstUse || session.queue.length > 0) {
      this.deliver(session, waiter, cursor, stale || ref.snapshotOnFirstUse);
      return;
    }
    if (timeoutSeconds === 0) {
      this.answer(waiter, { status: 304 });
      return;
    }
    const held: HeldPoll = {
      waiter,
      cursor,
      timer: setTimeout(() => {
        if (session.held !== held) return;
        session.held = undefined;
        this.answer(waiter, { status: 304 });
      }, timeoutSeconds * 1000),
    };
    session.held = held;
    waiter.onClientGone(() => {
      if (session.held !== held) return;
      // The client left: its events stay queued for the next poll.
      clearTimeout(held.timer);
      session.held = undefined;
      this.countPoll('clientGone');
    });
  }

  /** Counts a poll answer decided outside the platform (HTTP errors, faults). */
  countPoll(kind: PollAnswerKind): void {
    this.stats.polls.total++;
    this.stats.polls[kind]++;
  }

  private answer(waiter: PollWaiter, answer: PollAnswer): void {
    this.countPoll(String(answer.status) as PollAnswerKind);
    waiter.respond(answer);
  }

  private releaseHeld(session: SessionRecord): void {
    const held = session.held;
    if (!held) return;
    clearTimeout(held.timer);
    session.held = undefined;
    this.answer(held.waiter, { status: 304 });
  }

  private scheduleFlush(session: SessionRecord): void {
    if (session.flushScheduled || !session.held) return;
    session.flushScheduled = true;
    // setImmediate: events queued in the same tick (a status change and its AgentState) share a batch.
    setImmediate(() => {
      session.flushScheduled = false;
      const held = session.held;
      if (!held || session.queue.length === 0) return;
      clearTimeout(held.timer);
      session.held = undefined;
      this.deliver(session, held.waiter, held.cursor, false);
    });
  }

  private deliver(session: SessionRecord, waiter: PollWaiter, requestCursor: string, withSnapshot: boolean): void {
    if (!waiter.isOpen()) {
      // Never take events for a client that is gone.
      this.countPoll('clientGone');
      return;
    }
    // Before anything was delivered the queue itself starts with AgentSessionStart: no restatement needed.
    const snapshot = withSnapshot && session.delivered.sessionStart ? snapshotEvents(session.delivered) : [];
    const room = Math.max(0, this.props.maxBatch - snapshot.length);
    const taken = session.queue.splice(0, room);
    const cursor = this.issueCursor(session, false);
    session.currentCursor = cursor;
    const deliveredAt = Date.now();
    const deliveredAtPerf = performance.now();
    for (const record of taken) {
      applyEvent(session.delivered, record.event);
      record.deliveredAt ??= deliveredAt;
      record.deliveredAtPerf ??= deliveredAtPerf;
      if (isSessionEndEvent(record.event)) {
        session.closed = true;
        this.openSessions.delete(session);
      }
    }
    this.stats.eventsDelivered += taken.length;
    this.stats.snapshotEventsDelivered += snapshot.length;
    this.batches.push({
      agentId: session.agent.agentId,
      sessionId: session.platformSessionId,
      requestSessionId: requestCursor,
      responseSessionId: cursor,
      snapshot: snapshot.length > 0,
      events: [...snapshot.map((event) => ({ event, snapshot: true })), ...taken.map((r) => ({ event: r.event, snapshot: false, emittedSeq: r.seq }))],
      deliveredAt,
      deliveredAtPerf,
    });
    this.answer(waiter, { status: 200, sessionId: cursor, events: [...snapshot, ...taken.map((r) => r.event)] });
  }

  private issueCursor(session: SessionRecord, snapshotOnFirstUse: boolean): string {
    // base64(base64(43 random bytes)) = 80 characters, as in the example on the Studio "GET NEXT EVENT" help page.
    const cursor =
      this.props.sessionIdFormat === 'cxone' ? Buffer.from(randomBytes(43).toString('base64'), 'utf8').toString('base64') : randomBytes(58).toString('base64');
    this.cursors.set(cursor, { session, snapshotOnFirstUse });
    return cursor;
  }

  // ------------------------------------------------------------------------------------------
  // Logs and real-time data

  /** Sessions still draining or running. */
  openSessionList(): SessionRecord[] {
    return [...this.openSessions];
  }

  /** Every emitted event, in emission order (live records: delivery times fill in later). */
  emittedEvents(): readonly EmittedEvent[] {
    return this.emitted;
  }

  /** Every 200 batch, in delivery order. */
  deliveredBatches(): readonly DeliveredBatch[] {
    return this.batches;
  }

  /** Events queued and not yet delivered, over all sessions. */
  queuedEventCount(): number {
    let n = 0;
    for (const session of this.openSessions) n += session.queue.length;
    return n;
  }

  /**
   * Rows of `GET agents/states` (CXone Real-Time Data API) for agents updated at or after `sinceMs`, and the
   * `lastPollTime` to send as the next `updatedSince`. Both come from the simulator's strictly
   * increasing clock, so a change is never reported twice nor missed between two delta polls.
   */
  agentStates(sinceMs: number, onlyAgentId?: string): { lastPollTime: string; rows: AgentStateRow[] } {
    const lastPollTime = utcIso(this.props.clock.now());
    const rows: AgentStateRow[] = [];
    for (const agent of this.agents.values()) {
      if (onlyAgentId !== undefined && agent.agentId !== onlyAgentId) continue;
      if (agent.lastUpdateTime < sinceMs) continue;
      rows.push(this.agentStateRow(agent));
    }
    return { lastPollTime, rows };
  }

  private agentStateRow(agent: AgentRecord): AgentStateRow {
    const session = agent.session;
    const view = session?.live;
    const stateEvent = view?.agentState;
    const current = typeof stateEvent?.CurrentState === 'string' ? stateEvent.CurrentState : 'LoggedIn';
    const name: RtdStateName = session ? toRtdStateName(current as AgentStateName) : 'LoggedOut';
    const firstContact = view ? [...view.contacts.values()][0] : undefined;
    const contactId = firstContact ? eventContactId(firstContact) : undefined;
    const media = firstContact ? MEDIA_TYPES[eventType(firstContact)] : undefined;
    const outReason = session && typeof stateEvent?.CurrentOutReason === 'string' ? stateEvent.CurrentOutReason : '';
    const stateStart = session && typeof stateEvent?.StartTimeUTC === 'string' ? stateEvent.StartTimeUTC : utcIso(agent.lastUpdateTime);
    const last = agent.lastSession;
    return {
      agentId: Number(agent.agentId),
      agentStateId: RTD_STATE_IDS[name],
      agentStateName: name,
      agentStateCategory: RTD_STATE_CATEGORIES[name],
      businessUnitId: Number(this.props.businessUnitId),
      contactId: contactId !== undefined ? Number(contactId) : null,
      contactStartHandleTime: firstContact && typeof firstContact.StartTimeUTC === 'string' ? firstContact.StartTimeUTC : null,
      isActive: session !== undefined,
      isACW: stateEvent?.IsAcw === 'True' && session !== undefined,
      isOutbound: false,
      firstName: agent.firstName,
      lastName: agent.lastName,
      fromAddress: '',
      toAddress: '',
      lastUpdateTime: utcIso(agent.lastUpdateTime),
      mediaTypeId: media?.id ?? null,
      mediaTypeName: media?.name ?? null,
      openContacts: view?.contacts.size ?? 0,
      outStateId: outReason ? 1000 + (hashCode(outReason) % 1000) : 0,
      outStateDescription: outReason,
      sessionStartTime: last ? utcIso(last.startedAt) : null,
      skillId: null,
      skillName: null,
      startDate: stateStart,
      stationId: null,
      stationPhoneNumber: agent.stationPhoneNumber,
      teamId: agent.teamId,
      teamName: agent.teamName,
      userName: agent.userName,
    };
  }

  /** Clears held polls' timers (server shutdown). */
  close(): void {
    for (const session of this.openSessions) {
      if (session.held) clearTimeout(session.held.timer);
      session.held = undefined;
    }
  }
}

/** `agentStateName` values of the real-time data API. */
export type RtdStateName =
  | 'LoggedOut'
  | 'Available'
  | 'Unavailable'
  | 'InboundContact'
  | 'OutboundContact'
  | 'InboundConsult'
  | 'OutboundConsult'
  | 'Dialer'
  | 'LoggedIn';

/** One row of `agents/states` (types follow NICE's OpenAPI: numbers, booleans, ISO strings). */
export interface AgentStateRow {
  agentId: number;
  agentStateId: number;
  agentStateName: RtdStateName;
  agentStateCategory: string;
  businessUnitId: number;
  contactId: number | null;
  contactStartHandleTime: string | null;
  /** True while the agent is logged in (the simulator's reading of this undocumented flag). */
  isActive: boolean;
  isACW: boolean;
  isOutbound: boolean;
  firstName: string;
  lastName: string;
  fromAddress: string;
  toAddress: string;
  lastUpdateTime: string;
  mediaTypeId: number | null;
  mediaTypeName: string | null;
  openContacts: number;
  outStateId: number;
  outStateDescription: string;
  /** Start of the current (or, once logged out, the last) login; null if never logged in. */
  sessionStartTime: string | null;
  skillId: number | null;
  skillName: string | null;
  startDate: string;
  stationId: number | null;
  stationPhoneNumber: string;
  teamId: number;
  teamName: string;
  userName: string;
}

const toRtdStateName = (state: AgentStateName): RtdStateName =>
  state === 'DialerPending' ? 'Dialer' : state in RTD_STATE_IDS ? (state as RtdStateName) : 'Unavailable';

// Ids and categories are the simulator's own: the real numbering is not documented.
const RTD_STATE_IDS: Record<RtdStateName, number> = {
  LoggedOut: 0,
  Available: 1,
  Unavailable: 2,
  InboundContact: 3,
  OutboundContact: 4,
  InboundConsult: 5,
  OutboundConsult: 6,
  Dialer: 7,
  LoggedIn: 8,
};
const RTD_STATE_CATEGORIES: Record<RtdStateName, string> = {
  LoggedOut: 'LoggedOut',
  Available: 'Available',
  Unavailable: 'Unavailable',
  LoggedIn: 'Unavailable',
  InboundContact: 'Working',
  OutboundContact: 'Working',
  InboundConsult: 'Working',
  OutboundConsult: 'Working',
  Dialer: 'Working',
};
const MEDIA_TYPES: Record<string, { id: number; name: string }> = {
  CallContactEvent: { id: 4, name: 'Call' },
  VoiceMailContactEvent: { id: 5, name: 'Voice Mail' },
  WorkItemContactEvent: { id: 6, name: 'Work Item' },
  DigitalContactEvent: { id: 9, name: 'Digital' },
};

const hashCode = (s: string): number => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
};
