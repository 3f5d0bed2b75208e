import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import type { CxoneAgentApi } from '../../lambdas/cxone/agent-api.js';
import { createCxoneAuth, createCxoneClient } from '../../lambdas/cxone/client-factory.js';
import { DynamoDbCheckpointStore } from '../../lambdas/poll-session/dynamodb-checkpoint-store.js';
import { createPollHandler } from '../../lambdas/poll-session/poll-handler.js';
import { logger } from '../../lambdas/shared/logger.js';
import { metrics } from '../../lambdas/shared/metrics.js';
import type { LocalDynamoDb } from '../../local/aws/local-dynamodb.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { startCheckpointTable } from './checkpoint-table.js';

/** The handler's own wiring, with the AWS SDK clients mocked and CXone played by the simulator. */
const eventBridge = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cxone-eventbridge/acme';
const TOKEN_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SharedTokenSecret-AbCdEf';
const context = { getRemainingTimeInMillis: () => 60_000 };
let simulator: CxoneSimulator;
let cxone: CxoneAgentApi;
/** The checkpoint store is not mocked: the handler's DynamoDB client reaches dynalite. */
let dynamo: LocalDynamoDb;
const TABLE = 'poll-handler-checkpoints';

beforeAll(async () => {
  dynamo = await startCheckpointTable(TABLE);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  simulator = await startCxoneSimulator({ agents: 2, seed: 11 });
  cxone = createCxoneClient(simulator);
});
afterAll(async () => {
  await simulator?.close();
  await dynamo?.close();
});
beforeEach(() => {
  eventBridge.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify(simulator.credentials) });
  // No shared token yet (the stack's placeholder): the handler grants its own.
  secrets.on(GetSecretValueCommand, { SecretId: TOKEN_SECRET_ARN }).resolves({ SecretString: 'placeholder' });
});

const handler = () =>
  createPollHandler({
    TENANT: 'acme',
    CXONE_ISSUER_URL: simulator.issuerUrl,
    CXONE_SECRET_ID: SECRET_ARN,
    TOKEN_SECRET_ID: TOKEN_SECRET_ARN,
    EVENT_BUS_NAME: 'cxone-agent-events-acme',
    EVENT_SOURCE: 'cxone.agent-events',
    POLL_TIMEOUT_SECONDS: 1,
    PUBLISH_RESERVE_MS: 5_000,
    LARGE_EVENT_BUCKET: 'cxone-eventbridge-acme-large-events',
    SESSION_TABLE_NAME: TABLE,
    HAND_OVER_AFTER_POLLS: 2_000,
    HEARTBEAT_SECONDS: 300,
  });

let logins = 0;
/** Each test is its own login: its own checkpoint. */
const invocation = (state: Record<string, unknown>) => ({
  state,
  executionName: `acme-${String(state.agentId)}-20250312T1400${String(++logins).padStart(2, '0')}000Z`,
});

/** Logs the agent in and joins for a cursor, as the session command does. */
async function loggedInCursor(agentId: string): Promise<string> {
  simulator.loginAgent(agentId);
  return cxone.joinSession(agentId);
}

