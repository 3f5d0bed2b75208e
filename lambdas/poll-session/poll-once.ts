import { eventTypeOf, isStateEvent, platformSessionIdOf, SESSION_END_EVENT_TYPES } from '../../contract/cxone-events.js';
import { fitPayload, type ParkedItem, type ParkPort, ParkReason } from '../../contract/dead-letter.js';
import { canonicalJson, eventIdOf, type SequencedEvent, type SessionIdentity, toEnvelopeEntry } from '../../contract/envelope.js';
import { CxoneContractViolationError, CxoneSessionNotFoundError, CxoneUnavailableError, PublishFailedError } from '../../contract/errors.js';
import { nextGenerationName, type PollState, PollStatus } from '../../contract/poll-state.js';
import { DEFAULT_MAX_PUBLISH_ATTEMPTS } from '../../contract/retry-policy.js';
import type { NextEventOutcome } from '../cxone/agent-api.js';
import { type PutEventsPort, publishInOrder } from '../publishing/publisher.js';
import { lifecycleEvents } from './lifecycle.js';

/** The CXone calls a poll makes. */
export interface SessionSource {
  getNextEvent(sessionId: string, timeoutSeconds: number, deadlineMs: number): Promise<NextEventOutcome>;
  /** A fresh cursor for the agent's session; throws CxoneSessionNotFoundError when there is none. */
  joinSession(agentId: string): Promise<string>;
}

export interface PollDependencies {
  cxone: SessionSource;
  putEvents: PutEventsPort;
  park: ParkPort;
  tenant: string;
  eventSource: string;
  /** CXone hold time, 0–60 s. */
  pollTimeoutSeconds: number;
  /** Milliseconds left before the invocation is cut off. */
  remainingTimeMs: () => number;
  /** Time kept back from the HTTP deadline for publishing and returning. */
  publishReserveMs: number;
  /** Invocations that may end with events unpublished before they are parked. @default 5 */
  maxPublishAttempts?: number;
  /** This execution's name, and after how many polls it hands over to the next generation. */
  executionName: string;
  handOverAfterPolls: number;
  /** Publish a heartbeat after this long without events. @default 5 minutes */
  heartbeatIntervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What happened in one invocation, for logs and metrics. */
export interface PollOutcome {
  state: PollState;
  /** Events CXone handed over in this invocation. */
  received: number;
  /** Events put on the bus in this invocation (including earlier pending ones). */
  published: number;
  /** Snapshot restatements dropped because the same batch carries the identical event later. */
  restatementsDropped: number;
  /** Items sent to the dead-letter store in this invocation. */
  parked: ParkedItem[];
}

/** Margin between CXone's hold time and our HTTP deadline, so a 304 arrives before we give up. */
const HOLD_MARGIN_MS = 5_000;

/**
 * One iteration of the session loop: either publish what an earlier poll left pending (parking it
 * after too many attempts), or make exactly one get-next-event poll and publish its events in order. Nothing CXone handed over is dropped: every event reaches the bus, rides in
 * `pending`, or is parked with its reason. The rotated sessionId is kept even when publishing fails,
 * because polling with an old one makes CXone resend a snapshot.
 */
export async function pollOnce(initial: PollState, deps: PollDependencies): Promise<PollOutcome> {
  const outcome = await new PollRun(initial, deps).execute();
  const lifecycle = lifecycleEvents(initial, outcome.state, outcome.received, {
    tenant: deps.tenant,
    eventSource: deps.eventSource,
    executionName: deps.executionName,
    heartbeatIntervalMs: deps.heartbeatIntervalMs ?? 5 * 60_000,
    now: (deps.now ?? Date.now)(),
  });
  // Best effort: lifecycle events are the bridge's own signals, not events CXone handed over.
  if (lifecycle.entries.length > 0) await deps.putEvents(lifecycle.entries).catch(() => undefined);
  return { ...outcome, state: lifecycle.state };
}

class PollRun {
  private state: PollState;
  private readonly now: () => number;
  private readonly identity: SessionIdentity;
  private received = 0;
  private published = 0;
  private restatementsDropped = 0;
  private readonly parked: ParkedItem[] = [];
  /** The last reason EventBridge gave for each unpublished event, by sequence. */
  private readonly lastFailure = new Map<number, string>();

