import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { type CxoneSimulator, type Fault, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import type { LocalExecution } from '../../local/stepfunctions/local-step-functions.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { type Accounting, accountFor, type EventDetail, parkedItems, waitFor } from './zero-loss.js';

/**
 * Every fault the poller can meet, on the real definition and handler against the simulator: every
 * event CXone handed over ends on the bus or parked whole in the large-event bucket, and the execution survives or
 * ends with the documented error.
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const onBus: EventBridgeEvent[] = [];
const lifecycleOnBus: EventBridgeEvent[] = [];
const lifecycleFor = (agentId: string) => lifecycleOnBus.filter((event) => (event.detail as EventDetail).metadata.agentId === agentId);
let nextAgentId = 3100001;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 21 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1 },
    waitMs: 50,
  });
  twin.bus.onEvent((accepted) => {
    if (!isLifecycleDetailType(accepted.event['detail-type'])) onBus.push(accepted.event);
    else lifecycleOnBus.push(accepted.event);
  });
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

const busDetails = (agentId: string) => onBus.map((event) => event.detail as EventDetail).filter((detail) => detail.metadata.agentId === agentId);
const parkedFor = (agentId: string) => parkedItems(twin).filter((item) => item.agentId === agentId);

const ordinaryEvents = (agentId: string) =>
  Array.from({ length: 10 }, (_, n) => ({ IISHost: 'SIM', VCHost: 'SIM', type: 'CustomEvent', eventName: `agent-${agentId}-step-${n}`, data: `payload ${n}` }));

interface CaseResult {
  agentId: string;
  execution: LocalExecution;
  figures: Accounting;
}

/**
 * Logs a fresh agent in, starts its poller, lets `act` inject the fault and queue events, then ends
 * the session (unless the fault ends the execution) and accounts for every event.
 */
async function runCase(act: (agentId: string) => void | Promise<void>, options: { endsInFailure?: boolean } = {}): Promise<CaseResult> {
  const agentId = String(nextAgentId++);
  simulator.loginAgent(agentId);
  const { executionArn } = await twin.startSession(agentId);
  const execution = twin.stepFunctions.executions.get(executionArn as string) as LocalExecution;
  await waitFor(() => busDetails(agentId).length >= 5, 20_000, 'login events on the bus');
  await act(agentId);
  if (!options.endsInFailure) {
    const delivered = () => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined);
    await waitFor(() => delivered() && execution.status === 'RUNNING' && twin.stepFunctions.executions.size > 0, 60_000, 'all events delivered');
    simulator.logoutAgent(agentId);
  }
  await Promise.race([execution.done, new Promise((resolve) => setTimeout(resolve, 90_000))]);
  if (options.endsInFailure) simulator.logoutAgent(agentId);
  return { agentId, execution, figures: accountFor(simulator, twin, onBus, [agentId]) };
}

function expectNothingLost({ figures }: CaseResult): void {
  expect(figures.lost).toBe(0);
  expect(figures.duplicatesWithoutEarlierId).toBe(0);
  expect(figures.onBus + figures.parked).toBeGreaterThanOrEqual(figures.emitted);
}

