import { eventTypeOf, type GetNextEventResponse, isStateEvent, platformSessionIdOf, SESSION_END_EVENT_TYPES } from '../../contract/cxone-events.js';
import { type ParkedItem, type ParkPort, ParkReason } from '../../contract/dead-letter.js';
import { canonicalJson, eventIdOf, type SequencedEvent, type SessionIdentity, toEnvelopeEntry } from '../../contract/envelope.js';
import {
  CheckpointStoreUnavailableError,
  CxoneContractViolationError,
  CxoneSessionNotFoundError,
  CxoneUnavailableError,
  PublishFailedError,
} from '../../contract/errors.js';
import { unhandledKind } from '../../contract/exhaustive.js';
import {
  CARRIED_EVENTS_MAX_BYTES,
  type LegacyPollState,
  nextGenerationName,
  POLL_STATE_VERSION,
  type PollState,
  PollStatus,
  type UnsavedCheckpoint,
} from '../../contract/poll-state.js';
import type { PollReport } from '../cxone/agent-api.js';
import type { ClaimCheckPort } from '../publishing/claim-check.js';
import { putEventsEntrySize } from '../publishing/limits.js';
import { inPutEventsRequests, type PutEventsPort, publishInOrder } from '../publishing/publisher.js';
import { sessionNameOf } from '../sessions/execution-name.js';
import type { CheckpointAdvance, CheckpointStore, PublishedMark, SessionCheckpoint } from './checkpoint-store.js';
import { lifecycleEntries, lifecycleEvents } from './lifecycle.js';
import { claimFence, LEASE_MS, type LeaseSeeker, nextLeaseStep, predecessorOf, type SessionLease } from './session-lease.js';

/** The CXone calls a poll makes. */
export interface SessionSource {
  getNextEvent(sessionId: string, timeoutSeconds: number, deadlineMs: number): Promise<PollReport>;
  /** A fresh cursor for the agent's session; throws CxoneSessionNotFoundError when there is none. */
  joinSession(agentId: string): Promise<string>;
}

