import { Console } from 'node:console';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalExecution, LocalStepFunctions } from '../../local/stepfunctions/local-step-functions.js';
import { LambdaFaults, type LambdaHandler, type LocalLambdaStats, localLambdaTask, silenceFunctionLogs } from '../../local/twin/local-lambda.js';
import type { SynthesizedFunction } from '../../local/twin/synthesized-stack.js';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:lambda-fidelity';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Work';

/** A loopback server that records the paths it was asked for: the side effects of the handlers. */
let server: Server;
let base: string;
const seen: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(String(req.url));
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

/** A side effect over node:http, the way the AWS SDK makes its calls. */
const httpCall = (path: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request(`${base}${path}`, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
/** A side effect over fetch, the way the CXone client makes its calls. */
const fetchCall = async (path: string) => {
  await (await fetch(`${base}${path}`)).text();
};

const stats = (): LocalLambdaStats => ({ invocations: 0, coldStarts: 0, billedMs: 0, errors: new Map(), results: new Map(), logBytes: new Map() });
const fn = (timeoutSeconds: number): SynthesizedFunction => ({
  logicalId: 'Work',
  arn: FUNCTION_ARN,
  path: 'Stack/Work/Function',
  timeoutSeconds,
  memorySize: 128,
  environment: {},
  systemLogLevel: 'INFO',
});

/** Runs one Task (with this Retry and a Catch into $.error) over the handler, through the local Lambda. */
async function runTask(
  handler: LambdaHandler,
  options: { timeoutSeconds?: number; retryOn?: string[]; faults?: LambdaFaults; lambdaStats?: LocalLambdaStats } = {},
): Promise<LocalExecution> {
  const engine = new LocalStepFunctions();
  const definition = {
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: FUNCTION_ARN,
        ...(options.retryOn ? { Retry: [{ ErrorEquals: options.retryOn, IntervalSeconds: 1, MaxAttempts: 2 }] } : {}),
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
  const invoke = localLambdaTask(fn(options.timeoutSeconds ?? 10), () => handler, options.lambdaStats ?? stats(), options.faults);
  engine.register({ arn: ARN, definition: definition as StateMachineDefinition, taskHandlers: { Work: invoke }, timeScale: 1000 });
  const { executionArn } = engine.startExecution(ARN, 'run', JSON.stringify({ state: { agentId: '2103457' } }));
  const execution = engine.executions.get(executionArn) as LocalExecution;
  await execution.done;
  return execution;
}

describe("the twin's Lambda reports errors as Lambda and Step Functions do", () => {
  it('puts the errorType in Error and the JSON error document in Cause, as a Catch ResultPath sees it', async () => {
    class CxoneUnavailableError extends Error {
      override readonly name = 'CxoneUnavailableError';
    }
    const execution = await runTask(async () => {
      throw new CxoneUnavailableError('CXone answered HTTP 503');
    });
    expect(execution.status).toBe('SUCCEEDED');
    const { error } = JSON.parse(execution.output ?? '{}') as { error: { Error: string; Cause: string } };
    expect(error.Error).toBe('CxoneUnavailableError');
    const cause = JSON.parse(error.Cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause).toMatchObject({ errorType: 'CxoneUnavailableError', errorMessage: 'CXone answered HTTP 503' });
    expect(cause.trace[0]).toBe('CxoneUnavailableError: CXone answered HTTP 503');
  });
});

describe("a timed-out handler's side effects stop, as Lambda freezes and discards its environment", () => {
  it('refuses every call the handler makes after its timeout, over node:http and fetch', async () => {
    let resumeAfterTimeout: () => void = () => undefined;
    const afterTimeout = new Promise<void>((resolve) => {
      resumeAfterTimeout = resolve;
    });
    const refused: string[] = [];
    let handlerDone: Promise<void> = Promise.resolve();
    const execution = await runTask(
      () => {
        handlerDone = (async () => {
          await httpCall('/before-timeout');
          await afterTimeout;
          await httpCall('/after-timeout-http').catch((error: Error) => refused.push(error.name));
          await fetchCall('/after-timeout-fetch').catch((error: Error) => refused.push(error.name));
        })();
        return handlerDone.then(() => ({}));
      },
      { timeoutSeconds: 1 },
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}').error.Error).toBe('Sandbox.Timedout');
    // The timed-out handler carries on in-process; nothing it does leaves.
    resumeAfterTimeout();
    await handlerDone;
    expect(refused).toEqual(['EnvironmentStopped', 'EnvironmentStopped']);
    expect(seen).toEqual(['/before-timeout']);
  });
});

describe('injected Lambda failure modes: ran completely, or partially', () => {
  it('loses the result of an invocation that ran: Lambda.ServiceException, then the retry runs again', async () => {
    const faults = new LambdaFaults();
    faults.loseNextResult('2103457');
    const lambdaStats = stats();
    const execution = await runTask(
      async () => {
        await httpCall('/publish');
        return { published: true };
      },
      { faults, retryOn: ['Lambda.ServiceException'], lambdaStats },
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ published: true });
    expect(seen).toEqual(['/publish', '/publish']);
    expect(lambdaStats.errors.get('Lambda.ServiceException')).toBe(1);
    expect(faults.pending()).toBe(0);
  });

  it('cuts an invocation at its n-th outbound call: earlier calls happened, that one and later ones never leave', async () => {
    const faults = new LambdaFaults();
    faults.crashNextInvocation({ agentId: '2103457', atCall: 2 });
    const execution = await runTask(
      async () => {
        await httpCall('/checkpoint');
        await fetchCall('/publish');
        await httpCall('/commit');
        return { done: true };
      },
      { faults, retryOn: ['Sandbox.Timedout'] },
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ done: true });
    expect(seen).toEqual(['/checkpoint', '/checkpoint', '/publish', '/commit']);
  });

  it('leaves invocations for other agents alone', async () => {
    const faults = new LambdaFaults();
    faults.loseNextResult('999');
    const execution = await runTask(async () => ({ ok: true }), { faults });
    expect(JSON.parse(execution.output ?? '{}')).toEqual({ ok: true });
    expect(faults.pending()).toBe(1);
  });
});

describe('the twin counts what a function writes to its log, as Lambda sends its stdout and stderr to the log group', () => {
  it('counts the bytes of each invocation by its result, and nothing written outside an invocation', async () => {
    // Prepare: a Console on process.stdout, as Powertools' Logger and Metrics write
    silenceFunctionLogs();
    const out = new Console({ stdout: process.stdout, stderr: process.stderr });
    const line = JSON.stringify({ level: 'INFO', message: 'poll done', agent: 'Zoë' });
    const lambdaStats = stats();
    const invoke = localLambdaTask(
      fn(5),
      () => async (event) => {
        const { status, lines } = event as { status: string; lines: number };
        for (let index = 0; index < lines; index++) out.log(line);
        if (status === 'FAILED') {
          out.error(line);
          throw new Error('boom');
        }
        return { status };
      },
      lambdaStats,
    );

    // Act
    await invoke({ status: 'NO_EVENTS', lines: 1 });
    await invoke({ status: 'NO_EVENTS', lines: 1 });
    await invoke({ status: 'EVENTS', lines: 3 });
    await expect(invoke({ status: 'FAILED', lines: 0 })).rejects.toThrow();
    process.stdout.write('the twin itself\n');

    // Assess: UTF-8 bytes, newline included
    const bytes = Buffer.byteLength(`${line}\n`);
    expect(bytes).toBe(line.length + 2);
    expect(Object.fromEntries(lambdaStats.logBytes)).toEqual({ NO_EVENTS: 2 * bytes, EVENTS: 3 * bytes, Error: bytes });
  });
});
