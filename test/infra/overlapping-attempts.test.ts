import { describe, expect, it } from 'vitest';
import { PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import { LAMBDA_ERRORS_MAY_STILL_RUN, LAMBDA_SERVICE_ERRORS, StateName } from '../../contract/state-machine.js';
import { backOffAfterFault } from '../../lambdas/poll-session/fault-mode.js';
import { readTemplate } from '../../local/twin/synthesized-stack.js';
import { synthesizeForTest } from './stack-fixture.js';

/**
 * One execution must never have two CXone polls at once (they would split the session's events). A
 * Lambda error after which the failed attempt may still be running must therefore lead to the next
 * poll only once that attempt has surely ended: at least the poller function's timeout, plus Lambda's
 * Init phase limit of a cold start, after it was invoked. Both ways back to a poll are checked on the
 * synthesized stack (a hold other than the default, so the values follow the configuration): the
 * task's Retry and the Catch into the fault mode, whose back-off the Wait state waits.
 *
 * Lambda's Init phase limit (10 s): https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 * Retrier matching, and `States.TaskFailed` as a wildcard for every error but `States.Timeout`:
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 * JitterStrategy FULL draws each delay between 0 and the computed one:
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.JitterType.html
 */
const INIT_PHASE_LIMIT_SECONDS = 10;

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  MaxAttempts?: number;
  JitterStrategy?: string;
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

const { template } = synthesizeForTest({ pollTimeoutSeconds: 25 });
const resolved = readTemplate(template.toJSON() as never);
const states = resolved.stateMachine.definition.States as unknown as Record<
  string,
  { Type: string; Retry?: Retrier[]; Catch?: Catcher[]; SecondsPath?: string; Next?: string }
>;
const pollTask = states[StateName.Poll];
const poller = resolved.functions.find((fn) => fn.path.includes('/SessionPoller/'));
const functionTimeout = poller?.timeoutSeconds ?? 0;
const longestRun = functionTimeout + INIT_PHASE_LIMIT_SECONDS;

/** Whether a retrier's or catcher's ErrorEquals takes this error. */
function matches(errorEquals: string[], error: string): boolean {
  return errorEquals.includes(error) || errorEquals.includes('States.ALL') || (errorEquals.includes('States.TaskFailed') && error !== 'States.Timeout');
}

/** The shortest delay before each retry this retrier can make (ASL defaults: 1 s, rate 2, 3 attempts). */
function shortestDelays(retrier: Retrier): number[] {
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  return Array.from({ length: retrier.MaxAttempts ?? 3 }, (_, attempt) => {
    const computed = Math.min(interval * rate ** attempt, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
    return retrier.JitterStrategy === 'FULL' ? 0 : computed;
  });
}

describe('an attempt that may still be running is never overlapped by the next poll', () => {
  it('synthesizes a poller whose timeout follows the hold', () => {
    expect(functionTimeout).toBeGreaterThan(25);
  });

  it.each([...LAMBDA_ERRORS_MAY_STILL_RUN])('retries %s only after the function timeout and the Init limit, with no jitter', (error) => {
    // Step Functions takes the first retrier that matches.
    const retrier = pollTask?.Retry?.find((candidate) => matches(candidate.ErrorEquals, error));
    expect(retrier).toBeDefined();
    const delays = shortestDelays(retrier as Retrier);
    expect(delays.length).toBeGreaterThan(0);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(longestRun);
  });

  it.each([...LAMBDA_SERVICE_ERRORS])('after the retries, sends %s back into the poll task in fault mode, which polls no CXone', (error) => {
    const catcher = pollTask?.Catch?.find((candidate) => matches(candidate.ErrorEquals, error));
    expect(catcher).toMatchObject({ Next: StateName.Poll, ResultPath: '$.fault' });
  });

  it.each([...LAMBDA_ERRORS_MAY_STILL_RUN])(
    'backs off after %s, in the fault mode of this very function, at least its timeout and the Init limit before the next poll',
    async (error) => {
      // The fault-mode invocation reads what is left of its own timeout: all of it, at best.
      const { state } = await backOffAfterFault(
        { ...PollStateSchema.parse({ v: 2, agentId: '2103457', sessionId: 'c', status: PollStatus.NoEvents }), fault: { Error: error, Cause: 'x' } },
        {
          tenant: 'acme',
          eventSource: 'cxone.agent-events',
          executionName: 'acme-2103457-20250312T140001000Z',
          putEvents: async (entries) => entries.map(() => ({})),
          reserveLifecycleNumbers: async () => 1,
          random: () => 0,
          remainingTimeMs: () => functionTimeout * 1000,
        },
      );
      expect(state.status).toBe(PollStatus.BackOff);
      expect(state.backOffSeconds).toBeGreaterThanOrEqual(longestRun);
      // The loop leaves through the back-off signal to the Wait, which waits what the fault mode chose.
      expect(states[StateName.WaitBeforeNextPoll]).toMatchObject({ Type: 'Wait', SecondsPath: '$.backOffSeconds', Next: StateName.Poll });
    },
  );
});
