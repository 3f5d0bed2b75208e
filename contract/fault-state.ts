import { z } from 'zod';

/**
 * The fault-mode fields of the loop state (small and bounded: no Cause is kept verbatim). Readers:
 * contract/poll-state.ts (part of the state), lambdas/poll-session/fault-mode.ts, the
 * published lifecycle schemas.
 */
export const FaultClass = {
  /** CXone or AWS unavailable, resets, timeouts: heals by itself. */
  Transient: 'transient',
  /** CXone refused our credentials (401 after a fresh token) or the request (403, other 4xx): a person must act. */
  Refused: 'refused',
  /** An error nobody foresaw (a bug, an init failure): retried like a transient one, and visible. */
  Unexpected: 'unexpected',
} as const;
export type FaultClass = (typeof FaultClass)[keyof typeof FaultClass];

/** What the Catch puts at `$.fault`: Step Functions' error output (`Error`, `Cause`). */
export const CaughtFaultSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtFault = z.infer<typeof CaughtFaultSchema>;

/** Longest reason kept in the state and the lifecycle events (a Cause can be 32 KB of stack). */
export const MAX_FAULT_REASON_LENGTH = 200;

/** The session's polling is degraded: since when, how many faults in a row, the last one's reason. */
export const DegradedSchema = z.object({
  /** Epoch ms of the first fault of this episode. */
  since: z.number(),
  faults: z.number().int().positive(),
  reason: z.string().max(MAX_FAULT_REASON_LENGTH),
  faultClass: z.enum(Object.values(FaultClass) as [FaultClass, ...FaultClass[]]),
});
export type Degraded = z.infer<typeof DegradedSchema>;

/** Fields the fault mode and the history budget add to the loop state. */
export const FaultFieldsSchema = z.object({
  /** Set by the poll task's Catch (ResultPath `$.fault`): this invocation runs in fault mode. */
  fault: CaughtFaultSchema.optional(),
  /** Present while polling is degraded (between PollingDegraded and PollingRecovered). */
  degraded: DegradedSchema.optional(),
  /** With BACK_OFF: seconds the Wait state waits before the next poll. */
  backOffSeconds: z.number().int().positive().optional(),
  /** Estimate of the history events this execution has used (see contract/history-budget.ts). */
  historyEvents: z.number().int().nonnegative().default(0),
});