describe('poll handler', () => {
  it("uses the tenant's shared token instead of asking CXone for one", async () => {
    // Prepare: a shared token the refresher stored.
    const issued = await createCxoneAuth(simulator).access();
    secrets.on(GetSecretValueCommand, { SecretId: TOKEN_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ ...issued, issuedAt: Date.now() }) });
    eventBridge
      .on(PutEventsCommand)
      .callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => ({ FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: 'e' })) }));
    const cursor = await loggedInCursor('2103457');
    const tokensBefore = simulator.stats().tokenRequests;
    // Act
    const state = await handler()(invocation({ agentId: '2103457', sessionId: cursor }), context);
    // Assess
    expect(state.status).toBe('EVENTS');
    expect(simulator.stats().tokenRequests).toBe(tokensBefore);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([TOKEN_SECRET_ARN]);
    simulator.logoutAgent('2103457');
  });

  it('reads credentials from the configured secret and puts the events on the configured bus', async () => {
    // Prepare
    const sent: PutEventsRequestEntry[] = [];
    eventBridge.on(PutEventsCommand).callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => {
      sent.push(...Entries.filter((entry) => !isLifecycleDetailType(entry.DetailType)));
      return { FailedEntryCount: 0, Entries: Entries.map((_, i) => ({ EventId: `e${i}` })) };
    });
    // Act
    const state = await handler()(invocation({ agentId: '2103457', sessionId: await loggedInCursor('2103457') }), context);
    // Assess
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([TOKEN_SECRET_ARN, SECRET_ARN]);
    expect(state).toMatchObject({ v: 2, status: 'EVENTS', sequence: sent.length });
    expect(sent.map((entry) => entry.DetailType).slice(0, 1)).toEqual(['AgentSessionStart']);
    expect(sent.every((entry) => entry.EventBusName === 'cxone-agent-events-acme' && entry.Source === 'cxone.agent-events')).toBe(true);
    simulator.logoutAgent('2103457');
  });

  it('keeps the entries PutEvents kept failing in the checkpoint store, not in the state, with the rotated cursor', async () => {
    // Prepare: entries of AgentState type always fail.
    const accepted: PutEventsRequestEntry[] = [];
    eventBridge.on(PutEventsCommand).callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => {
      const results = Entries.map((entry) =>
        entry.DetailType === 'AgentState' ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: 'ok' },
      );
      accepted.push(...Entries.filter((entry) => entry.DetailType !== 'AgentState' && !isLifecycleDetailType(entry.DetailType)));
      return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
    });
    const cursor = await loggedInCursor('2103458');
    // Act
    const input = invocation({ agentId: '2103458', sessionId: cursor });
    const state = await handler()(input, context);
    // Assess
    expect(state.status).toBe('EVENTS');
    expect(state).not.toHaveProperty('sessionId');
    expect(JSON.stringify(state)).not.toContain('AgentState');
    const store = new DynamoDbCheckpointStore(dynamo.client, TABLE);
    const checkpoint = await store.load(input.executionName);
    expect(checkpoint?.cursor).not.toBe(cursor);
    // What EventBridge refused waits in the store; what it accepted is not kept (or sent) again.
    const waiting = await store.backlog(input.executionName, checkpoint?.publishedThrough ?? 0, state.sequence, 10_000_000);
    expect(waiting.map((event) => (event.data as { Type?: string }).Type)).toEqual(['AgentState', 'AgentState']);
    expect(waiting.length + accepted.length).toBe(state.sequence);
    simulator.logoutAgent('2103458');
  });

  it('runs in fault mode when the Catch set $.fault: backs off without polling, then recovers on the next poll that works', async () => {
    // Prepare
    const detailTypes: string[] = [];
    eventBridge.on(PutEventsCommand).callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => {
      detailTypes.push(...Entries.map((entry) => entry.DetailType ?? ''));
      return { FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: 'e' })) };
    });
    // The session has a checkpoint (its first poll worked): lifecycle events are numbered from it.
    const first = invocation({ agentId: '2103459', sessionId: await loggedInCursor('2103459') });
    const again = (state: Record<string, unknown>) => ({ state, executionName: first.executionName });
    const polling = await handler()(first, context);
    detailTypes.length = 0;
    simulator.enqueueEvents('2103459', [{ IISHost: 'S', VCHost: 'S', Type: 'Mute', AgentMuted: 'True' }]);
    const pollsBefore = simulator.stats().polls.total;
    const fault = {
      Error: 'CxoneUnavailableError',
      Cause: JSON.stringify({ errorType: 'CxoneUnavailableError', errorMessage: 'CXone get-next-event answered HTTP 503', trace: [] }),
    };
    // Act
    const backingOff = await handler()({ ...again({ ...polling, historyEvents: 40, fault }), retryCount: 1 }, context);
    const recovered = await handler()(again({ ...backingOff, status: 'BACK_OFF' }), context);
    // Assess
    expect(backingOff).toMatchObject({
      status: 'BACK_OFF',
      degraded: { faults: 1, faultClass: 'transient', reason: 'CxoneUnavailableError: CXone get-next-event answered HTTP 503' },
    });
    expect(backingOff.backOffSeconds).toBeGreaterThanOrEqual(1);
    expect(backingOff).not.toHaveProperty('fault');
    expect(backingOff.historyEvents).toBeGreaterThan(40);
    expect(recovered.status).toBe('EVENTS');
    expect(recovered).not.toHaveProperty('degraded');
    expect(simulator.stats().polls.total - pollsBefore).toBe(1);
    expect(detailTypes.filter(isLifecycleDetailType)).toEqual(['CxoneEventBridge.PollingDegraded', 'CxoneEventBridge.PollingRecovered']);
    simulator.logoutAgent('2103459');
  });

  it("announces PollingDegraded when the session's very first poll fails, numbered before any checkpoint exists", async () => {
    // Prepare: the first invocation could not join (CXone down), so no checkpoint exists yet.
    const published: { detailType: string; sequence: unknown }[] = [];
    eventBridge.on(PutEventsCommand).callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => {
      for (const entry of Entries)
        published.push({ detailType: entry.DetailType ?? '', sequence: JSON.parse(entry.Detail ?? '{}').metadata?.lifecycleSequence });
      return { FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: 'e' })) };
    });
    await loggedInCursor('2103460');
    const first = invocation({ agentId: '2103460' });
    const again = (state: Record<string, unknown>) => ({ state, executionName: first.executionName });
    const fault = {
      Error: 'CxoneUnavailableError',
      Cause: JSON.stringify({ errorType: 'CxoneUnavailableError', errorMessage: 'CXone join answered HTTP 503', trace: [] }),
    };

    // Act: the fault mode, then the next poll, which joins and works.
    const backingOff = await handler()(again({ agentId: '2103460', fault }), context);
    const recovered = await handler()(again({ ...backingOff, status: 'BACK_OFF' }), context);

    // Assess: both lifecycle events went out, in one series that the checkpoint then continues.
    expect(backingOff).toMatchObject({ status: 'BACK_OFF', degraded: { faults: 1 } });
    expect(recovered).not.toHaveProperty('degraded');
    const lifecycle = published.filter((event) => isLifecycleDetailType(event.detailType));
    expect(lifecycle[0]?.detailType).toBe('CxoneEventBridge.PollingDegraded');
    expect(lifecycle.map((event) => event.detailType)).toEqual(
      expect.arrayContaining(['CxoneEventBridge.PollingStarted', 'CxoneEventBridge.PollingRecovered']),
    );
    expect(lifecycle.map((event) => event.sequence)).toEqual(lifecycle.map((_, index) => index + 1));
    simulator.logoutAgent('2103460');
  });

  it('backs off at least the rest of its own timeout and the Init limit after a Lambda error that may still run, without polling', async () => {
    // Prepare: Step Functions gave up on an invocation that may hold a long poll for up to the function's timeout.
    eventBridge
      .on(PutEventsCommand)
      .callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => ({ FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: 'e' })) }));
    const fault = { Error: 'Lambda.ClientExecutionTimeoutException', Cause: 'Client execution did not complete before the specified timeout configuration' };
    const pollsBefore = simulator.stats().polls.total;
    // Act: the fault mode, 0.3 s into a 42 s function timeout.
    const backingOff = await handler()(invocation({ agentId: '2103461', sessionId: 'c', fault }), { getRemainingTimeInMillis: () => 41_700 });
    // Assess
    expect(backingOff).toMatchObject({ status: 'BACK_OFF', degraded: { faults: 1 } });
    expect(backingOff.backOffSeconds).toBeGreaterThanOrEqual(42 + 10);
    expect(simulator.stats().polls.total).toBe(pollsBefore);
  });

  it('rejects a malformed poll state with a ConfigurationError naming the field', async () => {
    await expect(handler()(invocation({ agentId: 'abc', sessionId: 'x' }), context)).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(/agentId/),
    });
  });

  it('names the missing fields of a bad secret without showing its value', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
      .resolves({ SecretString: JSON.stringify({ clientId: 'x', clientSecret: 'very-secret-value' }) });
    const error = await handler()(invocation({ agentId: '2103457', sessionId: await loggedInCursor('2103457') }), context).catch(
      (caught: unknown) => caught as Error,
    );
    expect(error).toMatchObject({ name: 'ConfigurationError', message: expect.stringMatching(/accessKeyId, accessKeySecret/) });
    expect((error as Error).message).not.toContain('very-secret-value');
    simulator.logoutAgent('2103457');
  });
});

