import { describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../local/stepfunctions/local-step-functions.js';

/** The local engine's `$$.State.RetryCount`, which the twin supplies as Step Functions does. */
describe('local Step Functions: $$.State.RetryCount', () => {
  it('counts failed attempts of one entry, and starts again at 0 after a Catch', async () => {
    // Prepare: a task that fails three times, then succeeds; its retrier allows two retries.
    const seen: number[] = [];
    let calls = 0;
    const stepFunctions = new LocalStepFunctions();
    const arn = 'arn:aws:states:eu-west-1:000000000000:stateMachine:retry-count';
    stepFunctions.register({
      arn,
      definition: {
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:eu-west-1:000000000000:function:work',
            Parameters: { 'retryCount.$': '$$.State.RetryCount', 'round.$': '$.round' },
            Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 2 }],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.fault', Next: 'Again' }],
            End: true,
          },
          Again: { Type: 'Pass', Parameters: { round: 2 }, Next: 'Work' },
        },
      } as never,
      taskHandlers: {
        Work: async (input) => {
          seen.push((input as { retryCount: number }).retryCount);
          calls += 1;
          if (calls <= 3) throw Object.assign(new Error('flaky'), { name: 'Flaky' });
          return { done: true };
        },
      },
      timeScale: 1_000,
    });
    // Act
    const { executionArn } = stepFunctions.startExecution(arn, 'retry-count', JSON.stringify({ round: 1 }));
    await stepFunctions.executions.get(executionArn)?.done;
    // Assess: attempts 0, 1, 2 caught; the next entry starts at 0 and succeeds.
    expect(seen).toEqual([0, 1, 2, 0]);
    expect(stepFunctions.executions.get(executionArn)?.status).toBe('SUCCEEDED');
  });
});