export interface PollDependencies {
  cxone: SessionSource;
  putEvents: PutEventsPort;
  park: ParkPort;
  /** The per-session checkpoint: cursor, sequence and the events not yet on the bus. */
  store: CheckpointStore;
  /** Stores events too large for EventBridge and gives the pointer to publish; without it they are parked. */
  claimCheck?: ClaimCheckPort;
  tenant: string;
  eventSource: string;
  /** CXone hold time, 0–60 s. */
  pollTimeoutSeconds: number;
  /** Milliseconds left before the invocation is cut off. */
  remainingTimeMs: () => number;
  /** Time kept back from the HTTP deadline for publishing and returning. */
  publishReserveMs: number;
  /** The longest an invocation of the poller can run (its function timeout): the session lease's fences. */
  invocationMaxMs: number;
  /** This execution's name, and after how many polls it hands over to the next generation. */
  executionName: string;
  handOverAfterPolls: number;
  /** Publish a heartbeat after this long without events. @default 5 minutes */
  heartbeatIntervalMs?: number;
  /** Stored events read per invocation before polling, in bytes. @default 2 MiB */
  backlogBytesPerInvocation?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What one poll of the session brought, the client's report or what the poller made of a lost
 * cursor (`rejoined`: a fresh cursor from joining again) or of an unreadable batch (`resynced`:
 * the batch parked, the same cursor polled again next time).
 */
type SessionPollReport = PollReport | { kind: 'rejoined'; sessionId: string } | { kind: 'resynced' };

/** What happened in one invocation, for logs and metrics. */
export interface PollOutcome {
  state: PollState;
  /** Events CXone handed over in this invocation. */
  received: number;
  /** Events put on the bus in this invocation (including stored ones from earlier polls). */
  published: number;
  /** Events numbered but not on the bus yet, waiting in the checkpoint store. */
  waiting: number;
  /** Snapshot restatements dropped because the same batch carries the identical event later. */
  restatementsDropped: number;
  /** Items sent to the dead-letter store in this invocation. */
  parked: ParkedItem[];
  /** The state arrived in the shape of a build before version 2 and was migrated. */
  migrated: boolean;
  /** Another execution still held the session's lease: this invocation waited and did not poll. */
  waitedForLease: boolean;
}

/** Margin between CXone's hold time and our HTTP deadline, so a 304 arrives before we give up. */
const HOLD_MARGIN_MS = 5_000;
/** How often an execution waiting for the session's lease reads it again. */
const LEASE_RECHECK_MS = 1_000;
/** Lease writes refused in a row (HEAD changed between read and write) before the invocation gives up. */
const LEASE_ATTEMPTS = 10;

/**
 * One iteration of the session loop. It resumes from the session's checkpoint, publishes events an
 * earlier poll left in the store (oldest first), then makes exactly one get-next-event poll with the
 * checkpoint's cursor. An answered poll is checkpointed (new cursor, events with their sequence
 * numbers) before anything is published, so a retried or restarted invocation (Lambda may have run
 * it "completely, partially, or not at all") resumes from the checkpoint instead of polling again
 * with a consumed cursor. Nothing CXone handed over is dropped: every event reaches the bus, waits
 * in the store, or is parked with its reason.
 */
export async function pollOnce(input: PollState | LegacyPollState, deps: PollDependencies): Promise<PollOutcome> {
  const run = new PollRun(input, deps);
  let outcome: PollOutcome;
  try {
    outcome = await run.execute();
  } finally {
    await run.yieldIfClaimed();
  }
  // Waiting for another execution's lease is not polling yet: no PollingStarted, no heartbeat.
  if (outcome.waitedForLease) return outcome;
  const now = (deps.now ?? Date.now)();
  const lifecycle = lifecycleEvents(toLoopState(input), outcome.state, outcome.received, {
    heartbeatIntervalMs: deps.heartbeatIntervalMs ?? 5 * 60_000,
    now,
    ...(run.checkpoint?.endReason ? { endReason: run.checkpoint.endReason } : {}),
  });
  // Best effort: lifecycle events are the bridge's own signals, not events CXone handed over.
  if (lifecycle.events.length > 0 && run.checkpoint) {
    try {
      const first = await deps.store.reserveLifecycleNumbers(run.sessionKey, lifecycle.events.length);
      const entries = lifecycleEntries(lifecycle.events, first, lifecycle.state, {
        tenant: deps.tenant,
        eventSource: deps.eventSource,
        executionName: deps.executionName,
        platformSessionId: run.checkpoint.platformSessionId,
        now,
      });
      await deps.putEvents(entries);
    } catch {
      // Not numbered or not accepted: the next lifecycle event still tells subscribers the session lives.
    }
  }
  return { ...outcome, state: lifecycle.state };
}

/** The v2 view of either state shape. */
function toLoopState(input: PollState | LegacyPollState): PollState {
  if (input.v === POLL_STATE_VERSION) return input;
  return {
    v: POLL_STATE_VERSION,
    agentId: input.agentId,
    ...(input.sessionId ? { sessionId: input.sessionId } : {}),
    sequence: input.sequence,
    polls: input.polls,
    resyncs: input.resyncs,
    announced: input.announced,
    ...(input.lastActivityAt === undefined ? {} : { lastActivityAt: input.lastActivityAt }),
    ...(input.degraded ? { degraded: input.degraded } : {}),
    historyEvents: input.historyEvents,
  };
}

class PollRun {
  readonly sessionKey: string;
  checkpoint: SessionCheckpoint | undefined;
  /** This invocation holds the session's lease (session-lease.ts). */
  private owns = false;
  /** The lease as the last published-mark write returned it (saves the read at the invocation's end). */
  private leaseAfterMark: SessionLease | undefined;
  private state: PollState;
  private readonly now: () => number;
  private readonly identity: SessionIdentity;
  private received = 0;
  private published = 0;
  private restatementsDropped = 0;
  private readonly parked: ParkedItem[] = [];
  private waitedForLease = false;

  constructor(
    private readonly input: PollState | LegacyPollState,
    private readonly deps: PollDependencies,
  ) {
    this.state = toLoopState(input);
    this.now = deps.now ?? Date.now;
    this.identity = { tenant: deps.tenant, agentId: input.agentId };
    this.sessionKey = sessionNameOf(deps.executionName);
  }