describe('faults on get-next-event', () => {
  it.each<[string, Fault, number]>([
    ['HTTP 503 with Retry-After', { status: 503, retryAfterSeconds: 1 }, 2],
    ['HTTP 429', { status: 429 }, 2],
    ['HTTP 500', { status: 500 }, 3],
    ['a dropped connection', { drop: true }, 2],
    ['a slow answer near the hold time', { delayMs: 900 }, 2],
  ])('survives %s and loses nothing', async (_, fault, count) => {
    const result = await runCase((agentId) => {
      simulator.injectFault({ agentId, count, fault });
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expectNothingLost(result);
    expect(result.figures).toMatchObject({ parked: 0, duplicates: 0, onBus: result.figures.emitted });
  });

  it('refreshes an expired token mid-stream', async () => {
    const tokensBefore = simulator.stats().tokenRequests;
    const result = await runCase((agentId) => {
      simulator.expireTokens();
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(simulator.stats().tokenRequests).toBeGreaterThan(tokensBefore);
    expectNothingLost(result);
    expect(result.figures.duplicates).toBe(0);
  });

  it('rejoins after a 404 and marks the snapshot restatements as duplicates of earlier ids', async () => {
    const result = await runCase((agentId) => {
      simulator.injectFault({ agentId, count: 1, fault: { status: 404 } });
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expectNothingLost(result);
    const details = busDetails(result.agentId);
    expect(details.map((detail) => detail.metadata.sequence)).toEqual(details.map((_, index) => index + 1));
  });

  it('parks an unreadable 200 body with its reason, resyncs, and loses no event', async () => {
    const result = await runCase((agentId) => {
      simulator.injectFault({ agentId, count: 1, fault: { status: 200, body: '<html>502 Bad Gateway</html>' } });
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(parkedFor(result.agentId)).toEqual([
      expect.objectContaining({ reason: 'MALFORMED_BATCH', payload: '<html>502 Bad Gateway</html>', truncated: false }),
    ]);
    expectNothingLost(result);
  });

  it('refuses a huge body without buffering it, parks its head and resyncs', async () => {
    const result = await runCase((agentId) => {
      simulator.injectFault({ agentId, count: 1, fault: { status: 200, body: `{"sessionId":"x","events":[${'"x",'.repeat(1_600_000)}"x"]}` } });
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(parkedFor(result.agentId)).toEqual([
      expect.objectContaining({ reason: 'MALFORMED_BATCH', truncated: true, detail: expect.stringMatching(/over 5242880 bytes/) }),
    ]);
    expectNothingLost(result);
  });

  it.each<[string, number]>([
    ['400', 400],
    ['403', 403],
  ])('backs off slowly on HTTP %s instead of ending, says why, and heals once CXone accepts again', async (_, status) => {
    const result = await runCase((agentId) => {
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId).slice(0, 3));
      simulator.injectFault({ agentId, count: 1, fault: { status } });
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    const lifecycle = lifecycleFor(result.agentId);
    expect(lifecycle.map((event) => event['detail-type'])).toEqual(
      expect.arrayContaining(['CxoneEventBridge.PollingDegraded', 'CxoneEventBridge.PollingRecovered']),
    );
    const degraded = lifecycle.find((event) => event['detail-type'] === 'CxoneEventBridge.PollingDegraded');
    expect((degraded?.detail as { data: unknown } | undefined)?.data).toMatchObject({
      faultClass: 'refused',
      reason: expect.stringMatching(new RegExp(`^CxoneRequestRejectedError: .*HTTP ${status}`)),
    });
    expectNothingLost(result);
  });
});

describe('odd events', () => {
  it('publishes events without a Type, of unknown types and with unexpected value types as they came', async () => {
    const odd = [
      { IISHost: 'SIM', VCHost: 'SIM', Status: 'Active' },
      { IISHost: 'SIM', VCHost: 'SIM', Type: 'HolographicContactEvent', ContactID: '1', Depth: 3 },
      { IISHost: 'SIM', VCHost: 'SIM', Type: 'AgentState', CurrentState: null, IsAcw: true, NextStates: 'none', StartTimeUTC: 17 },
    ];
    const result = await runCase((agentId) => void simulator.enqueueEvents(agentId, odd));
    expect(result.execution.status).toBe('SUCCEEDED');
    const published = onBus.filter((event) => (event.detail as EventDetail).metadata.agentId === result.agentId);
    expect(published.map((event) => event['detail-type'])).toEqual(expect.arrayContaining(['UntypedCxoneEvent', 'HolographicContactEvent']));
    expect(busDetails(result.agentId).map((detail) => detail.data)).toEqual(expect.arrayContaining(odd));
    expectNothingLost(result);
  });

  it('publishes an event of 300 KB whole, under the 1 MB entry limit, with the rest of its batch', async () => {
    const big = { IISHost: 'SIM', VCHost: 'SIM', type: 'CustomEvent', eventName: 'big', data: 'x'.repeat(300 * 1024) };
    const result = await runCase(
      (agentId) => void simulator.enqueueEvents(agentId, [...ordinaryEvents(agentId).slice(0, 2), big, ...ordinaryEvents(agentId).slice(2, 4)]),
    );
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(parkedFor(result.agentId)).toEqual([]);
    expect(busDetails(result.agentId).map((detail) => detail.data)).toContainEqual(big);
    expectNothingLost(result);
  });
});

describe('faults on EventBridge', () => {
  it('retries whole PutEvents calls that fail', async () => {
    const result = await runCase((agentId) => {
      twin.bus.injectFault({ kind: 'call', errorType: 'ThrottlingException', message: 'Rate exceeded', statusCode: 400 }, 4);
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expectNothingLost(result);
    expect(result.figures).toMatchObject({ parked: 0, onBus: result.figures.emitted });
  });

  it('retries only the entries that failed', async () => {
    const result = await runCase((agentId) => {
      twin.bus.injectFault({ kind: 'entries', errorCode: 'InternalFailure', every: 2 }, 3);
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expectNothingLost(result);
    expect(result.figures).toMatchObject({ parked: 0, duplicates: 0 });
  });

  it('keeps events in the checkpoint store while EventBridge stays down, polls on, and publishes them in order once it accepts', async () => {
    const result = await runCase(async (agentId) => {
      twin.bus.injectFault({ kind: 'call', errorType: 'InternalException', message: 'down', statusCode: 500 }, 1_000);
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
      const polls = simulator.stats().polls.total;
      // Well past the old 3-attempt parking point: refused events are no longer parked.
      await waitFor(() => simulator.stats().polls.total >= polls + 6, 60_000, 'polling on during the outage');
      twin.bus.clearFaults();
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(parkedFor(result.agentId)).toEqual([]);
    expectNothingLost(result);
    const details = busDetails(result.agentId);
    expect(details.map((detail) => detail.metadata.sequence)).toEqual(details.map((_, index) => index + 1));
  });

  it('keeps events in the checkpoint store while both EventBridge and the parking store are down', async () => {
    const result = await runCase(async (agentId) => {
      twin.bus.injectFault({ kind: 'call', errorType: 'InternalException', message: 'down', statusCode: 500 }, 1_000);
      twin.s3.failNext(1_000);
      simulator.enqueueEvents(agentId, ordinaryEvents(agentId));
      const polls = simulator.stats().polls.total;
      await waitFor(() => simulator.stats().polls.total >= polls + 5, 60_000, 'several polls during the outage');
      twin.bus.clearFaults();
      twin.s3.failNext(-1_000);
    });
    expect(result.execution.status).toBe('SUCCEEDED');
    expectNothingLost(result);
    expect(result.figures).toMatchObject({ lost: 0 });
  });
});

describe('the whole matrix', () => {
  it('never ran two pollers for one session', () => {
    expect(twin.maxConcurrentPollsPerAgent()).toBe(1);
  });
});
