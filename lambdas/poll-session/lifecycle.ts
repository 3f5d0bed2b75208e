import { ENVELOPE_SCHEMA_VERSION, type EnvelopeEntry, type EventMetadata, hashId } from '../publishing/envelope.js';
import { type PollState, PollStatus } from './poll-state.js';

/**
 * The bridge's own detail types, published next to the CXone ones (same source), so subscribers
 * can tell a quiet session from a dead one.
 */
export const LifecycleDetailType = {
  /** The first poll of a session ran. */
  PollingStarted: 'CxoneEventBridge.PollingStarted',
  /** Polling ended: `data.reason` is agent-session-end, session-gone or error. */
  PollingEnded: 'CxoneEventBridge.PollingEnded',
  /** The session was rejoined or an unreadable batch skipped; restatements may follow. */
  SessionResynced: 'CxoneEventBridge.SessionResynced',
  /** The session is alive but has had no events for `heartbeatIntervalMs`. */
  Heartbeat: 'CxoneEventBridge.Heartbeat',
  /**
   * Discovery started a login's poller again after its execution failed, was stopped or timed out.
   * Published by discovery, outside the session's numbering: its metadata has no `sequence`.
   */
  PollerRestarted: 'CxoneEventBridge.PollerRestarted',
} as const;
export type LifecycleDetailType = (typeof LifecycleDetailType)[keyof typeof LifecycleDetailType];

/** `detail.data` of a lifecycle event. */
export interface LifecycleData {
  execution: string;
  polls: number;
  resyncs: number;
  reason?: string;
}

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

function lifecycleEntry(type: LifecycleDetailType, state: PollState, context: LifecycleContext, reason?: string): EnvelopeEntry {
  const data: LifecycleData = { execution: context.executionName, polls: state.polls, resyncs: state.resyncs, ...(reason ? { reason } : {}) };
  const metadata: EventMetadata = {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId: hashId([type, context.executionName, state.sequence, state.polls, state.resyncs]),
    tenant: context.tenant,
    agentId: state.agentId,
    platformSessionId: state.platformSessionId,
    sequence: Math.max(1, state.sequence),
    receivedAt: new Date(context.now).toISOString(),
  };
  return { Source: context.eventSource, DetailType: type, Detail: JSON.stringify({ metadata, data }), Time: new Date(context.now) };
}

/** True for the bridge's own detail types (not CXone events). */
export function isLifecycleDetailType(detailType: string | undefined): boolean {
  return detailType?.startsWith('CxoneEventBridge.') ?? false;
}