  async execute(): Promise<PollOutcome> {
    const checkpoint = await this.resume();
    if (checkpoint === 'no-session') return this.finish({ status: PollStatus.Ended });
    // Waiting for the lease took this invocation's time: no poll, the next invocation goes on waiting.
    if (checkpoint === 'waiting') {
      this.waitedForLease = true;
      return this.finish({ status: PollStatus.NoEvents });
    }
    if ((checkpoint.lockedUntil ?? 0) > this.now()) {
      throw new CheckpointStoreUnavailableError("another invocation is writing this session's checkpoint");
    }
    const drained = await this.publishBacklog();
    if (checkpoint.sessionEnded) return this.finish({ status: drained ? PollStatus.Ended : PollStatus.PublishPending });

    const report = await this.poll(checkpoint.cursor);
    switch (report.kind) {
      case 'resynced':
        return this.afterPoll(PollStatus.Resynced);
      case 'no-events':
        return this.afterPoll(PollStatus.NoEvents);
      case 'rejoined':
        await this.advance({ ...checkpoint, cursor: report.sessionId }, []);
        return this.afterPoll(PollStatus.Resynced);
      case 'session-ended':
        await this.advance({ ...checkpoint, sessionEnded: true, endReason: checkpoint.endReason ?? 'session-gone' }, []);
        return this.finish({ status: drained ? PollStatus.Ended : PollStatus.PublishPending });
      case 'events':
        return this.checkpointAndPublish(checkpoint, report.response, drained);
      default:
        return unhandledKind('poll report', report);
    }
  }

  /** An answered poll: numbered and checkpointed first, then published (with the backlog drained). */
  private async checkpointAndPublish(checkpoint: SessionCheckpoint, response: GetNextEventResponse, drained: boolean): Promise<PollOutcome> {
    const { events, next } = this.number(response.events, response.sessionId, checkpoint);
    const committed = await this.advance(next, events);
    if (committed === 'unavailable') return this.publishUncheckpointed(checkpoint, next, events);
    // Another invocation advanced the checkpoint from the same cursor: its batch is the one kept.
    if (committed === 'superseded') return this.finish({ status: PollStatus.NoEvents });
    const allOut = drained && (await this.publishStored(events));
    if (next.sessionEnded) return this.finish({ status: allOut ? PollStatus.Ended : PollStatus.PublishPending });
    return this.afterPoll(PollStatus.Events);
  }

  /**
   * Loads the checkpoint, creating it on the session's first poll (joining the agent's session, or
   * taking the cursor the bridge got when it started the session) or from a state written by a
   * build before version 2, and makes sure this execution holds the session's lease. 'no-session'
   * when there is no session to join; 'waiting' when another execution still holds the lease.
   */
  private async resume(): Promise<SessionCheckpoint | 'no-session' | 'waiting'> {
    let loaded = await this.deps.store.load(this.sessionKey);
    if (!loaded) {
      const created = await this.firstCheckpoint();
      if (!created) return 'no-session';
      await this.deps.store.create(this.sessionKey, created.checkpoint, created.events, this.deps.executionName, this.now() + LEASE_MS);
      loaded = await this.deps.store.load(this.sessionKey);
      if (!loaded) throw new CheckpointStoreUnavailableError('the checkpoint just created cannot be read');
    }
    const leased = await this.acquireLease(loaded);
    if (leased === 'waiting') return leased;
    // The execution may know of later publishing than HEAD (a mark it could not write).
    const published = this.input.v === POLL_STATE_VERSION ? (this.input.publishedThrough ?? 0) : 0;
    let checkpoint: SessionCheckpoint = { ...leased, publishedThrough: Math.max(leased.publishedThrough, Math.min(published, leased.sequence)) };
    if (this.state.unsaved) checkpoint = await this.saveCarried(checkpoint, this.state.unsaved);
    this.checkpoint = checkpoint;
    this.state = { ...this.state, sequence: checkpoint.sequence };
    return checkpoint;
  }

