import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';

/**
 * The real synthesized definition on the local engine, the real poller in-process, the simulator
 * over HTTP, the real SDK clients against the local endpoint.
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const onBus: EventBridgeEvent[] = [];
const lifecycleOnBus: EventBridgeEvent[] = [];

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 3, seed: 7 });
  // A 1 s hold keeps 304 loops quick.
  twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 } });
  twin.bus.onEvent((accepted) => {
    (isLifecycleDetailType(accepted.event['detail-type']) ? lifecycleOnBus : onBus).push(accepted.event);
  });
});

afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

type Detail = { metadata: { agentId: string; sequence: number; eventId: string; platformSessionId: string | null }; data: Record<string, unknown> };
const detailsOf = (agentId: string) => onBus.map((event) => event.detail as Detail).filter((detail) => detail.metadata.agentId === agentId);

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('one agent session on the local twin', () => {
  const agentId = '2103457';

  it('joins the logged-in agent and publishes the session start, then loops on 304 while quiet', async () => {
    // Prepare
    simulator.loginAgent(agentId);
    // Act
    const result = await twin.startSession(agentId);
    await waitFor(() => (twin.lambdaStats.results.get('NO_EVENTS') ?? 0) >= 2);
    // Assess
    expect(result.outcome).toBe('started');
    expect(result.executionName).toMatch(/^local-2103457-\d{8}T\d{9}Z$/);
    const execution = twin.stepFunctions.executions.get(result.executionArn as string);
    expect(execution?.status).toBe('RUNNING');
    expect(detailsOf(agentId).map((detail) => detail.data.Type)).toEqual(['AgentSessionStart', 'AgentLeg', 'AgentState', 'AgentLeg', 'AgentState']);
  });

  it('refuses a second poller for the same login', async () => {
    const again = await twin.startSession(agentId);
    expect(again.outcome).toBe('already-running');
    expect([...twin.stepFunctions.executions.values()].filter((execution) => execution.name === again.executionName)).toHaveLength(1);
  });

  it('publishes enqueued events in order with a sequence that increases by one', async () => {
    // Prepare
    const before = detailsOf(agentId).length;
    const events = Array.from({ length: 25 }, (_, n) => ({ IISHost: 'H', VCHost: 'H', type: 'CustomEvent', eventName: `step-${n}`, data: `payload ${n}` }));
    // Act
    simulator.enqueueEvents(agentId, events.slice(0, 12));
    await waitFor(() => detailsOf(agentId).length >= before + 12);
    simulator.enqueueEvents(agentId, events.slice(12));
    await waitFor(() => detailsOf(agentId).length >= before + 25);
    // Assess
    const details = detailsOf(agentId);
    expect(details.slice(before).map((detail) => detail.data)).toEqual(events);
    expect(details.map((detail) => detail.metadata.sequence)).toEqual(details.map((_, index) => index + 1));
    expect(new Set(details.map((detail) => detail.metadata.eventId)).size).toBe(details.length);
    expect(
      onBus
        .filter((event) => (event.detail as Detail).metadata.agentId === agentId)
        .every((event) => event['detail-type'] === ((event.detail as Detail).data.Type ?? (event.detail as Detail).data.type)),
    ).toBe(true);
  });

  it('polls each time with the sessionId the previous 200 returned', () => {
    const batches = simulator.deliveredBatches({ agentId });
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (let index = 1; index < batches.length; index++) {
      expect(batches[index]?.requestSessionId).toBe(batches[index - 1]?.responseSessionId);
    }
  });

  it('ends the execution successfully when the session ends', async () => {
    // Act
    simulator.logoutAgent(agentId);
    const execution = [...twin.stepFunctions.executions.values()].find((candidate) => candidate.name.includes(agentId));
    await execution?.done;
    // Assess
    expect(execution?.status).toBe('SUCCEEDED');
    expect(detailsOf(agentId).at(-1)?.data.Type).toBe('AgentSessionEnd');
    const emitted = simulator.emittedEvents({ agentId }).map((event) => event.event);
    expect(detailsOf(agentId).map((detail) => detail.data)).toEqual(emitted);
  });

  it('spends one billed state transition per poll', () => {
    const execution = [...twin.stepFunctions.executions.values()].find((candidate) => candidate.name.includes(agentId));
    const entries = execution?.history.filter((event) => event.type === 'StateEntered' && event.state.name === 'PollCxone').length ?? 0;
    const caught = execution?.history.filter((event) => event.type === 'StateCaught').map((event) => ('state' in event ? event.state.name : '')) ?? [];
    // Every poll is one entry into the task, which is its own Next. The end costs two more: the entry
    // that raises Loop.SessionEnded (caught once, nothing else caught) and the SessionEnded Succeed.
    expect(caught).toEqual(['PollCxone']);
    expect(execution?.transitions).toBe(entries + 1);
    expect(twin.lambdaStats.errors.get('Loop.SessionEnded')).toBeGreaterThanOrEqual(1);
  });
});

describe('lifecycle events', () => {
  it('announce the start and the end of polling with the reason', () => {
    const lifecycle = lifecycleOnBus.filter((event) => (event.detail as Detail).metadata.agentId === '2103457');
    expect(lifecycle[0]?.['detail-type']).toBe('CxoneEventBridge.PollingStarted');
    expect(lifecycle.at(-1)).toMatchObject({ 'detail-type': 'CxoneEventBridge.PollingEnded', detail: { data: { reason: 'agent-session-end' } } });
    expect(lifecycle.filter((event) => event['detail-type'] === 'CxoneEventBridge.PollingStarted')).toHaveLength(1);
  });
});

describe('a second agent', () => {
  it('gets its own execution and every event up to AgentSessionEnd', async () => {
    const agentId = '2103458';
    simulator.loginAgent(agentId);
    const { executionArn } = await twin.startSession(agentId);
    const execution = twin.stepFunctions.executions.get(executionArn as string);
    await waitFor(() => detailsOf(agentId).length >= 5);
    simulator.logoutAgent(agentId);
    await execution?.done;
    expect(execution?.status).toBe('SUCCEEDED');
    expect(detailsOf(agentId).map((detail) => detail.data)).toEqual(simulator.emittedEvents({ agentId }).map((event) => event.event));
  });
});