  constructor(
    initial: PollState,
    private readonly deps: PollDependencies,
  ) {
    this.state = initial;
    this.now = deps.now ?? Date.now;
    this.identity = { tenant: deps.tenant, agentId: initial.agentId };
  }

  async execute(): Promise<PollOutcome> {
    if (this.state.pending.length > 0) {
      const stillPending = await this.publish(this.state.pending);
      if (stillPending.length > 0 && this.state.publishAttempts + 1 < (this.deps.maxPublishAttempts ?? DEFAULT_MAX_PUBLISH_ATTEMPTS)) {
        return this.finish({ pending: stillPending, publishAttempts: this.state.publishAttempts + 1, status: PollStatus.PublishPending });
      }
      // Attempts exhausted: park what EventBridge keeps refusing and let the session go on.
      const unparked = await this.park(stillPending, ParkReason.PublishAttemptsExhausted);
      if (unparked.length > 0) return this.finish({ pending: unparked, publishAttempts: this.state.publishAttempts + 1, status: PollStatus.PublishPending });
      // Return before polling: if the poll then failed, the task's retry would publish them again.
      return this.finish({ status: this.state.sessionEnded ? PollStatus.Ended : PollStatus.Events });
    }
    if (this.state.sessionEnded) return this.finish({ status: PollStatus.Ended });

    const answer = await this.poll();
    if (answer === 'resynced') return this.afterPoll(PollStatus.Resynced);
    if (answer.kind === 'no-events') return this.afterPoll(PollStatus.NoEvents);
    if (answer.kind === 'session-ended') return this.finish({ sessionEnded: true, endReason: this.state.endReason ?? 'session-gone', status: PollStatus.Ended });

    const events = this.sequence(answer.response.events);
    // Keep the rotated cursor whatever happens to publishing.
    this.state = { ...this.state, sessionId: answer.response.sessionId };
    const pending = await this.publish(events);
    if (pending.length > 0) return this.finish({ pending, publishAttempts: 1, status: PollStatus.PublishPending });
    return this.state.sessionEnded ? this.finish({ status: PollStatus.Ended }) : this.afterPoll(PollStatus.Events);
  }

  /** One get-next-event call; a lost cursor rejoins the session, an unreadable batch is parked. */
  private async poll(): Promise<NextEventOutcome | 'resynced'> {
    const deadlineMs = this.deps.remainingTimeMs() - this.deps.publishReserveMs;
    const timeoutSeconds = Math.max(0, Math.min(this.deps.pollTimeoutSeconds, Math.floor((deadlineMs - HOLD_MARGIN_MS) / 1000)));
    this.state = { ...this.state, polls: this.state.polls + 1 };
    try {
      return await this.deps.cxone.getNextEvent(this.state.sessionId, timeoutSeconds, deadlineMs);
    } catch (error) {
      if (error instanceof CxoneSessionNotFoundError) return this.rejoin();
      if (error instanceof CxoneContractViolationError) {
        // Keep the unreadable body, then poll again with the same cursor: if CXone rotated it inside
        // that body, the old one brings a snapshot (a resync); if not, the poll simply repeats.
        await this.parkOrThrow(this.parkedBatch(error));
        this.state = { ...this.state, resyncs: this.state.resyncs + 1 };
        return 'resynced';
      }
      if (error instanceof CxoneUnavailableError && error.retryAfterSeconds) {
        // Honour Retry-After inside the budget, so the state machine's retry never comes sooner.
        await this.sleep(Math.min(error.retryAfterSeconds * 1000, Math.max(0, this.deps.remainingTimeMs() - 5_000)));
      }
      throw error;
    }
  }

  private async rejoin(): Promise<NextEventOutcome | 'resynced'> {
    try {
      const sessionId = await this.deps.cxone.joinSession(this.state.agentId);
      this.state = { ...this.state, sessionId, resyncs: this.state.resyncs + 1 };
      return 'resynced';
    } catch (error) {
      if (!(error instanceof CxoneSessionNotFoundError)) throw error;
    }
    // Nothing to join: the session is over or ending. One non-blocking poll with the cursor we
    // have tells which, and collects a final batch that may still wait there.
    try {
      return await this.deps.cxone.getNextEvent(this.state.sessionId, 0, Math.max(1_000, this.deps.remainingTimeMs() - this.deps.publishReserveMs));
    } catch (error) {
      if (error instanceof CxoneSessionNotFoundError) return { kind: 'session-ended' };
      throw error;
    }
  }