  /**
   * Takes, renews, claims or waits for the session's lease until this execution may poll
   * (session-lease.ts). Reads HEAD again after every write or wait, so each step sees the truth.
   */
  private async acquireLease(loaded: SessionCheckpoint): Promise<SessionCheckpoint | 'waiting'> {
    const { store, executionName } = this.deps;
    const seeker: LeaseSeeker = {
      executionName,
      predecessor: predecessorOf(executionName),
      // A hand-over from the fault mode carries the fault: the attempt that failed may still run.
      predecessorFinished: this.state.degraded === undefined,
      // The state carries the published mark once this execution line has polled.
      heldBefore: this.input.v === POLL_STATE_VERSION && this.input.publishedThrough !== undefined,
    };
    const timing = { invocationMaxMs: this.deps.invocationMaxMs };
    // Waiting stops while the invocation still has time to poll and publish (checked twice: by the
    // remaining time, and by a count of rechecks in case that time is not moving).
    const waitBudgetMs = this.deps.remainingTimeMs() - this.timeToPollMs();
    let waits = Math.max(0, Math.floor(waitBudgetMs / LEASE_RECHECK_MS));
    let checkpoint = loaded;
    for (let refused = 0; refused < LEASE_ATTEMPTS; ) {
      const step = nextLeaseStep(checkpoint.lease, seeker, this.now(), timing);
      const until = this.now() + LEASE_MS;
      switch (step.kind) {
        case 'poll':
          this.owns = true;
          return checkpoint;
        case 'renew':
        case 'take': {
          const done =
            step.kind === 'renew'
              ? await store.renewLease(this.sessionKey, executionName, until)
              : await store.takeLease(this.sessionKey, executionName, until, checkpoint.lease);
          if (done) {
            this.owns = true;
            return { ...checkpoint, lease: { owner: executionName, ownedUntil: until } };
          }
          refused += 1;
          break;
        }
        case 'claim':
          if (!(await store.claimLease(this.sessionKey, executionName, claimFence(this.now(), timing), checkpoint.lease))) refused += 1;
          break;
        case 'yield':
          await store.yieldLease(this.sessionKey, executionName, step.to, until);
          throw new CheckpointStoreUnavailableError(`execution ${step.to} took this session over`);
        case 'superseded':
          throw new CheckpointStoreUnavailableError(`execution ${step.by} polls this session now`);
        case 'wait':
          if (waits <= 0 || this.deps.remainingTimeMs() < this.timeToPollMs() + LEASE_RECHECK_MS) return 'waiting';
          waits -= 1;
          await this.sleep(Math.min(LEASE_RECHECK_MS, Math.max(0, step.until - this.now())));
          break;
        default:
          return unhandledKind('lease step', step);
      }
      const reread = await store.load(this.sessionKey);
      if (!reread) throw new CheckpointStoreUnavailableError('the checkpoint vanished while its lease was taken');
      checkpoint = reread;
    }
    throw new CheckpointStoreUnavailableError("the session's lease kept changing while this invocation tried to take it");
  }

  /**
   * At the end of an invocation: if another execution claimed the lease meanwhile (a restart while
   * this execution was being stopped), hand it over now rather than at the claim's fence. The lease
   * as the published mark's write returned it, or an eventually consistent read
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html):
   * a claim either misses is taken at its fence all the same.
   */
  async yieldIfClaimed(): Promise<void> {
    if (!this.owns) return;
    try {
      const lease = this.leaseAfterMark ?? (await this.deps.store.load(this.sessionKey, { consistent: false }))?.lease;
      const claimant = lease?.claimant;
      if (lease?.owner === this.deps.executionName && claimant && claimant !== this.deps.executionName) {
        await this.deps.store.yieldLease(this.sessionKey, this.deps.executionName, claimant, this.now() + LEASE_MS);
      }
    } catch {
      // The claimant takes the lease at its fence.
    }
  }

  private async firstCheckpoint(): Promise<{ checkpoint: Omit<SessionCheckpoint, 'lease'>; events: SequencedEvent[] } | undefined> {
    const legacy = this.input.v === POLL_STATE_VERSION ? undefined : this.input;
    if (legacy?.sessionId) {
      // A running execution of an earlier build: its cursor, sequence and pending events move into the store.
      const firstPending = legacy.pending[0]?.sequence;
      return {
        checkpoint: {
          agentId: legacy.agentId,
          cursor: legacy.sessionId,
          sequence: legacy.sequence,
          publishedThrough: firstPending === undefined ? legacy.sequence : firstPending - 1,
          lifecycleSequence: 0,
          platformSessionId: legacy.platformSessionId,
          sessionEnded: legacy.sessionEnded,
          ...(legacy.endReason ? { endReason: legacy.endReason } : {}),
        },
        events: legacy.pending,
      };
    }
    let cursor = this.state.sessionId;
    if (!cursor) {
      // The execution joins the agent's session itself: nobody else rotates a cursor it may hold.
      try {
        cursor = await this.deps.cxone.joinSession(this.state.agentId);
      } catch (error) {
        if (error instanceof CxoneSessionNotFoundError) return undefined;
        throw error;
      }
    }
    const checkpoint: Omit<SessionCheckpoint, 'lease'> = {
      agentId: this.state.agentId,
      cursor,
      sequence: 0,
      publishedThrough: 0,
      lifecycleSequence: 0,
      platformSessionId: null,
      sessionEnded: false,
    };
    return { checkpoint, events: [] };
  }

