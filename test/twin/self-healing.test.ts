import { SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleDetailType } from '../../contract/lifecycle.js';
import type { DiscoveryOutcome } from '../../lambdas/discovery/discover-sessions.js';
import { executionNameFor, parseExecutionName } from '../../lambdas/sessions/execution-name.js';
import { AwsApiError } from '../../local/aws/local-aws-server.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { waitFor } from './zero-loss.js';

/**
 * Self-healing on the twin: the real discovery function reconciles against the simulator's agent
 * states and restarts pollers that ended abnormally, through the SDK against local Step Functions.
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
let sfn: SFNClient;
const onBus: EventBridgeEvent[] = [];
const [a1, a2, a3, a4, a5] = ['5200001', '5200002', '5200003', '5200004', '5200005'] as const;
const logins = new Map<string, string>();

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: [a1, a2, a3, a4, a5], seed: 31 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1, discoveryEnabled: true },
    // Discovery runs only when a test asks (runDiscovery), so each step is deterministic.
    scheduleEveryMs: 3_600_000,
  });
  twin.bus.onEvent((accepted) => onBus.push(accepted.event));
  sfn = new SFNClient({});
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

const executionsOf = (agentId: string) => [...twin.stepFunctions.executions.values()].filter((execution) => execution.name.includes(`-${agentId}-`));
const runningOf = (agentId: string) => executionsOf(agentId).filter((execution) => execution.status === 'RUNNING');
const cursorParameter = () => twin.stack.parameters[0]?.name as string;
const storedCursor = () =>
  JSON.parse(twin.ssm.get(cursorParameter()) as string) as { lastPollTime: string; reconciledAt?: string; retry: { agentId: string }[] };

/** Runs every schedule once and returns discovery's outcome. */
async function runDiscovery(): Promise<DiscoveryOutcome> {
  const results = await twin.runSchedules();
  const outcome = results.find((result): result is DiscoveryOutcome => typeof result === 'object' && result !== null && 'mode' in result);
  if (!outcome) throw new Error('discovery did not run');
  return outcome;
}

/** Stands for the reconcile interval having passed (the twin's clock is the machine's). */
function makeReconcileDue(): void {
  const { reconciledAt: _passed, ...cursor } = storedCursor();
  twin.ssm.put(cursorParameter(), JSON.stringify(cursor));
}

function login(agentId: string): string {
  const { sessionStartTime } = simulator.loginAgent(agentId);
  const base = executionNameFor(twin.tenant, agentId, sessionStartTime);
  logins.set(agentId, base);
  return base;
}

async function stopByHand(agentId: string): Promise<void> {
  for (const execution of runningOf(agentId)) await sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn, cause: 'operator' }));
  expect(runningOf(agentId)).toEqual([]);
}

/** Longest a restart may wait for the stopped execution's lease: the poller's timeout (1 + 40 s) and the clock allowance, with slack. */
const RESTART_TAKES_OVER_MS = 90_000;

/** A poll of this agent's session has reached the simulator since `before` batches. */
const polledSince = (agentId: string, before: number) => () => simulator.deliveredBatches({ agentId }).length > before;