  /** Gives each event of a batch its place in the session. */
  private sequence(batch: unknown[]): SequencedEvent[] {
    const kept = withoutRepeatedRestatements(batch);
    this.received += batch.length;
    this.restatementsDropped += batch.length - kept.length;
    const receivedAt = new Date(this.now()).toISOString();
    let { sequence, platformSessionId, sessionEnded } = this.state;
    const events = kept.map((data) => {
      platformSessionId = platformSessionIdOf(data) ?? platformSessionId;
      if (SESSION_END_EVENT_TYPES.has(eventTypeOf(data))) sessionEnded = true;
      sequence += 1;
      return { sequence, platformSessionId, receivedAt, data };
    });
    this.state = { ...this.state, sequence, platformSessionId, sessionEnded, ...(sessionEnded && !this.state.sessionEnded ? { endReason: 'agent-session-end' as const } : {}) };
    return events;
  }

  /** Publishes in order; parks what can never be published; returns what is still to be published. */
  private async publish(events: SequencedEvent[]): Promise<SequencedEvent[]> {
    const failures = await publishInOrder(
      events.map((event) => toEnvelopeEntry(event, this.identity, this.deps.eventSource)),
      this.deps.putEvents,
      { deadline: this.now() + Math.max(0, this.deps.remainingTimeMs() - 3_000), now: this.now },
    );
    const retryable: SequencedEvent[] = [];
    const unpublished: SequencedEvent[] = [];
    for (const failure of failures) {
      const event = events[failure.index] as SequencedEvent;
      this.lastFailure.set(event.sequence, failure.reason);
      if (failure.retryable) retryable.push(event);
      else unpublished.push(...(await this.park([event], ParkReason.Oversized)));
    }
    this.published += events.length - failures.length;
    return [...retryable, ...unpublished].sort((a, b) => a.sequence - b.sequence);
  }

  /** Parks events; returns those the dead-letter store refused too (they stay pending). */
  private async park(events: SequencedEvent[], reason: ParkReason): Promise<SequencedEvent[]> {
    if (events.length === 0) return [];
    const items = events.map((event) => this.parkedEvent(event, reason, this.lastFailure.get(event.sequence) ?? 'not published'));
    try {
      await this.deps.park(items);
      this.parked.push(...items);
      return [];
    } catch {
      return events;
    }
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
      ...fitPayload(event.data),
      parkedAt: new Date(this.now()).toISOString(),
    };
  }

  private parkedBatch(error: CxoneContractViolationError): ParkedItem {
    return {
      reason: ParkReason.MalformedBatch,
      detail: error.message,
      tenant: this.identity.tenant,
      agentId: this.identity.agentId,
      platformSessionId: this.state.platformSessionId,
      ...fitPayload(error.body ?? ''),
      parkedAt: new Date(this.now()).toISOString(),
    };
  }

  /** After a poll that leaves the session running: hand over once this execution has polled enough. */
  private afterPoll(status: PollStatus): PollOutcome {
    if (this.state.polls >= this.deps.handOverAfterPolls) {
      return this.finish({ status: PollStatus.HandOver, polls: 0, nextExecutionName: nextGenerationName(this.deps.executionName) });
    }
    return this.finish({ status });
  }

  private finish(changes: Partial<PollState>): PollOutcome {
    const state: PollState = { ...this.state, pending: [], publishAttempts: 0, ...changes };
    if (state.status !== PollStatus.HandOver) delete state.nextExecutionName;
    return { state, received: this.received, published: this.published, restatementsDropped: this.restatementsDropped, parked: this.parked };
  }

  private sleep(ms: number): Promise<void> {
    return (this.deps.sleep ?? ((delay: number) => new Promise<void>((resolve) => setTimeout(resolve, delay))))(ms);
  }
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