  /**
   * Writes a checkpoint an earlier invocation could not, with the events it carried (those nothing
   * else took), unless the checkpoint moved on since. The published mark stays: the backlog reads
   * only stored events, so events that waited from before are published first, then the carried
   * ones, and the batch's events that went out directly are simply not there.
   */
  private async saveCarried(checkpoint: SessionCheckpoint, unsaved: UnsavedCheckpoint): Promise<SessionCheckpoint> {
    if (checkpoint.cursor !== unsaved.expectedCursor || checkpoint.sequence !== unsaved.expectedSequence) return checkpoint;
    const next: CheckpointAdvance = {
      cursor: unsaved.cursor,
      sequence: unsaved.sequence,
      platformSessionId: unsaved.platformSessionId,
      sessionEnded: unsaved.sessionEnded,
      ...(unsaved.endReason ? { endReason: unsaved.endReason } : {}),
    };
    const expected = { cursor: checkpoint.cursor, sequence: checkpoint.sequence };
    const events = unsaved.events ?? [];
    const placed = await this.deps.store.commit(this.sessionKey, expected, next, events, this.lockUntil(), publishedMark(checkpoint));
    if (placed === 'superseded') return (await this.deps.store.load(this.sessionKey)) ?? checkpoint;
    return { ...checkpoint, ...next, ...inlineAfter(checkpoint, events, placed) };
  }

  /** Publishes what earlier polls left in the store, oldest first; true when nothing is left there. */
  private async publishBacklog(): Promise<boolean> {
    const checkpoint = this.checkpoint as SessionCheckpoint;
    while (checkpoint.publishedThrough < checkpoint.sequence) {
      // Keep time for the poll: stored events go out within the part of the budget the poll does not need.
      if (this.deps.remainingTimeMs() < this.timeToPollMs()) return false;
      const events = await this.deps.store.backlog(
        this.sessionKey,
        checkpoint.publishedThrough,
        checkpoint.sequence,
        this.deps.backlogBytesPerInvocation ?? 2 * 1024 * 1024,
        checkpoint.inline,
      );
      if (events.length === 0) {
        // Every event below `sequence` was published before (a build before version 2 published around gaps).
        await this.deps.store.markPublished(this.sessionKey, checkpoint.sequence, []);
        checkpoint.publishedThrough = checkpoint.sequence;
        break;
      }
      if (!(await this.publishStored(events))) return false;
    }
    return true;
  }

  /**
   * Publishes stored events in order, slice by slice, and advances the checkpoint's published mark
   * past each event that is on the bus or parked. Stops at the first event EventBridge refuses, so
   * order is kept; true when every event went out.
   */
  private async publishStored(events: SequencedEvent[]): Promise<boolean> {
    const checkpoint = this.checkpoint as SessionCheckpoint;
    // One PutEvents request at a time: a refused request stops the next one, so no later request
    // overtakes it on the bus, and an EventBridge outage costs one failed request per invocation.
    // Each event's entry is built once (its id is a SHA-256 of the event), for its size and for sending.
    const entries = events.map((event) => ({ event, entry: toEnvelopeEntry(event, this.identity, this.deps.eventSource) }));
    for (const request of inPutEventsRequests(entries, ({ entry }) => putEventsEntrySize(entry))) {
      const slice = request.map(({ event }) => event);
      const failures = await publishInOrder(
        request.map(({ entry }) => entry),
        this.deps.putEvents,
        { deadline: this.now() + Math.max(0, this.deps.remainingTimeMs() - 3_000), now: this.now, claimCheck: this.deps.claimCheck },
      );
      const failureAt = new Map(failures.map((failure) => [failure.index, failure]));
      const done: SequencedEvent[] = [];
      // Accepted after an event EventBridge refused: on the bus already, so not sent again later.
      const alsoOut: SequencedEvent[] = [];
      let blocked = false;
      for (const [index, event] of slice.entries()) {
        const failure = failureAt.get(index);
        if (!failure) this.published += 1;
        if (blocked) {
          if (!failure) alsoOut.push(event);
          continue;
        }
        if (failure?.retryable || (failure && !(await this.park(event, ParkReason.Oversized, failure.reason)))) {
          blocked = true;
          continue;
        }
        done.push(event);
      }
      const through = done.at(-1)?.sequence ?? checkpoint.publishedThrough;
      // The mark moves past the unbroken run only; the items of everything out are dropped with it,
      // so the backlog later holds just what is still to be published. HEAD drops the batch it holds
      // once that is settled; when EventBridge stopped it midway, what is not out moves to items.
      const out = [...done, ...alsoOut];
      const inline = checkpoint.inline ?? [];
      const dropInline = inline.length > 0 && (blocked || through >= (inline.at(-1)?.sequence ?? 0));
      if (out.length > 0 || dropInline) {
        const keep = blocked ? inline.filter((event) => event.sequence > through && !alsoOut.includes(event)) : [];
        const items = out.filter((event) => !isInline(checkpoint, event));
        this.leaseAfterMark = await this.deps.store.markPublished(this.sessionKey, through, items, dropInline ? { keep } : undefined);
        checkpoint.publishedThrough = Math.max(checkpoint.publishedThrough, through);
        if (dropInline) checkpoint.inline = undefined;
      }
      if (blocked) return false;
    }
    return true;
  }