describe('poll handler on the self-looping definition', () => {
  it('raises a loop signal before any call, and counts and logs it as no error', async () => {
    // Prepare
    const added = vi.spyOn(metrics, 'addMetric');
    const errors = vi.spyOn(logger, 'error');
    const tokensBefore = simulator.stats().tokenRequests;
    const ended = { v: 2, agentId: '2103458', status: 'ENDED' };

    // Act
    const raised = await handler()({ ...invocation(ended), loop: 'self' }, context).catch((error: unknown) => error);

    // Assess
    expect(raised).toMatchObject({ name: 'Loop.SessionEnded' });
    expect(added.mock.calls.map(([name]) => name)).not.toContain('PollErrors');
    expect(errors).not.toHaveBeenCalled();
    expect(eventBridge.calls()).toHaveLength(0);
    expect(secrets.calls()).toHaveLength(0);
    expect(simulator.stats().tokenRequests).toBe(tokensBefore);
    added.mockRestore();
    errors.mockRestore();
  });

  it('never raises a signal for a definition that routes statuses itself (an execution started before the change)', async () => {
    // Prepare: the previous definition sends no `loop`; after its back-off Wait the status is still BACK_OFF.
    eventBridge
      .on(PutEventsCommand)
      .callsFake(({ Entries = [] }: { Entries?: PutEventsRequestEntry[] }) => ({ FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: 'e' })) }));
    const cursor = await loggedInCursor('2103458');

    // Act
    const state = await handler()(invocation({ agentId: '2103458', sessionId: cursor, status: 'BACK_OFF', backOffSeconds: 5 }), context);

    // Assess: it polled.
    expect(state.status).toBe('EVENTS');
    simulator.logoutAgent('2103458');
  });

  it("puts the Lambda request id on its log lines, and no agent's keys on the next invocation's", async () => {
    // Prepare: Powertools writes one JSON object per line to stdout; the suite runs it at CRITICAL.
    const lines: Record<string, unknown>[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk)
        .split('\n')
        .filter((each) => each.startsWith('{"')))
        lines.push(JSON.parse(line));
      return true;
    });
    logger.setLogLevel('INFO');
    const ended = { v: 2, agentId: '2103459', status: 'ENDED' };
    const withRequest = (awsRequestId: string) => ({ ...context, awsRequestId, functionName: 'poller' });

    // Act
    try {
      await handler()({ ...invocation(ended), loop: 'self' }, withRequest('req-1')).catch(() => undefined);
      logger.info('between invocations');
    } finally {
      logger.setLogLevel('CRITICAL');
      write.mockRestore();
    }

    // Assess
    expect(lines.find((line) => line.message === 'loop signal')).toMatchObject({ function_request_id: 'req-1', agentId: '2103459' });
    expect(lines.find((line) => line.message === 'between invocations')).not.toHaveProperty('agentId');
  });
});
