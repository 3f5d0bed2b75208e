import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../lambdas/shared/logger.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { parkedItems, waitFor } from './zero-loss.js';

/**
 * Runs sessions through token expiry, auth failures, faults and parking with logging at DEBUG, then
 * looks for any secret in everything the bridge wrote: logs, execution history, execution errors,
 * events on the bus and dead-letter messages.
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const onBus: EventBridgeEvent[] = [];
const captured: string[] = [];
const originalStdout = process.stdout.write.bind(process.stdout);
const originalStderr = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  logger.setLogLevel('DEBUG');
  const capture = (chunk: unknown) => {
    captured.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  simulator = await startCxoneSimulator({ agents: 1, seed: 4, tokenTtlSeconds: 2 });
  twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 }, waitMs: 50 });
  twin.bus.onEvent((accepted) => onBus.push(accepted.event));
});

afterAll(async () => {
  process.stdout.write = originalStdout;
  process.stderr.write = originalStderr;
  await twin?.close();
  await simulator?.close();
});

describe('secrets', () => {
  it('appear in no log line, execution history, error, event, claim check or parked item', async () => {
    // Act: a normal session across token expiry, with faults that make the poller log errors.
    simulator.loginAgent('4100001');
    const { executionArn } = await twin.startSession('4100001');
    await waitFor(() => onBus.length >= 5);
    simulator.expireTokens();
    simulator.injectFault({ agentId: '4100001', count: 2, fault: { status: 503 } });
    simulator.injectFault({ agentId: '4100001', count: 1, fault: { status: 200, body: 'not json' } });
    simulator.enqueueEvents('4100001', [{ IISHost: 'S', VCHost: 'S', type: 'CustomEvent', eventName: 'x', data: 'y'.repeat(1_200_000) }]);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the 2 s token lifetime
    simulator.logoutAgent('4100001');
    await twin.stepFunctions.executions.get(executionArn as string)?.done;

    const firstRun = {
      executions: [...twin.stepFunctions.executions.values()],
      parked: parkedItems(twin),
      stored: [...twin.s3.objects(twin.largeEventBucket).values()].map((object) => object.body.toString('utf8')),
    };
    // A second stack whose credentials CXone rejects: its execution ends in an auth error.
    const rejected = await startLocalTwinWithWrongSecret();
    const { credentials } = simulator;

    // Assess
    const secrets = [credentials.clientSecret, credentials.accessKeySecret, 'wrong-access-key-secret', ...simulator.issuedTokens()];
    expect(simulator.issuedTokens().length).toBeGreaterThan(1);
    const written = [
      captured.join(''),
      ...[...firstRun.executions, ...rejected].map((execution) =>
        JSON.stringify({ history: execution.history, error: execution.error, cause: execution.cause, input: execution.input, output: execution.output }),
      ),
      JSON.stringify(onBus),
      JSON.stringify(firstRun.parked),
      ...firstRun.stored,
    ].join('\n');
    expect(captured.join('')).toMatch(/"level":"ERROR"/);
    expect(firstRun.parked.map((item) => item.reason).sort()).toEqual(['MALFORMED_BATCH']);
    // The 1.2 MB event went out as a claim check: its object and the unreadable body are scanned too.
    expect(firstRun.stored).toHaveLength(2);
    for (const secret of secrets) expect(written.includes(secret), `a secret of ${secret.length} characters leaked`).toBe(false);
  });
});

/**
 * The same stack with a secret holding a wrong access key: the execution backs off slowly with the
 * refused fault recorded (CxoneAuthFailedError) and keeps trying until the secret is fixed; stopped here.
 */
async function startLocalTwinWithWrongSecret() {
  await twin.close();
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: { ...simulator.credentials, accessKeySecret: 'wrong-access-key-secret' },
    config: { pollTimeoutSeconds: 1 },
    waitMs: 50,
  });
  const cxoneCursor = simulator.loginAgent('4100003').apiSessionId;
  const { executionArn } = twin.stepFunctions.startExecution(
    twin.stack.stateMachine.arn,
    'wrong-secret',
    JSON.stringify({ agentId: '4100003', sessionId: cxoneCursor }),
  );
  const execution = twin.stepFunctions.executions.get(executionArn);
  const refusedBackOffs = () =>
    (execution?.history ?? []).filter((event) => {
      const output = (event as { type: string; state?: { output?: { status?: string; fault?: unknown; degraded?: { faultClass?: string; reason?: string } } } })
        .state?.output;
      return event.type === 'StateExited' && output?.status === 'BACK_OFF' && !output.fault && output.degraded?.faultClass === 'refused';
    });
  await waitFor(() => refusedBackOffs().length >= 2, 30_000, 'two refused back-offs');
  execution?.abort();
  await execution?.done;
  expect(execution?.status).not.toBe('FAILED');
  expect(JSON.stringify(refusedBackOffs().at(-1))).toMatch(/CxoneAuthFailedError: CXone refused the password grant/);
  return [...twin.stepFunctions.executions.values()];
}
