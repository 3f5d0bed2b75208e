import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { eventIdOf } from '../../contract/envelope.js';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import type { LegacyPollStateSchema, PollState } from '../../contract/poll-state.js';
import type { CxoneAgentApi } from '../../lambdas/cxone/agent-api.js';
import { createCxoneClient } from '../../lambdas/cxone/client-factory.js';
import { DynamoDbCheckpointStore } from '../../lambdas/poll-session/dynamodb-checkpoint-store.js';
import { PollerEnvironmentSchema } from '../../lambdas/poll-session/environment.js';
import { createPollHandler, type PollHandler } from '../../lambdas/poll-session/poll-handler.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import type { LocalExecution } from '../../local/stepfunctions/local-step-functions.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { accountFor, type EventDetail, waitFor } from './zero-loss.js';

/**
 * The per-session checkpoint store on the twin: the real definition and handler, the simulator over
 * HTTP, and dynalite serving the DynamoDB API on loopback (the table created from the template).
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
let operator: CxoneAgentApi;
const onBus: EventBridgeEvent[] = [];
let nextAgentId = 4200001;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 33 });
  twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 }, waitMs: 50 });
  twin.bus.onEvent((accepted) => {
    if (!isLifecycleDetailType(accepted.event['detail-type'])) onBus.push(accepted.event);
  });
  operator = createCxoneClient(simulator);
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

const details = (agentId: string) => onBus.map((event) => event.detail as EventDetail).filter((detail) => detail.metadata.agentId === agentId);
const sequences = (agentId: string) => details(agentId).map((detail) => detail.metadata.sequence);
const gapFree = (agentId: string) => [...new Set(sequences(agentId))].sort((a, b) => a - b).every((sequence, index) => sequence === index + 1);
const eventsOfSize = (agentId: string, count: number, bytes: number) =>
  Array.from({ length: count }, (_, n) => ({
    IISHost: 'SIM',
    VCHost: 'SIM',
    type: 'CustomEvent',
    eventName: `agent-${agentId}-big-${n}`,
    data: `${n}:`.padEnd(bytes, 'x'),
  }));

/** The twin's poller handler, called directly as Lambda would, so a test can lose its result. */
function pollerHandler(): { handler: PollHandler; invoke: (state: unknown, executionName: string) => Promise<PollState> } {
  const fn = twin.stack.functions.find((candidate) => candidate.path.includes('/SessionPoller/'));
  if (!fn) throw new Error('no poller in the template');
  const handler = createPollHandler(PollerEnvironmentSchema.parse(fn.environment));
  return {
    handler,
    invoke: (state, executionName) => {
      const deadline = Date.now() + fn.timeoutSeconds * 1000;
      return handler({ state, executionName }, { getRemainingTimeInMillis: () => deadline - Date.now() }) as Promise<PollState>;
    },
  };
}

function stateBytesOf(execution: LocalExecution): number[] {
  return execution.history.flatMap((event) => {
    const output = (event as { state?: { output?: unknown } }).state?.output;
    return output === undefined ? [] : [Buffer.byteLength(JSON.stringify(output))];
  });
}