  /**
   * The checkpoint store refused the answered poll (it is unavailable). The least lossy course:
   * publish the batch directly (park what EventBridge refuses) and carry the new cursor and sequence
   * in the state until the store takes them. If the parking store refuses too, the refused events
   * ride in the state as well (up to CARRIED_EVENTS_MAX_BYTES); only a larger batch is then lost.
   */
  private async publishUncheckpointed(checkpoint: SessionCheckpoint, next: CheckpointAdvance, events: SequencedEvent[]): Promise<PollOutcome> {
    const failures = await publishInOrder(
      events.map((event) => toEnvelopeEntry(event, this.identity, this.deps.eventSource)),
      this.deps.putEvents,
      { deadline: this.now() + Math.max(0, this.deps.remainingTimeMs() - 3_000), now: this.now, claimCheck: this.deps.claimCheck },
    );
    this.published += events.length - failures.length;
    const refused = failures.map((failure) => ({ event: events[failure.index] as SequencedEvent, failure }));
    const items = refused.map(({ event, failure }) =>
      this.parkedEvent(event, failure.retryable ? ParkReason.CheckpointUnavailable : ParkReason.Oversized, failure.reason),
    );
    let carried: SequencedEvent[] = [];
    if (items.length > 0) {
      try {
        await this.deps.park(items);
        this.parked.push(...items);
      } catch (cause) {
        // Nothing durable takes them now: they ride in the state, if they fit, until the store is back.
        carried = refused.map(({ event }) => event);
        if (Buffer.byteLength(JSON.stringify(carried)) > CARRIED_EVENTS_MAX_BYTES) {
          throw new PublishFailedError('could not checkpoint, publish, park or carry an answered batch', { cause });
        }
      }
    }
    const unsaved: UnsavedCheckpoint = {
      expectedCursor: checkpoint.cursor,
      expectedSequence: checkpoint.sequence,
      ...next,
      ...(carried.length > 0 ? { events: carried } : {}),
    };
    const status = next.sessionEnded ? PollStatus.Ended : PollStatus.Events;
    return next.sessionEnded ? this.finish({ status, unsaved }) : this.afterPoll(status, { unsaved });
  }

  /** Advances the checkpoint from the one this invocation loaded. */
  private async advance(next: CheckpointAdvance, events: SequencedEvent[]): Promise<'committed' | 'superseded' | 'unavailable'> {
    const checkpoint = this.checkpoint as SessionCheckpoint;
    let placed: Awaited<ReturnType<CheckpointStore['commit']>>;
    try {
      const expected = { cursor: checkpoint.cursor, sequence: checkpoint.sequence };
      placed = await this.deps.store.commit(this.sessionKey, expected, next, events, this.lockUntil(), publishedMark(checkpoint));
    } catch (error) {
      if (error instanceof CheckpointStoreUnavailableError && events.length > 0) return 'unavailable';
      throw error;
    }
    if (placed === 'superseded') return 'superseded';
    Object.assign(checkpoint, next, inlineAfter(checkpoint, events, placed));
    this.state = { ...this.state, sequence: next.sequence };
    return 'committed';
  }

