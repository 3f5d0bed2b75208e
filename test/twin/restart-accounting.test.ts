import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryOutcome } from '../../lambdas/discovery/discover-sessions.js';
import { executionNameFor } from '../../lambdas/sessions/execution-name.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { busyEvents, detailOf, executionsOf, type OutageRun, recordBus } from './outage-run.js';
import { accountFor, cxoneEvents, distinctSequences, oneEventIdPerSequence, waitFor } from './zero-loss.js';

/**
 * Pollers that ended abnormally in the middle of busy sessions (stopped by hand, failed as on a
 * terminal limit, all of them gone after an outage), then restarted by discovery's first run, which
 * has lost its cursor too: every event CXone handed over reaches the bus, duplicates only under the
 * same eventId, sequence gap-free across the restart (the restart resumes the login's checkpoint).
 */
const [stoppedAgent, failedAgent, quietAgent] = ['5300001', '5300002', '5300003'] as const;
const agentIds = [stoppedAgent, failedAgent, quietAgent];
let simulator: CxoneSimulator;
let twin: LocalTwin;
let sfn: SFNClient;
let received: OutageRun['received'];

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: agentIds, seed: 59 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 2, discoveryEnabled: true },
    // Discovery runs only when the test asks (runDiscovery).
    scheduleEveryMs: 3_600_000,
  });
  received = recordBus(twin);
  sfn = new SFNClient({});
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

const running = (agentId: string) => executionsOf(twin, agentId).filter((execution) => execution.status === 'RUNNING');
const delivered = (agentId: string) => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined);

async function runDiscovery(): Promise<DiscoveryOutcome> {
  const results = await twin.runSchedules();
  const outcome = results.find((result): result is DiscoveryOutcome => typeof result === 'object' && result !== null && 'mode' in result);
  if (!outcome) throw new Error('discovery did not run');
  return outcome;
}

describe('restarted pollers lose nothing', () => {
  it("resumes each login stopped by hand, failed, or ended by an outage from its checkpoint at discovery's first run after it", {
    timeout: 240_000,
  }, async () => {
    // Prepare: three busy sessions started by discovery, their first events on the bus.
    const bases = new Map(agentIds.map((agentId) => [agentId, executionNameFor(twin.tenant, agentId, simulator.loginAgent(agentId).sessionStartTime)]));
    expect((await runDiscovery()).started.sort()).toEqual([...bases.values()].sort());
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'before', 5));
    await waitFor(() => agentIds.every(delivered), 60_000, 'events before delivered');

    // Act: one poller stopped by hand, one failed as the service fails an execution on a terminal
    // limit (no Catch), the third gone as well (an outage ended them all); the agents keep working.
    for (const agentId of [stoppedAgent, quietAgent]) {
      for (const execution of running(agentId)) await sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn, cause: 'operator' }));
    }
    for (const execution of running(failedAgent)) twin.stepFunctions.failExecution(execution.executionArn, 'States.DataLimitExceeded', 'injected');
    expect(agentIds.flatMap(running)).toEqual([]);
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'while-stopped', 5));
    // Discovery's first run after the outage: its cursor is gone too, so it reads every agent.
    twin.ssm.put(twin.stack.parameters[0]?.name as string, 'none');
    const outcome = await runDiscovery();
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'after', 5));
    await waitFor(() => agentIds.every(delivered), 60_000, 'every event delivered');
    for (const agentId of agentIds) simulator.logoutAgent(agentId);
    await waitFor(() => agentIds.flatMap(running).length === 0, 60_000, 'sessions ended');

    // Assess: one restart per login, each ending cleanly.
    expect(outcome.mode).toBe('reconcile');
    expect(
      outcome.restarted
        .map(({ agentId, execution, previous }) => ({ agentId, execution, status: previous.status }))
        .sort((a, b) => a.agentId.localeCompare(b.agentId)),
    ).toEqual([
      { agentId: stoppedAgent, execution: `${bases.get(stoppedAgent)}-r1`, status: 'ABORTED' },
      { agentId: failedAgent, execution: `${bases.get(failedAgent)}-r1`, status: 'FAILED' },
      { agentId: quietAgent, execution: `${bases.get(quietAgent)}-r1`, status: 'ABORTED' },
    ]);
    for (const agentId of agentIds) {
      expect(executionsOf(twin, agentId).at(-1)?.status).toBe('SUCCEEDED');
      const details = cxoneEvents(received.map(({ event }) => event))
        .map(detailOf)
        .filter((detail) => detail.metadata.agentId === agentId);
      const distinct = distinctSequences(details);
      expect(distinct).toEqual(distinct.map((_, index) => index + 1));
      expect(oneEventIdPerSequence(details)).toBe(true);
    }
    const figures = accountFor(simulator, twin, cxoneEvents(received.map(({ event }) => event)), agentIds);
    expect(figures).toMatchObject({ lost: 0, parked: 0, duplicatesWithoutEarlierId: 0 });
    // Never two pollers: the restart's first poll and a stopped execution's last one share the lease.
    expect(simulator.stats().overlappingPolls).toBe(0);
  });
});