describe('self-healing discovery', () => {
  it('restarts a poller stopped by hand as <base>-r1 at the next reconcile, and the agent is polled again', { timeout: 180_000 }, async () => {
    const base = login(a1);
    expect((await runDiscovery()).started).toEqual([base]);
    await waitFor(polledSince(a1, 0), 30_000, 'the first poller polls');
    await stopByHand(a1);

    makeReconcileDue();
    const outcome = await runDiscovery();
    expect(outcome).toMatchObject({ mode: 'reconcile', started: [`${base}-r1`] });
    expect(outcome.restarted).toEqual([
      { agentId: a1, execution: `${base}-r1`, previous: { name: base, status: 'ABORTED', stopDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } },
    ]);

    const before = simulator.deliveredBatches({ agentId: a1 }).length;
    simulator.enqueueEvents(a1, [{ IISHost: 'S', VCHost: 'S', Type: 'Mute', AgentMuted: 'True' }]);
    // The restart polls once the stopped execution's last invocation cannot run any more: at once if
    // that invocation yields the session's lease as it ends, else after the function's timeout (41 s here).
    await waitFor(polledSince(a1, before), RESTART_TAKES_OVER_MS, 'the restarted poller polls');
    await waitFor(
      () => onBus.some((event) => event['detail-type'] === 'Mute' && (event.detail as { metadata: { agentId: string } }).metadata.agentId === a1),
      30_000,
      'the event on the bus',
    );
    expect(runningOf(a1).map((execution) => execution.name)).toEqual([`${base}-r1`]);
  });

  it('announces the restart on the bus with the previous execution, its status and stop time', async () => {
    await waitFor(() => onBus.some((event) => event['detail-type'] === LifecycleDetailType.PollerRestarted), 10_000, 'PollerRestarted');
    const restarted = onBus.filter((event) => event['detail-type'] === LifecycleDetailType.PollerRestarted);
    const base = logins.get(a1) as string;
    expect(restarted.map((event) => (event.detail as { data: unknown }).data)).toEqual([
      {
        execution: `${base}-r1`,
        session: base,
        previousExecution: base,
        previousStatus: 'ABORTED',
        previousStopDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(restarted[0]?.source).toBe('cxone.agent-events');
  });

  it('starts one restart when two discovery runs race on the same login', async () => {
    const base = logins.get(a1) as string;
    await stopByHand(a1);
    makeReconcileDue();
    const [first, second] = await Promise.all([runDiscovery(), runDiscovery()]);
    expect([...first.started, ...second.started]).toContain(`${base}-r2`);
    expect(
      executionsOf(a1)
        .map((execution) => execution.name)
        .sort(),
    ).toEqual([base, `${base}-r1`, `${base}-r2`]);
    expect(runningOf(a1).map((execution) => execution.name)).toEqual([`${base}-r2`]);
  });

  it('gives every logged-in agent a poller on its first run after an outage ended them all', async () => {
    login(a2);
    login(a3);
    await runDiscovery();
    for (const agentId of [a1, a2, a3]) await stopByHand(agentId);
    // After an outage the cursor may be gone too (a fresh deploy, a deleted parameter): the run reads every agent.
    twin.ssm.put(cursorParameter(), 'none');
    const outcome = await runDiscovery();
    expect(outcome.mode).toBe('reconcile');
    expect(outcome.restarted.map((restart) => restart.agentId).sort()).toEqual([a1, a2, a3]);
    for (const agentId of [a1, a2, a3]) {
      const [running] = runningOf(agentId);
      expect(parseExecutionName(running?.name ?? '')).toMatchObject({ base: logins.get(agentId), generation: 1 });
    }
    expect(runningOf(a1).map((execution) => execution.name)).toEqual([`${logins.get(a1)}-r3`]);
  });

  it('starts an agent whose start failed on the next run, which only reads the delta', async () => {
    const base = login(a4);
    const startExecution = twin.stepFunctions.startExecution.bind(twin.stepFunctions);
    twin.stepFunctions.startExecution = (arn, name, input) => {
      if (name.includes(`-${a4}-`)) throw new AwsApiError('ThrottlingException', 'Rate exceeded');
      return startExecution(arn, name, input);
    };
    try {
      const failed = await runDiscovery();
      expect(failed.failed).toEqual([{ agentId: a4, reason: expect.stringContaining('ThrottlingException') }]);
      expect(storedCursor().retry).toMatchObject([{ agentId: a4 }]);
    } finally {
      twin.stepFunctions.startExecution = startExecution;
    }
    const retried = await runDiscovery();
    expect(retried).toMatchObject({ mode: 'delta', started: [base], failed: [] });
    expect(storedCursor().retry).toEqual([]);
    await waitFor(polledSince(a4, 0), 30_000, 'the late poller polls');
  });

  it('restarts a login whose execution failed on a fault the loop cannot handle', async () => {
    const base = login(a5);
    // A bad input is the one fault every version of the loop ends in Fail (ConfigurationError).
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: twin.stack.stateMachine.arn,
        name: base,
        input: JSON.stringify({ agentId: 'not-an-agent-id', sessionId: 'x' }),
      }),
    );
    await waitFor(() => executionsOf(a5).some((execution) => execution.status === 'FAILED'), 30_000, 'the execution fails');
    const outcome = await runDiscovery();
    expect(outcome.restarted).toEqual([{ agentId: a5, execution: `${base}-r1`, previous: expect.objectContaining({ name: base, status: 'FAILED' }) }]);
    await waitFor(polledSince(a5, 0), 30_000, 'the restarted poller polls');
  });

  it('never ran two pollers for one agent', () => {
    for (const agentId of [a1, a2, a3, a4, a5]) expect(runningOf(agentId)).toHaveLength(1);
    // A restart's first invocation may overlap the stopped execution's last one (StopExecution does
    // not stop a running Lambda); the session's lease lets only one of them poll, so CXone never holds two.
    expect(simulator.stats().overlappingPolls).toBe(0);
  });
});
