import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { AwsApiError } from '../../local/aws/local-aws-server.js';
import { HISTORY_EVENT_LIMIT, HISTORY_EVENTS, PAYLOAD_LIMIT_BYTES } from '../../local/stepfunctions/history-model.js';
import {
  type LocalStepFunctions as Engine,
  type LocalExecution,
  LocalStepFunctions,
  type LocalTaskHandler,
} from '../../local/stepfunctions/local-step-functions.js';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:tiny';
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:tiny';

/** One tiny state machine on a fresh local engine. */
function machine(definition: unknown, taskHandlers: Record<string, LocalTaskHandler> = {}, timeScale?: number): Engine {
  const engine = new LocalStepFunctions();
  engine.register({ arn: ARN, definition: definition as StateMachineDefinition, taskHandlers, timeScale });
  return engine;
}

async function run(engine: Engine, input: unknown = {}, name = 'run-1'): Promise<LocalExecution> {
  const { executionArn } = engine.startExecution(ARN, name, JSON.stringify(input));
  const execution = engine.executions.get(executionArn) as LocalExecution;
  await execution.done;
  return execution;
}

const catchAll = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }];
const bigText = (bytes: number) => 'x'.repeat(bytes);

describe('the local engine enforces the 256 KiB payload limit as an uncatchable error', () => {
  it('fails the execution when a task result is over the limit, whatever its Catch says', async () => {
    let caught = 0;
    const engine = machine(
      {
        StartAt: 'Big',
        States: { Big: { Type: 'Task', Resource: LAMBDA, Catch: catchAll, End: true }, Caught: { Type: 'Task', Resource: LAMBDA, End: true } },
      },
      { Big: async () => ({ blob: bigText(PAYLOAD_LIMIT_BYTES) }), Caught: async () => (caught += 1) },
    );
    const execution = await run(engine);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(caught).toBe(0);
  });

  it('accepts a result of exactly 262,144 bytes', async () => {
    // {"b":"xxx…"} is 8 bytes of JSON around the text.
    const engine = machine(
      { StartAt: 'Fits', States: { Fits: { Type: 'Task', Resource: LAMBDA, ResultPath: null, End: true } } },
      { Fits: async () => ({ b: bigText(PAYLOAD_LIMIT_BYTES - 8) }) },
    );
    expect((await run(engine)).status).toBe('SUCCEEDED');
  });

  it('fails the execution when a Catch merge makes the state too large (ResultPath $.error)', async () => {
    let caught = 0;
    const engine = machine(
      {
        StartAt: 'Throws',
        States: { Throws: { Type: 'Task', Resource: LAMBDA, Catch: catchAll, End: true }, Caught: { Type: 'Task', Resource: LAMBDA, End: true } },
      },
      {
        Throws: async () => {
          throw Object.assign(new Error(bigText(140_000)), { name: 'BigError' });
        },
        Caught: async () => (caught += 1),
      },
    );
    // The input alone fits; input + error does not.
    const execution = await run(engine, { carried: bigText(140_000) });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(caught).toBe(0);
  });

  it('fails the execution when a state output is over the limit', async () => {
    const engine = machine({ StartAt: 'Double', States: { Double: { Type: 'Pass', Parameters: { 'a.$': '$', 'b.$': '$' }, End: true } } });
    const execution = await run(engine, { text: bigText(150_000) });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
  });

  it('fails a task whose input after Parameters is over the limit (the hand-over startExecution integration)', async () => {
    let started = 0;
    const engine = machine(
      {
        StartAt: 'HandOver',
        States: {
          HandOver: {
            Type: 'Task',
            Resource: 'arn:aws:states:::states:startExecution',
            Parameters: { 'Input.$': '$', 'Copy.$': '$' },
            Catch: catchAll,
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      },
      { HandOver: async () => (started += 1) },
    );
    const execution = await run(engine, { text: bigText(150_000) });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.DataLimitExceeded');
    expect(started).toBe(0);
  });

  it('refuses StartExecution with an input over the limit', () => {
    const engine = machine({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    expect(() => engine.startExecution(ARN, 'too-big', JSON.stringify({ text: bigText(PAYLOAD_LIMIT_BYTES) }))).toThrow(AwsApiError);
  });
});

describe('the local engine counts history events as Step Functions writes them', () => {
  it('counts a task retried once, a Choice and a Succeed', async () => {
    let attempts = 0;
    const engine = machine(
      {
        StartAt: 'Work',
        States: {
          Work: { Type: 'Task', Resource: LAMBDA, Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 1 }], Next: 'Route' },
          Route: { Type: 'Choice', Choices: [{ Variable: '$.ok', BooleanEquals: true, Next: 'Done' }], Default: 'Done' },
          Done: { Type: 'Succeed' },
        },
      },
      {
        Work: async () => {
          attempts += 1;
          if (attempts === 1) throw Object.assign(new Error('once'), { name: 'Flaky' });
          return { ok: true };
        },
      },
      1000,
    );
    const execution = await run(engine);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.historyEventCount).toBe(
      HISTORY_EVENTS.execution + HISTORY_EVENTS.taskSuccessfulAttempt + HISTORY_EVENTS.taskRetriedAttempt + HISTORY_EVENTS.choice + HISTORY_EVENTS.succeed,
    );
  });

  it('counts a caught task failure and the Fail state', async () => {
    const engine = machine(
      {
        StartAt: 'Work',
        States: {
          Work: { Type: 'Task', Resource: LAMBDA, Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }], End: true },
          Failed: { Type: 'Fail', Error: 'Gave up' },
        },
      },
      {
        Work: async () => {
          throw new Error('no');
        },
      },
    );
    const execution = await run(engine);
    expect(execution.status).toBe('FAILED');
    expect(execution.historyEventCount).toBe(HISTORY_EVENTS.execution + HISTORY_EVENTS.taskCaughtFailure + HISTORY_EVENTS.fail);
  });

  it('fails an execution that would write more than 25,000 events, and runs no task after', async () => {
    let polls = 0;
    const engine = machine(
      {
        StartAt: 'Poll',
        States: {
          Poll: { Type: 'Task', Resource: LAMBDA, Next: 'Again' },
          Again: { Type: 'Choice', Choices: [{ Variable: '$.end', BooleanEquals: true, Next: 'Done' }], Default: 'Poll' },
          Done: { Type: 'Succeed' },
        },
      },
      { Poll: async () => ({ end: false, poll: ++polls }) },
    );
    const execution = await run(engine);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
    expect(execution.cause).toMatch(/25000/);
    // ExecutionStarted, then 7 events per loop (Task 5, Choice 2): the 3,572nd poll's start passes 25,000.
    const loops = Math.floor((HISTORY_EVENT_LIMIT - 1) / 7);
    expect(polls).toBe(loops);
    expect(execution.historyEventCount).toBeGreaterThan(HISTORY_EVENT_LIMIT);
    expect(execution.historyEventCount).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT + 4);
  });
});

