import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Step Functions' documented limits that the local engine enforces, written from the docs (never
 * imported from the code under test).
 */

/**
 * Input and output of a task, state or execution: 262,144 bytes as a UTF-8 string. A state over it
 * fails with States.DataLimitExceeded, which `States.ALL` does not catch: the execution fails.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (Quotas related to task executions)
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (States.ALL, States.DataLimitExceeded)
 */
export const PAYLOAD_LIMIT_BYTES = 262_144;
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';

/**
 * "Maximum execution history size: 25,000 events in a single state machine execution history. If the
 * execution history reaches this quota, the execution will fail."
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (Quotas related to state machine executions)
 * The page does not name the error; the twin records States.Runtime with a cause that says why.
 */
export const HISTORY_EVENT_LIMIT = 25_000;
export const HISTORY_LIMIT_ERROR = 'States.Runtime';

/**
 * The history events Step Functions writes, per state type, from the event types of
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 *
 * - the execution: ExecutionStarted, then one of ExecutionSucceeded/Failed/Aborted/TimedOut (2);
 * - a Task (Lambda function or service integration such as states:startExecution): TaskStateEntered,
 *   then per attempt LambdaFunctionScheduled + LambdaFunctionStarted + one of LambdaFunctionSucceeded/
 *   Failed/TimedOut (TaskScheduled/TaskStarted/TaskSucceeded/TaskFailed for integrations), then
 *   TaskStateExited: 5 for one successful attempt, +3 for every retried attempt. A caught failure is
 *   counted with its TaskStateExited too (the safe side for a budget);
 * - Choice, Pass, Wait, Succeed: <Type>StateEntered + <Type>StateExited (2);
 * - Fail: FailStateEntered (1), then ExecutionFailed.
 * Map and Parallel are not modelled (the bridge has none); they count as Entered + Exited.
 *
 * Budget helpers use these numbers; the local engine counts with them as the execution runs.
 */
export const HISTORY_EVENTS = {
  execution: 2,
  taskSuccessfulAttempt: 5,
  taskRetriedAttempt: 3,
  /** A task whose last attempt failed and was caught: Entered, Scheduled, Started, Failed, Exited. */
  taskCaughtFailure: 5,
  choice: 2,
  pass: 2,
  wait: 2,
  succeed: 2,
  fail: 1,
} as const;

type StateType = StateMachineDefinition['States'][string]['Type'];

/** What the local engine reports, reduced to what counting needs. */
export interface EngineEvent {
  type: string;
  state?: { name: string };
}

/**
 * Counts history events as the execution runs, from the local engine's own events and the state
 * types of the definition the service would run (not the engine's rewritten one).
 */
export class HistoryCounter {
  count = 0;
  private lastAttemptFailed = false;

  constructor(private readonly stateTypes: Record<string, StateType>) {}

  /** Adds the history events Step Functions would write for this engine event; returns the new count. */
  add(event: EngineEvent): number {
    const type = event.state ? this.stateTypes[event.state.name] : undefined;
    const isTask = type === 'Task';
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        this.count += 1;
        break;
      case 'StateEntered':
        this.lastAttemptFailed = false;
        // <Type>StateEntered; a task also schedules and starts its first attempt.
        this.count += isTask ? 3 : 1;
        break;
      case 'StateFailed':
        // LambdaFunctionFailed / TaskFailed; a Choice without match or a Fail state writes nothing more.
        if (isTask) {
          this.count += 1;
          this.lastAttemptFailed = true;
        }
        break;
      case 'StateRetried':
        // The next attempt is scheduled and started.
        if (isTask) {
          this.count += 2;
          this.lastAttemptFailed = false;
        }
        break;
      case 'StateExited':
        // A task's last attempt succeeded (LambdaFunctionSucceeded) unless it failed and was caught.
        this.count += isTask && !this.lastAttemptFailed ? 2 : 1;
        this.lastAttemptFailed = false;
        break;
      default:
        break;
    }
    return this.count;
  }
}

/** State types by name, for {@link HistoryCounter}. */
export function stateTypesOf(definition: StateMachineDefinition): Record<string, StateType> {
  return Object.fromEntries(Object.entries(definition.States).map(([name, state]) => [name, state.Type]));
}

/** UTF-8 size of a JSON value as Step Functions measures payloads. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}
