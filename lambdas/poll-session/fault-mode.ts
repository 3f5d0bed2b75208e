import { ErrorName, RETRYABLE_ERROR_NAMES } from '../../contract/errors.js';
import { type CaughtFault, type Degraded, FaultClass, MAX_FAULT_REASON_LENGTH } from '../../contract/fault-state.js';
import { LifecycleDetailType } from '../../contract/lifecycle.js';
import { type LegacyPollState, type PollState, PollStatus } from '../../contract/poll-state.js';
import { BACK_OFF, longestRunSeconds } from '../../contract/retry-policy.js';
import { LAMBDA_SERVICE_ERRORS } from '../../contract/state-machine.js';
import type { PutEventsPort } from '../publishing/publisher.js';
import { type LifecycleEvent, lifecycleEntries } from './lifecycle.js';

/**
 * The fault mode of the session loop. When a poll's error outlives the task's quick Retry attempts,
 * the Catch puts Step Functions' error output at `$.fault` and runs the poll task again; this module
 * then classifies the fault, records it in the state (small, bounded fields) and returns BACK_OFF
 * with a jittered wait, so the loop keeps trying for as long as the fault lasts. The first poll that
 * succeeds afterwards clears the record and announces the recovery.
 */
export interface FaultModeContext {
  tenant: string;
  eventSource: string;
  executionName: string;
  putEvents: PutEventsPort;
  /** Numbers lifecycle events in the session's own series (the checkpoint store's HEAD). */
  reserveLifecycleNumbers: (count: number) => Promise<number>;
  now?: () => number;
  /** Uniform in [0, 1), for the jitter. */
  random?: () => number;
  /** What is left of this invocation's timeout (the Lambda context's getRemainingTimeInMillis). */
  remainingTimeMs: () => number;
}

/** What one fault-mode invocation decided. */
export interface BackOffOutcome<S extends LoopState = PollState> {
  state: S;
  faultClass: FaultClass;
  /** True when this fault started a degraded spell (PollingDegraded was published). */
  entered: boolean;
}

/** Either state shape: a fault can meet an execution that an earlier build started (see LegacyPollState). */
type LoopState = PollState | LegacyPollState;

const TRANSIENT = new Set<string>([...RETRYABLE_ERROR_NAMES, ...LAMBDA_SERVICE_ERRORS]);
const REFUSED = new Set<string>([ErrorName.CxoneAuthFailed, ErrorName.CxoneRequestRejected]);

/** Errors only a poll that ended throws: the bridge's own (contract/errors.ts), thrown by its handler. */
const THROWN_BY_AN_ENDED_POLL = new Set<string>([...RETRYABLE_ERROR_NAMES, ...REFUSED]);

/**
 * Whether an attempt of this execution may still be running while the fault mode runs: after a Lambda
 * error of LAMBDA_ERRORS_MAY_STILL_RUN, but also after any fault that a failed fault-mode invocation
 * reported instead (its Catch overwrote `$.fault`, so a throttle or a crash there can hide an earlier
 * attempt that may still run). Only the bridge's own errors prove that the failed attempt ended.
 */
export function mayOverlapRunningAttempt(fault: CaughtFault): boolean {
  return !THROWN_BY_AN_ENDED_POLL.has(fault.Error);
}

/** Which kind of fault Step Functions caught, by its error name. */
export function classifyFault(fault: CaughtFault): FaultClass {
  if (REFUSED.has(fault.Error)) return FaultClass.Refused;
  if (TRANSIENT.has(fault.Error)) return FaultClass.Transient;
  return FaultClass.Unexpected;
}

/**
 * A short, single-line reason: the error name and the message Lambda reported (its Cause is JSON with
 * `errorType`, `errorMessage` and a stack trace; only the message is kept, cut to a bounded length).
 */
export function faultReason(fault: CaughtFault): string {
  let message = fault.Cause ?? '';
  try {
    const parsed: unknown = JSON.parse(message);
    if (parsed && typeof parsed === 'object' && 'errorMessage' in parsed) message = String((parsed as { errorMessage: unknown }).errorMessage);
  } catch {
    // Not JSON: a States.* error's Cause is plain text.
  }
  const reason = `${fault.Error}: ${message}`.replace(/\s+/g, ' ').trim();
  return reason.length <= MAX_FAULT_REASON_LENGTH ? reason : `${reason.slice(0, MAX_FAULT_REASON_LENGTH - 1)}…`;
}