  /** Time an invocation keeps for its poll and publishing: what waiting and the backlog may not use. */
  private timeToPollMs(): number {
    return this.deps.publishReserveMs + HOLD_MARGIN_MS * 2;
  }

  private lockUntil(): number {
    return this.now() + this.deps.remainingTimeMs();
  }

  /** One get-next-event call; a lost cursor rejoins the session, an unreadable batch is parked. */
  private async poll(cursor: string): Promise<SessionPollReport> {
    const deadlineMs = this.deps.remainingTimeMs() - this.deps.publishReserveMs;
    const timeoutSeconds = Math.max(0, Math.min(this.deps.pollTimeoutSeconds, Math.floor((deadlineMs - HOLD_MARGIN_MS) / 1000)));
    this.state = { ...this.state, polls: this.state.polls + 1 };
    try {
      return await this.deps.cxone.getNextEvent(cursor, timeoutSeconds, deadlineMs);
    } catch (error) {
      if (error instanceof CxoneSessionNotFoundError) return this.rejoin(cursor);
      if (error instanceof CxoneContractViolationError) {
        // Keep the unreadable body, then poll again with the same cursor: if CXone rotated it inside
        // that body, the old one brings a snapshot (a resync); if not, the poll simply repeats.
        await this.parkOrThrow(this.parkedBatch(error));
        this.state = { ...this.state, resyncs: this.state.resyncs + 1 };
        return { kind: 'resynced' };
      }
      if (error instanceof CxoneUnavailableError && error.retryAfterSeconds) {
        // Honour Retry-After inside the budget, so the state machine's retry never comes sooner.
        await this.sleep(Math.min(error.retryAfterSeconds * 1000, Math.max(0, this.deps.remainingTimeMs() - 5_000)));
      }
      throw error;
    }
  }

  private async rejoin(cursor: string): Promise<Exclude<SessionPollReport, { kind: 'resynced' }>> {
    try {
      const sessionId = await this.deps.cxone.joinSession(this.state.agentId);
      this.state = { ...this.state, resyncs: this.state.resyncs + 1 };
      return { kind: 'rejoined', sessionId };
    } catch (error) {
      if (!(error instanceof CxoneSessionNotFoundError)) throw error;
    }
    // Nothing to join: the session is over or ending. One non-blocking poll with the cursor we
    // have tells which, and collects a final batch that may still wait there.
    try {
      return await this.deps.cxone.getNextEvent(cursor, 0, Math.max(1_000, this.deps.remainingTimeMs() - this.deps.publishReserveMs));
    } catch (error) {
      if (error instanceof CxoneSessionNotFoundError) return { kind: 'session-ended' };
      throw error;
    }
  }

  /** Gives each event of a batch its place in the session, after the checkpoint's last. */
  private number(batch: unknown[], cursor: string, checkpoint: SessionCheckpoint): { events: SequencedEvent[]; next: CheckpointAdvance } {
    const kept = withoutRepeatedRestatements(batch);
    this.received += batch.length;
    this.restatementsDropped += batch.length - kept.length;
    const receivedAt = new Date(this.now()).toISOString();
    let { sequence, platformSessionId, sessionEnded } = checkpoint;
    const events = kept.map((data) => {
      platformSessionId = platformSessionIdOf(data) ?? platformSessionId;
      if (SESSION_END_EVENT_TYPES.has(eventTypeOf(data))) sessionEnded = true;
      sequence += 1;
      return { sequence, platformSessionId, receivedAt, data };
    });
    const endReason = checkpoint.endReason ?? (sessionEnded ? ('agent-session-end' as const) : undefined);
    return { events, next: { cursor, sequence, platformSessionId, sessionEnded, ...(endReason ? { endReason } : {}) } };
  }

  /** Parks one event; false when the dead-letter store refused it (it stays in the checkpoint store). */
  private async park(event: SequencedEvent, reason: ParkReason, detail: string): Promise<boolean> {
    const item = this.parkedEvent(event, reason, detail);
    try {
      await this.deps.park([item]);
    } catch {
      return false;
    }
    this.parked.push(item);
    return true;
  }

  private async parkOrThrow(item: ParkedItem): Promise<void> {
    try {
      await this.deps.park([item]);
    } catch (cause) {
      throw new PublishFailedError('could not park an unreadable CXone batch in the dead-letter queue', { cause });
    }
    this.parked.push(item);
  }

