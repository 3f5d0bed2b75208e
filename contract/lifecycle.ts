import { z } from 'zod';
import { ENVELOPE_SCHEMA_VERSION } from './envelope.js';

/**
 * The bridge's own detail types, published next to the CXone ones (same source), so subscribers
 * can tell a quiet session from a dead one.
 */
export const LifecycleDetailType = {
  /** The first poll of a session ran. */
  PollingStarted: 'CxoneEventBridge.PollingStarted',
  /** Polling ended: `data.reason` is one of {@link PollingEndReasonSchema}. */
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
  /** A fault outlived the quick retries; the session backs off and keeps trying (`reason`, `degradedSince`). */
  PollingDegraded: 'CxoneEventBridge.PollingDegraded',
  /** The first poll after a degraded spell succeeded (`degradedForSeconds`, `faults`, `reason`). */
  PollingRecovered: 'CxoneEventBridge.PollingRecovered',
} as const;
export type LifecycleDetailType = (typeof LifecycleDetailType)[keyof typeof LifecycleDetailType];

/**
 * Why polling ended: CXone sent AgentSessionEnd, or the session is gone (409, or nothing to rejoin).
 * A loop that fails publishes no PollingEnded (Step Functions reports the failed execution).
 */
export const PollingEndReasonSchema = z.enum(['agent-session-end', 'session-gone']);
export type PollingEndReason = z.infer<typeof PollingEndReasonSchema>;

/**
 * `detail.metadata` of a session's lifecycle event. Lifecycle events are numbered in a series of
 * their own (`lifecycleSequence`, 1, 2, 3 … per session), never with a CXone event's `sequence`, so a
 * `sequence` always names one CXone event; `afterSequence` tells where in the CXone series it fell.
 */
export const LifecycleMetadataSchema = z.object({
  schemaVersion: z.literal(ENVELOPE_SCHEMA_VERSION),
  /** Deterministic: a retried task sending the same lifecycle event again gives the same id. */
  eventId: z.string(),
  tenant: z.string(),
  agentId: z.string(),
  platformSessionId: z.string().nullable(),
  /** 1, 2, 3 … per agent session, the bridge's own events only; never reused for another event. */
  lifecycleSequence: z.number().int().positive(),
  /** The `sequence` of the last CXone event numbered when this one was sent (0 = none yet). */
  afterSequence: z.number().int().nonnegative(),
  receivedAt: z.string(),
});
export type LifecycleMetadata = z.infer<typeof LifecycleMetadataSchema>;

/** `detail.data` of a lifecycle event. */
export interface LifecycleData {
  execution: string;
  polls: number;
  resyncs: number;
  reason?: string;
  /** PollingDegraded / PollingRecovered: see lambdas/poll-session/fault-mode.ts. */
  faultClass?: string;
  degradedSince?: string;
  degradedForSeconds?: number;
  faults?: number;
}

/** True for the bridge's own detail types (not CXone events). */
export function isLifecycleDetailType(detailType: string | undefined): boolean {
  return detailType?.startsWith('CxoneEventBridge.') ?? false;
}
