import type { NextEventOutcome } from '../cxone/agent-api.js';
import { eventTypeOf, isStateEvent, platformSessionIdOf, SESSION_END_EVENT_TYPES } from '../cxone/events.js';
import { canonicalJson, type SequencedEvent, type SessionIdentity, eventIdOf, toEnvelopeEntry } from '../publishing/envelope.js';
import { type PutEventsPort, publishInOrder } from '../publishing/publisher.js';
import { type PollState, PollStatus } from './poll-state.js';

/** The one CXone call a poll makes. */
export interface NextEventSource {
  getNextEvent(sessionId: string, timeoutSeconds: number, deadlineMs: number): Promise<NextEventOutcome>;
}

export interface PollDependencies {
  cxone: NextEventSource;
  putEvents: PutEventsPort;
  tenant: string;
  eventSource: string;
  /** CXone hold time, 0–60 s. */
  pollTimeoutSeconds: number;
  /** Milliseconds left before the invocation is cut off. */
  remainingTimeMs: () => number;
  /** Time kept back from the HTTP deadline for publishing and returning. */
  publishReserveMs: number;
  now?: () => number;
}

/** An event EventBridge can never accept (over the size limit), with the reason. */
export interface UndeliverableEvent {
  eventId: string;
  sequence: number;
  detailType: string;
  reason: string;
}

export interface PollOutcome {
  state: PollState;
  /** Events received in this invocation. */
  received: number;
  /** Events put on the bus in this invocation (including earlier pending ones). */
  published: number;
  /** Snapshot restatements dropped because the same batch carries the identical event later. */
  restatementsDropped: number;
  undeliverable: UndeliverableEvent[];
}

/** Margin between CXone's hold time and our HTTP deadline, so a 304 arrives before we give up. */
const HOLD_MARGIN_MS = 5_000;

/**
 * One iteration of the session loop: publish what an earlier poll left pending; if that worked,
 * make exactly one get-next-event poll and publish its events in order. The rotated sessionId is
 * kept even when publishing fails, because polling with an old one makes CXone resend a snapshot.
 */
export async function pollOnce(state: PollState, deps: PollDependencies): Promise<PollOutcome> {
  const now = deps.now ?? Date.now;
  const identity: SessionIdentity = { tenant: deps.tenant, agentId: state.agentId };
  const undeliverable: UndeliverableEvent[] = [];
  let published = 0;
  const outcome = (next: PollState, received = 0, restatementsDropped = 0): PollOutcome => ({
    state: next,
    received,
    published,
    restatementsDropped,
    undeliverable,
  });

  /** Publishes in order; returns the events still to be published. */
  const publish = async (events: SequencedEvent[]): Promise<SequencedEvent[]> => {
    const failures = await publishInOrder(
      events.map((event) => toEnvelopeEntry(event, identity, deps.eventSource)),
      deps.putEvents,
      { deadline: now() + Math.max(0, deps.remainingTimeMs() - 2_000), now },
    );
    const unpublished: SequencedEvent[] = [];
    for (const failure of failures) {
      const event = events[failure.index] as SequencedEvent;
      if (failure.retryable) unpublished.push(event);
      else undeliverable.push({ eventId: eventIdOf(event, identity), sequence: event.sequence, detailType: eventTypeOf(event.data), reason: failure.reason });
    }
    published += events.length - failures.length;
    return unpublished;
  };

  if (state.pending.length > 0) {
    const pending = await publish(state.pending);
    if (pending.length > 0) return outcome({ ...state, pending, publishAttempts: state.publishAttempts + 1, status: PollStatus.PublishPending });
    state = { ...state, pending: [], publishAttempts: 0 };
  }
  if (state.sessionEnded) return outcome({ ...state, status: PollStatus.Ended });

  const deadlineMs = deps.remainingTimeMs() - deps.publishReserveMs;
  const timeoutSeconds = Math.max(0, Math.min(deps.pollTimeoutSeconds, Math.floor((deadlineMs - HOLD_MARGIN_MS) / 1000)));
  const answer = await deps.cxone.getNextEvent(state.sessionId, timeoutSeconds, deadlineMs);
  if (answer.kind === 'no-events') return outcome({ ...state, status: PollStatus.NoEvents });
  if (answer.kind === 'session-ended') return outcome({ ...state, sessionEnded: true, status: PollStatus.Ended });

  const receivedAt = new Date(now()).toISOString();
  const batch = withoutRepeatedRestatements(answer.response.events);
  let { sequence, platformSessionId } = state;
  let sessionEnded = false;
  const events: SequencedEvent[] = batch.map((data) => {
    platformSessionId = platformSessionIdOf(data) ?? platformSessionId;
    if (SESSION_END_EVENT_TYPES.has(eventTypeOf(data))) sessionEnded = true;
    sequence += 1;
    return { sequence, platformSessionId, receivedAt, data };
  });
  // Keep the rotated cursor whatever happens to publishing: an old one makes CXone resend a snapshot.
  const next: PollState = { ...state, sessionId: answer.response.sessionId, sequence, platformSessionId, sessionEnded };
  const pending = await publish(events);
  const status = pending.length > 0 ? PollStatus.PublishPending : sessionEnded ? PollStatus.Ended : PollStatus.Events;
  return outcome(
    { ...next, pending, publishAttempts: pending.length > 0 ? 1 : 0, status },
    answer.response.events.length,
    answer.response.events.length - batch.length,
  );
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
