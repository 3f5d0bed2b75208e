import { HAND_OVER_RETRY, LAMBDA_NOT_RUNNING_RETRY, MAY_STILL_RUN_RETRY_ATTEMPTS, POLL_RETRY } from './retry-policy.js';

/**
 * The execution-history model of the session loop: how many history events each path of the loop
 * adds, so an execution hands over to its next generation before Step Functions' hard limit of
 * 25,000 events per execution, in the worst case (retried attempts, faults, back-off waits), not
 * only on the happy path. One home for the model; readers: lambdas/poll-session/history-budget.ts
 * (counts as it goes) and the infra test that checks the model against the synthesized definition.
 *
 * The limit: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 * (Standard workflows, "Maximum execution history size": 25,000 events).
 * Event types (ExecutionStarted, TaskStateEntered/Exited, LambdaFunctionScheduled/Started/
 * Succeeded/Failed/TimedOut, ChoiceStateEntered/Exited, WaitStateEntered/Exited, TaskScheduled/
 * Started/Succeeded/Failed, SucceedStateEntered/Exited, ExecutionSucceeded):
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 * Retried attempts of a task appear only as further Lambda* events inside the same entry.
 */
export const HISTORY_EVENT_LIMIT = 25_000;

export const HistoryEvents = {
  /** ExecutionStarted. */
  executionStarted: 1,
  /** TaskStateEntered + TaskStateExited of one entry into the poll task (counted also when caught). */
  taskEntry: 2,
  /** One invocation attempt: LambdaFunctionScheduled, LambdaFunctionStarted, and Succeeded/Failed/TimedOut. */
  lambdaAttempt: 3,
  /** ChoiceStateEntered + ChoiceStateExited (the previous loop only: the self-looping task has no Choice). */
  choice: 2,
  /** WaitStateEntered + WaitStateExited. */
  wait: 2,
  /** One StartExecution attempt of the hand-over: TaskScheduled, TaskStarted, TaskSucceeded/Failed. */
  serviceAttempt: 3,
  /** SucceedStateEntered + SucceedStateExited, then ExecutionSucceeded. */
  succeedAndEnd: 3,
} as const;

/** Attempts the hand-over task may make: the first and its Retry's MaxAttempts. */
export const HAND_OVER_MAX_ATTEMPTS = 1 + HAND_OVER_RETRY.maxAttempts;

/**
 * Most attempts one entry into the poll task can make: the first plus every retrier's MaxAttempts
 * (the bridge's errors, Lambda errors that leave nothing running, Lambda errors that may): 1 + 2 + 6 + 2.
 */
export const POLL_ENTRY_MAX_ATTEMPTS = 1 + POLL_RETRY.maxAttempts + LAMBDA_NOT_RUNNING_RETRY.maxAttempts + MAY_STILL_RUN_RETRY_ATTEMPTS;

/** History events of an entry into the poll task whose last attempt succeeded after `retryCount` failed ones. */
export function pollEntryEvents(retryCount: number): number {
  return HistoryEvents.taskEntry + HistoryEvents.lambdaAttempt * (retryCount + 1);
}

/** An entry that ended in the Catch: its attempt count is unknown to the next invocation, so the most it can be. */
export const CAUGHT_ENTRY_MAX_EVENTS = HistoryEvents.taskEntry + HistoryEvents.lambdaAttempt * POLL_ENTRY_MAX_ATTEMPTS;

/**
 * What follows a poll before the next one, by what the poll returned (contract/loop-signals.ts):
 * - self-looping task: nothing when it loops; an entry that raises the signal (one attempt: a signal
 *   is never retried) when the loop leaves, and the Wait for a back-off;
 * - the previous loop (`choice`): the Choice, and the Wait for a back-off.
 */
export function afterPollEvents(leaves: boolean, waits: boolean, loop: 'self' | 'choice' = 'self'): number {
  const wait = waits ? HistoryEvents.wait : 0;
  if (loop === 'choice') return HistoryEvents.choice + wait;
  return leaves ? SIGNAL_ENTRY_EVENTS + wait : 0;
}

/** An entry into the poll task that raises a loop signal: TaskStateEntered/Exited and one failed attempt. */
export const SIGNAL_ENTRY_EVENTS = HistoryEvents.taskEntry + HistoryEvents.lambdaAttempt;

/** The hand-over's own tail: its task with every retry, the Succeed state, ExecutionSucceeded (the signal entry before it is counted by the poll that asked for it). */
export const HAND_OVER_TAIL_EVENTS = HistoryEvents.taskEntry + HistoryEvents.serviceAttempt * HAND_OVER_MAX_ATTEMPTS + HistoryEvents.succeedAndEnd;

/**
 * Hand over once this many events are used. The margin (5,000 events) covers what can happen while
 * no invocation succeeds to count it: a poller whose function cannot run at all loops through caught
 * entries (CAUGHT_ENTRY_MAX_EVENTS, 35, each), about 140 of them before the hard limit; an entry
 * spends a minute of throttled retries (up to 2 + 4 + … + 60 s, full jitter) or, when the attempts
 * may still run, 2 × the poller's longest run (220 s with a 60 s hold): 2.5 to 8.5 hours.
 */
export const HAND_OVER_AT_HISTORY_EVENTS = 20_000;
