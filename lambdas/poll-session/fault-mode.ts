import { ErrorName, RETRYABLE_ERROR_NAMES } from '../../contract/errors.js';
import { type CaughtFault, type Degraded, FaultClass, MAX_FAULT_REASON_LENGTH } from '../../contract/fault-state.js';
import { LifecycleDetailType } from '../../contract/lifecycle.js';
import { type LegacyPollState, type PollState, PollStatus } from '../../contract/poll-state.js';
import { BACK_OFF } from '../../contract/retry-policy.js';
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
 * so thousands of sessions that failed together come back spread over the whole window.
 */
export function backOffSeconds(faults: number, faultClass: FaultClass, random: () => number = Math.random): number {
  const cap = faultClass === FaultClass.Refused ? BACK_OFF.refusedCapSeconds : BACK_OFF.capSeconds;
  const ceiling = Math.min(cap, BACK_OFF.baseSeconds * 2 ** Math.min(30, Math.max(0, faults - 1)));
  return Math.max(BACK_OFF.minSeconds, Math.ceil(random() * ceiling));
}

/** Handles an invocation the Catch sent here: record the fault, publish PollingDegraded on the first one, back off. */
export async function backOffAfterFault<S extends LoopState>(state: S & { fault: CaughtFault }, context: FaultModeContext): Promise<BackOffOutcome<S>> {
  const now = (context.now ?? Date.now)();
  const faultClass = classifyFault(state.fault);
  const reason = faultReason(state.fault);
  const previous = state.degraded;
  const degraded: Degraded = { since: previous?.since ?? now, faults: (previous?.faults ?? 0) + 1, reason, faultClass };
  const { fault: _caught, nextExecutionName: _next, ...rest } = state;
  const next = { ...rest, degraded, status: PollStatus.BackOff, backOffSeconds: backOffSeconds(degraded.faults, faultClass, context.random) } as unknown as S;
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