describe('execution names, as StartExecution documents them for Standard workflows', () => {
  const definition = { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } };

  it('is idempotent for the same name and input while running, and refuses other input', async () => {
    const engine = machine(definition, {}, 1_000_000);
    const first = engine.startExecution(ARN, 'agent-1', '{"a":1}');
    expect(engine.startExecution(ARN, 'agent-1', '{"a":1}').executionArn).toBe(first.executionArn);
    expect(() => engine.startExecution(ARN, 'agent-1', '{"a":2}')).toThrow(expect.objectContaining({ type: 'ExecutionAlreadyExists' }));
    await engine.executions.get(first.executionArn)?.done;
  });

  it('refuses a closed execution name whatever the input', async () => {
    const engine = machine({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    await run(engine, { a: 1 }, 'closed');
    expect(() => engine.startExecution(ARN, 'closed', '{"a":1}')).toThrow(expect.objectContaining({ type: 'ExecutionAlreadyExists' }));
  });
});

describe('time scale', () => {
  // An unscaled run would sit an hour in these states; the test's own timeout is seconds.
  it('scales Wait Seconds, SecondsPath and TimestampPath', { timeout: 10_000 }, async () => {
    const engine = machine(
      {
        StartAt: 'Fixed',
        States: {
          Fixed: { Type: 'Wait', Seconds: 3600, Next: 'FromPath' },
          FromPath: { Type: 'Wait', SecondsPath: '$.backOffSeconds', Next: 'Until' },
          Until: { Type: 'Wait', TimestampPath: '$.until', End: true },
        },
      },
      {},
      10_000,
    );
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const execution = await run(engine, { backOffSeconds: 3600, until });
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ backOffSeconds: 3600, until });
    expect(execution.historyEventCount).toBe(HISTORY_EVENTS.execution + 3 * HISTORY_EVENTS.wait);
    // The engine runs them as local sleeps; the history still says Wait, as the service's does.
    expect(execution.history.flatMap((event) => (event.type === 'StateEntered' ? [event.state.type] : []))).toEqual(['Wait', 'Wait', 'Wait']);
  });

  it('scales Retry intervals and their cap', { timeout: 10_000 }, async () => {
    let attempts = 0;
    const engine = machine(
      {
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: LAMBDA,
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 600, BackoffRate: 2, MaxDelaySeconds: 3600, MaxAttempts: 4 }],
            End: true,
          },
        },
      },
      {
        Work: async () => {
          attempts += 1;
          if (attempts <= 4) throw new Error('down');
          return { attempts };
        },
      },
      10_000,
    );
    const execution = await run(engine);
    expect(execution.status).toBe('SUCCEEDED');
    expect(attempts).toBe(5);
  });

  it('rejects a SecondsPath that is not a non-negative integer as States.Runtime', async () => {
    const engine = machine({ StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } } }, {}, 1000);
    const execution = await run(engine, { s: -1 });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('States.Runtime');
  });
});