  private parkedEvent(event: SequencedEvent, reason: ParkReason, detail: string): ParkedItem {
    return {
      reason,
      detail,
      tenant: this.identity.tenant,
      agentId: this.identity.agentId,
      platformSessionId: event.platformSessionId,
      sequence: event.sequence,
      eventId: eventIdOf(event, this.identity),
      detailType: eventTypeOf(event.data),
      receivedAt: event.receivedAt,
      payload: event.data,
      truncated: false,
      parkedAt: new Date(this.now()).toISOString(),
    };
  }

  private parkedBatch(error: CxoneContractViolationError): ParkedItem {
    return {
      reason: ParkReason.MalformedBatch,
      detail: error.message,
      tenant: this.identity.tenant,
      agentId: this.identity.agentId,
      platformSessionId: this.checkpoint?.platformSessionId ?? null,
      payload: error.body ?? '',
      truncated: error.bodyIsHead === true,
      parkedAt: new Date(this.now()).toISOString(),
    };
  }

  /**
   * After a poll that leaves the session running: hand over once this execution has polled enough,
   * or when an operator asked it to (a roll onto a new deploy). The answered poll is checkpointed
   * and published by now, so the next generation loses nothing.
   */
  private afterPoll(status: PollStatus, extra: Partial<PollState> = {}): PollOutcome {
    const requested = this.checkpoint?.handOverRequestedFor === this.deps.executionName;
    if (this.state.polls >= this.deps.handOverAfterPolls || requested) {
      return this.finish({ ...extra, status: PollStatus.HandOver, polls: 0, nextExecutionName: nextGenerationName(this.deps.executionName) });
    }
    return this.finish({ ...extra, status });
  }

  private finish(changes: Partial<PollState>): PollOutcome {
    const state: PollState = { ...this.state, ...changes };
    // The first cursor and a carried checkpoint are needed only until the checkpoint holds them.
    if (this.checkpoint) delete state.sessionId;
    if (!changes.unsaved) delete state.unsaved;
    if (state.status !== PollStatus.HandOver) delete state.nextExecutionName;
    if (this.checkpoint) state.publishedThrough = this.checkpoint.publishedThrough;
    const waiting = this.checkpoint ? this.checkpoint.sequence - this.checkpoint.publishedThrough : 0;
    return {
      state,
      received: this.received,
      published: this.published,
      waiting,
      restatementsDropped: this.restatementsDropped,
      parked: this.parked,
      migrated: this.input.v !== POLL_STATE_VERSION && this.input.sessionId !== undefined,
      waitedForLease: this.waitedForLease,
    };
  }

  private sleep(ms: number): Promise<void> {
    return (this.deps.sleep ?? ((delay: number) => new Promise<void>((resolve) => setTimeout(resolve, delay))))(ms);
  }
}

/** The mark a commit writes along, and the inline events it must move to items first. */
function publishedMark(checkpoint: SessionCheckpoint): PublishedMark {
  const unpublishedInline = (checkpoint.inline ?? []).filter((event) => event.sequence > checkpoint.publishedThrough);
  return { through: checkpoint.publishedThrough, unpublishedInline };
}

/** What HEAD holds inline after a commit of `events` placed as the store says. */
function inlineAfter(checkpoint: SessionCheckpoint, events: SequencedEvent[], placed: 'inline' | 'items'): Pick<SessionCheckpoint, 'inline'> {
  if (events.length === 0) return { inline: checkpoint.inline };
  return { inline: placed === 'inline' ? events : undefined };
}

function isInline(checkpoint: SessionCheckpoint, event: SequencedEvent): boolean {
  const first = checkpoint.inline?.[0]?.sequence;
  return first !== undefined && event.sequence >= first;
}

/**
 * A batch that starts with a resync snapshot (first poll after a join, or a stale cursor) restates
 * the session's current state and then carries the queued events that produced it, so the same
 * state event can appear twice in one batch. Keep the last copy: it sits in chronological order.
 * Signal events are never merged: two identical ones are two occurrences.
 */
export function withoutRepeatedRestatements(events: unknown[]): unknown[] {
  const keys = events.map((event) => (isStateEvent(eventTypeOf(event)) ? canonicalJson(event) : undefined));
  const lastIndex = new Map<string, number>();
  keys.forEach((key, index) => {
    if (key !== undefined) lastIndex.set(key, index);
  });
  return events.filter((_, index) => {
    const key = keys[index];
    return key === undefined || lastIndex.get(key) === index;
  });
}
