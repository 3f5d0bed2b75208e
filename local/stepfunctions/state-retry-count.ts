import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { LocalTaskHandler } from './local-step-functions.js';

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
}

/** Default MaxAttempts of a retrier (Amazon States Language). */
const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * `$$.State.RetryCount` for one execution, which the local engine does not provide: how many failed
 * attempts preceded the current one in the same entry into a Task state. Step Functions documents
 * it in the context object (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
 * The count follows the retriers as the States Language defines them: the first retrier whose
 * ErrorEquals names the error (or States.ALL, or States.TaskFailed) retries while it has attempts
 * left; otherwise the entry ends (caught or failed) and the next entry starts at 0.
 * Known gap: a task that times out in the engine (TimeoutSeconds) is not seen here.
 */
export class ExecutionRetryCount {
  private current?: { state: string; retryCount: number; attempts: number[] };

  constructor(private readonly definition: StateMachineDefinition) {}

  /** The context object's `State`, read by Parameters as the engine evaluates them. */
  contextState(): { readonly RetryCount: number } {
    const self = this;
    return {
      get RetryCount() {
        return self.current?.retryCount ?? 0;
      },
    };
  }

  /** The task's handler, counting its outcomes. */
  track(stateName: string, handler: LocalTaskHandler): LocalTaskHandler {
    return async (input) => {
      if (this.current?.state !== stateName) this.current = { state: stateName, retryCount: 0, attempts: [] };
      try {
        const result = await handler(input);
        this.current = undefined;
        return result;
      } catch (error) {
        this.failed(stateName, error instanceof Error ? error.name : 'Error');
        throw error;
      }
    };
  }

  private failed(stateName: string, errorName: string): void {
    const state = this.definition.States[stateName] as { Retry?: Retrier[] } | undefined;
    const current = this.current ?? { state: stateName, retryCount: 0, attempts: [] };
    const index = (state?.Retry ?? []).findIndex((retrier) =>
      retrier.ErrorEquals.some((name) => name === errorName || name === 'States.ALL' || name === 'States.TaskFailed'),
    );
    const retrier = state?.Retry?.[index];
    if (!retrier || (current.attempts[index] ?? 0) >= (retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS)) {
      this.current = undefined; // caught or failed: the next entry starts afresh
      return;
    }
    current.attempts[index] = (current.attempts[index] ?? 0) + 1;
    this.current = { ...current, retryCount: current.retryCount + 1 };
  }
}
