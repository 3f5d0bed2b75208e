import { ENVELOPE_SCHEMA_VERSION, type EnvelopeEntry, type EventMetadata, hashId } from '../../contract/envelope.js';
import { type LifecycleData, LifecycleDetailType } from '../../contract/lifecycle.js';
import { type PollState, PollStatus } from '../../contract/poll-state.js';

export interface LifecycleContext {
  tenant: string;
  eventSource: string;
  executionName: string;
  heartbeatIntervalMs: number;
  now: number;
}

/**
 * The lifecycle events one iteration owes, and the state that records them. Lifecycle events
 * take no `sequence` number of their own: `metadata.sequence` is the last CXone event's.
 */
export function lifecycleEvents(before: PollState, after: PollState, received: number, context: LifecycleContext): { entries: EnvelopeEntry[]; state: PollState } {
  const entries: EnvelopeEntry[] = [];
  const state: PollState = { ...after, announced: true, lastActivityAt: after.lastActivityAt ?? context.now };
  const add = (type: LifecycleDetailType, reason?: string) => entries.push(lifecycleEntry(type, state, context, reason));
  if (!before.announced) add(LifecycleDetailType.PollingStarted);
  if (after.status === PollStatus.Resynced) add(LifecycleDetailType.SessionResynced);
  if (after.status === PollStatus.Ended) add(LifecycleDetailType.PollingEnded, after.endReason ?? 'session-gone');
  if (received > 0) state.lastActivityAt = context.now;
  else if (after.status === PollStatus.NoEvents && context.now - (state.lastActivityAt ?? context.now) >= context.heartbeatIntervalMs) {
    add(LifecycleDetailType.Heartbeat);
    state.lastActivityAt = context.now;
  }
  return { entries, state };
}

/** One lifecycle event; `extra` data also distinguishes its id (e.g. one PollingDegraded per degraded spell). */
export function lifecycleEntry(
  type: LifecycleDetailType,
  state: PollState,
  context: Pick<LifecycleContext, 'tenant' | 'eventSource' | 'executionName' | 'now'>,
  reason?: string,
  extra: Partial<LifecycleData> = {},
): EnvelopeEntry {
  const data: LifecycleData = { execution: context.executionName, polls: state.polls, resyncs: state.resyncs, ...(reason ? { reason } : {}), ...extra };
  const extraId = Object.keys(extra).length > 0 ? [JSON.stringify(extra)] : [];
  const metadata: EventMetadata = {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId: hashId([type, context.executionName, state.sequence, state.polls, state.resyncs, ...extraId]),
    tenant: context.tenant,
    agentId: state.agentId,
    platformSessionId: state.platformSessionId,
    sequence: Math.max(1, state.sequence),
    receivedAt: new Date(context.now).toISOString(),
  };
  return { Source: context.eventSource, DetailType: type, Detail: JSON.stringify({ metadata, data }), Time: new Date(context.now) };
}