describe('an answered poll is durable before anything else', () => {
  it("resumes from the checkpoint when a poll's result is lost after it ran: no re-poll with the consumed cursor, same ids, nothing lost", async () => {
    // Prepare: a session polled once by the real handler.
    const agentId = String(nextAgentId++);
    const executionName = `local-${agentId}-20250312T140001000Z`;
    simulator.loginAgent(agentId);
    const { invoke } = pollerHandler();
    const first = await invoke({ agentId }, executionName);
    simulator.enqueueEvents(agentId, eventsOfSize(agentId, 10, 100));
    const answered = await invoke(first, executionName);
    const afterAnswer = { bus: details(agentId).length, snapshots: simulator.stats().snapshotEventsDelivered };
    // Act: the Lambda's result never reached Step Functions; the Retry sends the same input again.
    const retried = await invoke(first, executionName);
    // Assess
    expect(answered.status).toBe('EVENTS');
    expect(retried.sequence).toBe(answered.sequence);
    expect(simulator.stats().snapshotEventsDelivered).toBe(afterAnswer.snapshots);
    expect(details(agentId)).toHaveLength(afterAnswer.bus);
    simulator.logoutAgent(agentId);
    let state = retried;
    while (state.status !== 'ENDED') state = await invoke(state, executionName);
    expect(accountFor(simulator, twin, onBus, [agentId])).toMatchObject({ lost: 0, duplicates: 0, duplicatesWithoutEarlierId: 0 });
    expect(gapFree(agentId)).toBe(true);
  });

  it('keeps the final batch at logout when the invocation that took it is retried', async () => {
    // Prepare: the invocation that receives the final batch checkpoints it, then EventBridge fails it.
    const agentId = String(nextAgentId++);
    const executionName = `local-${agentId}-20250312T140001000Z`;
    simulator.loginAgent(agentId);
    const { invoke } = pollerHandler();
    let state = await invoke({ agentId }, executionName);
    simulator.enqueueEvents(agentId, eventsOfSize(agentId, 5, 100));
    simulator.logoutAgent(agentId);
    twin.bus.injectFault({ kind: 'call', errorType: 'InternalException', message: 'down', statusCode: 500 }, 1_000);
    const lastInput = state;
    state = await invoke(lastInput, executionName);
    const pollsBeforeRetry = simulator.stats().polls.total;
    twin.bus.clearFaults();
    // Act: its result is lost; the retry gets the same input, after CXone has forgotten the session.
    const retried = await invoke(lastInput, executionName);
    // Assess
    expect(state.status).toBe('PUBLISH_PENDING');
    expect(retried.status).toBe('ENDED');
    expect(simulator.stats().polls.total).toBe(pollsBeforeRetry);
    expect(
      details(agentId)
        .map((detail) => (detail.data as { Type?: string }).Type)
        .at(-1),
    ).toBe('AgentSessionEnd');
    expect(accountFor(simulator, twin, onBus, [agentId])).toMatchObject({ lost: 0, duplicatesWithoutEarlierId: 0 });
    expect(gapFree(agentId)).toBe(true);
  });
});

