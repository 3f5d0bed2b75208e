import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { waitFor } from './zero-loss.js';

/** Discovery on the twin: the real scheduled function, the simulator's agent-state delta, local SSM and Step Functions. */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const [a1, a2, a3, a4, excluded] = ['5100001', '5100002', '5100003', '5100004', '5100005'];

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: [a1, a2, a3, a4, excluded] as string[], seed: 12 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1, discoveryEnabled: true, excludeAgentIds: [excluded as string], handOverAfterPolls: 3 },
    // Runs only when the test asks (runSchedules), so each step is deterministic.
    scheduleEveryMs: 3_600_000,
  });
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

const executions = () => [...twin.stepFunctions.executions.values()];
const sessionsOf = (agentId: string) => executions().filter((execution) => execution.name.includes(`-${agentId}-`) && !/-g\d+$/.test(execution.name));
const cursorParameter = () => twin.stack.parameters[0]?.name as string;

describe('discovery', () => {
  it('starts exactly one poller per logged-in, included agent', async () => {
    for (const agentId of [a1, a2, a3, excluded] as string[]) simulator.loginAgent(agentId);
    await twin.runSchedules();
    expect([a1, a2, a3].map((agentId) => sessionsOf(agentId as string).length)).toEqual([1, 1, 1]);
    expect(sessionsOf(a4 as string)).toHaveLength(0);
    expect(JSON.parse(twin.ssm.get(cursorParameter()) as string)).toMatchObject({ lastPollTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), retry: [] });
  });

  it('never starts a second poller on repeated runs, even across hand-overs', async () => {
    await waitFor(() => executions().some((execution) => /-g2$/.test(execution.name)), 30_000, 'a hand-over');
    const snapshotsBefore = simulator.deliveredBatches().filter((batch) => batch.snapshot).length;
    simulator.enqueueEvents(a1 as string, [{ IISHost: 'S', VCHost: 'S', Type: 'Mute', AgentMuted: 'True' }]);
    await twin.runSchedules();
    await twin.runSchedules();
    expect([a1, a2, a3].map((agentId) => sessionsOf(agentId as string).length)).toEqual([1, 1, 1]);
    // No join disturbed a running poller: a join would make its next batch a snapshot.
    expect(simulator.deliveredBatches().filter((batch) => batch.snapshot).length).toBe(snapshotsBefore);
  });

  it('starts nothing new after the cursor is lost and every agent is read again', async () => {
    twin.ssm.put(cursorParameter(), 'none');
    await twin.runSchedules();
    expect([a1, a2, a3].map((agentId) => sessionsOf(agentId as string).length)).toEqual([1, 1, 1]);
  });

  it('gives an agent who logs out and in again a new poller', async () => {
    simulator.logoutAgent(a2 as string);
    await waitFor(
      () =>
        sessionsOf(a2 as string).every((execution) => execution.status !== 'RUNNING') &&
        !executions().some((execution) => execution.name.includes(`-${a2}-`) && execution.status === 'RUNNING'),
      30_000,
      'the first login ended',
    );
    simulator.loginAgent(a2 as string);
    simulator.loginAgent(a4 as string);
    await twin.runSchedules();
    expect(sessionsOf(a2 as string)).toHaveLength(2);
    expect(sessionsOf(a4 as string)).toHaveLength(1);
  });

  it('never polls an excluded agent', () => {
    expect(executions().some((execution) => execution.name.includes(`-${excluded}-`))).toBe(false);
    expect(simulator.deliveredBatches({ agentId: excluded as string })).toHaveLength(0);
  });
});
