import { ENVELOPE_SCHEMA_VERSION, type EnvelopeEntry, hashId } from '../../contract/envelope.js';
import { type LifecycleData, LifecycleDetailType, type LifecycleMetadata } from '../../contract/lifecycle.js';
import { type PollState, PollStatus } from '../../contract/poll-state.js';

/** One lifecycle event owed, before it is numbered. */
export interface LifecycleEvent {
  type: LifecycleDetailType;
  reason?: string;
  /** More data; it also distinguishes the event's id (e.g. one PollingDegraded per degraded spell). */
  extra?: Partial<LifecycleData>;
}

export interface LifecycleTiming {
  heartbeatIntervalMs: number;
  now: number;
  /** Why the session ended, for PollingEnded. @default 'session-gone' */
  endReason?: string;
}

export interface LifecycleContext {
  tenant: string;
  eventSource: string;
  executionName: string;
  platformSessionId: string | null;
  now: number;
}

/** The lifecycle events one iteration owes, and the state that records them. */
export function lifecycleEvents(
  before: PollState,
  after: PollState,
  received: number,
  timing: LifecycleTiming,
): { events: LifecycleEvent[]; state: PollState } {
  const events: LifecycleEvent[] = [];
  const state: PollState = { ...after, announced: true, lastActivityAt: after.lastActivityAt ?? timing.now };
  if (!before.announced) events.push({ type: LifecycleDetailType.PollingStarted });
  if (after.status === PollStatus.Resynced) events.push({ type: LifecycleDetailType.SessionResynced });
  if (after.status === PollStatus.Ended) events.push({ type: LifecycleDetailType.PollingEnded, reason: timing.endReason ?? 'session-gone' });
  if (received > 0) state.lastActivityAt = timing.now;
  else if (after.status === PollStatus.NoEvents && timing.now - (state.lastActivityAt ?? timing.now) >= timing.heartbeatIntervalMs) {
    events.push({ type: LifecycleDetailType.Heartbeat });
    state.lastActivityAt = timing.now;
  }
  return { events, state };
}

/** PutEvents entries for lifecycle events numbered from `firstNumber` on. */
export function lifecycleEntries(events: LifecycleEvent[], firstNumber: number, state: PollState, context: LifecycleContext): EnvelopeEntry[] {
  return events.map(({ type, reason, extra = {} }, index) => {
    const data: LifecycleData = { execution: context.executionName, polls: state.polls, resyncs: state.resyncs, ...(reason ? { reason } : {}), ...extra };
    const extraId = Object.keys(extra).length > 0 ? [JSON.stringify(extra)] : [];
    const metadata: LifecycleMetadata = {
      schemaVersion: ENVELOPE_SCHEMA_VERSION,
      eventId: hashId([type, context.executionName, state.sequence, state.polls, state.resyncs, ...extraId]),
      tenant: context.tenant,
      agentId: state.agentId,
      platformSessionId: context.platformSessionId,
      lifecycleSequence: firstNumber + index,
      afterSequence: state.sequence,
      receivedAt: new Date(context.now).toISOString(),
    };
    return { Source: context.eventSource, DetailType: type, Detail: JSON.stringify({ metadata, data }), Time: new Date(context.now) };
  });
}