describe('never past the Step Functions payload limit', () => {
  it('keeps a 480 KB batch that arrives while EventBridge refuses in the store, polls on, and delivers it whole and in order afterwards', async () => {
    // Prepare
    const agentId = String(nextAgentId++);
    simulator.loginAgent(agentId);
    const { executionArn } = await twin.startSession(agentId);
    const execution = twin.stepFunctions.executions.get(executionArn as string) as LocalExecution;
    await waitFor(() => details(agentId).length >= 5, 20_000, 'login events on the bus');
    const big = eventsOfSize(agentId, 12, 40 * 1024);
    // Act: EventBridge refuses every call while the batch arrives and for several polls after.
    twin.bus.injectFault({ kind: 'call', errorType: 'InternalException', message: 'down', statusCode: 500 }, 100_000);
    simulator.enqueueEvents(agentId, big);
    await waitFor(() => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined), 30_000, 'batch handed over');
    const pollsAtDelivery = simulator.stats().polls.total;
    await waitFor(() => simulator.stats().polls.total >= pollsAtDelivery + 3, 30_000, 'the loop polling on during the outage');
    const store = new DynamoDbCheckpointStore(twin.dynamodb.client, twin.sessionTableName);
    const checkpoint = await store.load(execution.name);
    const waiting = checkpoint ? await store.backlog(execution.name, checkpoint.publishedThrough, checkpoint.sequence, 100 * 1024 * 1024) : [];
    twin.bus.clearFaults();
    await waitFor(() => details(agentId).length >= 5 + big.length, 30_000, 'the batch on the bus');
    simulator.logoutAgent(agentId);
    await Promise.race([execution.done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    // Assess
    expect(waiting.map((event) => event.data)).toEqual(big);
    expect(execution.status).toBe('SUCCEEDED');
    expect(twin.lambdaStats.errors.get('States.DataLimitExceeded') ?? 0).toBe(0);
    expect(Math.max(...stateBytesOf(execution))).toBeLessThan(1_024);
    const published = details(agentId).filter((detail) => (detail.data as { type?: string }).type === 'CustomEvent');
    expect(published.map((detail) => detail.data)).toEqual(big);
    expect(gapFree(agentId)).toBe(true);
    expect(accountFor(simulator, twin, onBus, [agentId])).toMatchObject({ lost: 0, parked: 0, duplicatesWithoutEarlierId: 0 });
  });
});

describe('deploys never break running sessions', () => {
  it('continues executions whose state has the shape of the build before version 2 to a clean end, losing nothing', async () => {
    // Prepare: two sessions as the previous build left them mid-flight. That build kept the cursor,
    // the sequence and the events EventBridge had refused (`pending`) in the state.
    const sessions = await Promise.all(
      [0, 1].map(async (withPending) => {
        const agentId = String(nextAgentId++);
        simulator.loginAgent(agentId);
        const cursor = await operator.joinSession(agentId);
        const answer = await operator.getNextEvent(cursor, 0, 10_000);
        if (answer.kind !== 'events') throw new Error('expected the join snapshot');
        const received = answer.response.events.map((data, index) => ({
          sequence: index + 1,
          platformSessionId: null,
          receivedAt: new Date().toISOString(),
          data,
        }));
        // The old build had published the first events and kept the rest pending, or published them all.
        const pending = withPending ? received.slice(2) : [];
        for (const event of received.slice(0, received.length - pending.length)) {
          onBus.push({
            // The earlier build derived the eventId as this build does (contract/envelope.ts): a repeat carries it.
            detail: {
              metadata: { agentId, sequence: event.sequence, eventId: eventIdOf(event, { tenant: twin.tenant, agentId }), platformSessionId: null },
              data: event.data,
            },
          } as unknown as EventBridgeEvent);
        }
        const oldState: z.input<typeof LegacyPollStateSchema> = {
          agentId,
          sessionId: answer.response.sessionId,
          platformSessionId: null,
          sequence: received.length,
          pending,
          publishAttempts: pending.length > 0 ? 1 : 0,
          sessionEnded: false,
          polls: 12,
          resyncs: 0,
          announced: true,
          lastActivityAt: Date.now(),
          status: pending.length > 0 ? 'PUBLISH_PENDING' : 'EVENTS',
        };
        return { agentId, oldState, pending: pending.length };
      }),
    );
    // Act: the running executions reach the new handler with their old state.
    const executions = sessions.map(({ agentId, oldState }) =>
      twin.stepFunctions.startExecution(twin.stack.stateMachine.arn, `local-${agentId}-20250312T140001000Z`, JSON.stringify(oldState)),
    );
    for (const { agentId } of sessions) simulator.enqueueEvents(agentId, eventsOfSize(agentId, 6, 200));
    await waitFor(
      () => sessions.every(({ agentId }) => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined)),
      30_000,
      'all handed over',
    );
    await waitFor(() => sessions.every(({ agentId }) => details(agentId).length >= simulator.emittedEvents({ agentId }).length), 30_000, 'all on the bus');
    for (const { agentId } of sessions) simulator.logoutAgent(agentId);
    const ran = executions.map(({ executionArn }) => twin.stepFunctions.executions.get(executionArn) as LocalExecution);
    await Promise.race([Promise.all(ran.map((execution) => execution.done)), new Promise((resolve) => setTimeout(resolve, 30_000))]);
    // Assess
    expect(sessions.map(({ pending }) => pending > 0)).toEqual([false, true]);
    expect(ran.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const { agentId } of sessions) {
      expect(gapFree(agentId)).toBe(true);
      expect(accountFor(simulator, twin, onBus, [agentId])).toMatchObject({ lost: 0, duplicatesWithoutEarlierId: 0 });
    }
    // The migrated state no longer carries events, only the version.
    expect(ran.every((execution) => JSON.parse(execution.output ?? '{}').v === 2)).toBe(true);
  });
});