/**
 * Seconds to wait after the `faults`-th fault in a row: full jitter over min(cap, base · 2^(faults − 1)),
 * so thousands of sessions that failed together come back spread over the whole window; never less
 * than `atLeastSeconds`.
 */
export function backOffSeconds(faults: number, faultClass: FaultClass, random: () => number = Math.random, atLeastSeconds = 0): number {
  const cap = faultClass === FaultClass.Refused ? BACK_OFF.refusedCapSeconds : BACK_OFF.capSeconds;
  const ceiling = Math.min(cap, BACK_OFF.baseSeconds * 2 ** Math.min(30, Math.max(0, faults - 1)));
  return Math.max(BACK_OFF.minSeconds, atLeastSeconds, Math.ceil(random() * ceiling));
}

/**
 * The least back-off after this fault. When an attempt may still run: what is left of this
 * invocation's timeout plus Lambda's Init limit (`longestRunSeconds`). This invocation was invoked
 * after the failed attempt was, and the Wait starts only after this invocation ends, so the next
 * poll starts at least the poller's longest run after the failed attempt was invoked: by then it has
 * surely ended. Lambda gives the function its own timeout this way, so no setting has to repeat it.
 */
export function leastBackOffSeconds(fault: CaughtFault, remainingTimeMs: number): number {
  return mayOverlapRunningAttempt(fault) ? longestRunSeconds(Math.ceil(Math.max(0, remainingTimeMs) / 1000)) : 0;
}

/** Handles an invocation the Catch sent here: record the fault, publish PollingDegraded on the first one, back off. */
export async function backOffAfterFault<S extends LoopState>(state: S & { fault: CaughtFault }, context: FaultModeContext): Promise<BackOffOutcome<S>> {
  const now = (context.now ?? Date.now)();
  const atLeastSeconds = leastBackOffSeconds(state.fault, context.remainingTimeMs());
  const faultClass = classifyFault(state.fault);
  const reason = faultReason(state.fault);
  const previous = state.degraded;
  const degraded: Degraded = { since: previous?.since ?? now, faults: (previous?.faults ?? 0) + 1, reason, faultClass };
  const { fault: _caught, nextExecutionName: _next, ...rest } = state;
  const next = {
    ...rest,
    degraded,
    status: PollStatus.BackOff,
    backOffSeconds: backOffSeconds(degraded.faults, faultClass, context.random, atLeastSeconds),
  } as unknown as S;
  if (!previous) {
    await publishBestEffort(context, next, now, {
      type: LifecycleDetailType.PollingDegraded,
      reason,
      extra: { faultClass, degradedSince: new Date(degraded.since).toISOString(), faults: degraded.faults },
    });
  }
  return { state: next, faultClass, entered: !previous };
}

/** After a poll that CXone answered: if polling was degraded, it has recovered. */
export async function recoverIfDegraded(
  state: PollState,
  context: FaultModeContext,
): Promise<{ state: PollState; recovered?: Degraded & { degradedForSeconds: number } }> {
  const { degraded, backOffSeconds: _wait, ...rest } = state;
  if (!degraded) return { state };
  const now = (context.now ?? Date.now)();
  const degradedForSeconds = Math.max(0, Math.round((now - degraded.since) / 1000));
  await publishBestEffort(context, rest, now, {
    type: LifecycleDetailType.PollingRecovered,
    reason: degraded.reason,
    extra: { faultClass: degraded.faultClass, degradedSince: new Date(degraded.since).toISOString(), degradedForSeconds, faults: degraded.faults },
  });
  return { state: rest, recovered: { ...degraded, degradedForSeconds } };
}

/**
 * Lifecycle events are the bridge's own signals: a refusal must not fail the poll (EventBridge or the
 * store may be what is down). When the session's very first poll failed there is no checkpoint yet;
 * the store numbers the event all the same (see CheckpointStore.reserveLifecycleNumbers).
 */
async function publishBestEffort(context: FaultModeContext, state: LoopState, now: number, event: LifecycleEvent): Promise<void> {
  try {
    const first = await context.reserveLifecycleNumbers(1);
    const loopState = { ...state, v: 2, historyEvents: state.historyEvents } as PollState;
    await context.putEvents(lifecycleEntries([event], first, loopState, { ...context, platformSessionId: null, now }));
  } catch {
    // Not numbered or not accepted.
  }
}
