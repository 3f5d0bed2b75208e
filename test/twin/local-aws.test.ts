import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAwsServer, startLocalAwsServer } from '../../local/aws/local-aws-server.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { type AcceptedEvent, LocalEventBus } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { readTemplate } from '../../local/twin/synthesized-stack.js';

describe('local EventBridge behind the real SDK client', () => {
  let server: LocalAwsServer;
  let bus: LocalEventBus;
  const accepted: AcceptedEvent[] = [];

  beforeAll(async () => {
    // A template with one rule on our bus, read the way the twin reads the synthesized stack.
    const template = {
      Resources: {
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'agents' } },
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: 'agent-state-to-webhook',
            EventBusName: { Ref: 'Bus' },
            EventPattern: { source: ['cxone.agent-events'], 'detail-type': ['AgentState'], detail: { data: { CurrentState: [{ prefix: 'Avail' }] } } },
            Targets: [{ Id: 'Webhook', Arn: 'arn:aws:events:us-east-1:000000000000:api-destination/x' }],
          },
        },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}' } },
      },
    };
    const stack = readTemplate(template);
    bus = new LocalEventBus('us-east-1', '000000000000', stack.eventBusNames);
    for (const rule of stack.rules) bus.addRule(rule);
    bus.onEvent((event) => accepted.push(event));
    server = await startLocalAwsServer(bus.operations());
  });
  afterAll(async () => server?.close());

  // One attempt: the SDK would otherwise retry the injected throttling itself.
  const client = () =>
    new EventBridgeClient({ endpoint: server.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const entry = (state: string) => ({
    EventBusName: 'agents',
    Source: 'cxone.agent-events',
    DetailType: 'AgentState',
    Detail: JSON.stringify({ data: { CurrentState: state } }),
  });

  it("applies the template's rules to what PutEvents accepts", async () => {
    const output = await client().send(new PutEventsCommand({ Entries: [entry('Available'), entry('Unavailable')] }));
    expect(output.FailedEntryCount).toBe(0);
    expect(accepted.map((event) => event.matchedRules)).toEqual([['agent-state-to-webhook'], []]);
    expect(bus.deliveries.get('agent-state-to-webhook')).toBe(1);
  });

  it('answers per-entry errors as EventBridge does', async () => {
    const output = await client().send(
      new PutEventsCommand({ Entries: [entry('Available'), { ...entry('x'), Detail: '[1,2]' }, { ...entry('x'), EventBusName: 'missing' }] }),
    );
    expect(output.FailedEntryCount).toBe(2);
    expect(output.Entries?.map((result) => result.ErrorCode)).toEqual([undefined, 'MalformedDetail', 'ResourceNotFoundException']);
  });

  it('rejects more than 10 entries as a validation error', async () => {
    await expect(client().send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry('Available')) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('fails a whole call or single entries on demand', async () => {
    bus.injectFault({ kind: 'call', errorType: 'ThrottlingException', message: 'Rate exceeded' });
    await expect(client().send(new PutEventsCommand({ Entries: [entry('Available')] }))).rejects.toMatchObject({ name: 'ThrottlingException' });
    bus.injectFault({ kind: 'entries', errorCode: 'InternalFailure', every: 2 });
    const output = await client().send(new PutEventsCommand({ Entries: [entry('a'), entry('b'), entry('c')] }));
    expect(output.Entries?.map((result) => result.ErrorCode ?? 'ok')).toEqual(['InternalFailure', 'ok', 'InternalFailure']);
  });
});

describe('npm run session against the local twin', () => {
  let simulator: CxoneSimulator;
  let twin: LocalTwin;

  beforeAll(async () => {
    simulator = await startCxoneSimulator({ agents: 2, seed: 2 });
    twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 2 } });
  });
  afterAll(async () => {
    await twin?.close();
    await simulator?.close();
  });

  const session = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/session.ts', ...args, '--tenant', 'local', '--cxone-issuer', simulator.issuerUrl], {
      timeout: 60_000,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: twin.aws.endpoint,
        SESSION_STATE_MACHINE_ARN: twin.stack.stateMachine.arn,
        CXONE_CLIENT_ID: simulator.credentials.clientId,
        CXONE_CLIENT_SECRET: simulator.credentials.clientSecret,
        CXONE_ACCESS_KEY_ID: simulator.credentials.accessKeyId,
        CXONE_ACCESS_KEY_SECRET: simulator.credentials.accessKeySecret,
      },
    });

  it('starts an execution for a logged-in agent with the real Step Functions client, once', async () => {
    simulator.loginAgent('2103457');
    const first = await session('start', '--agent-id', '2103457');
    const second = await session('start', '--agent-id', '2103457');
    expect(first.stdout).toMatch(/^started arn:aws:states:us-east-1:000000000000:execution:.*:local-2103457-/);
    expect(second.stdout).toMatch(/already polling/);
    expect([...twin.stepFunctions.executions.values()].filter((execution) => execution.status === 'RUNNING')).toHaveLength(1);
  });

  it('starts a CXone session on a station when the agent has none, and end ends it and its poller', async () => {
    await session('start', '--agent-id', '2103458', '--station-phone', '8015550143');
    const execution = [...twin.stepFunctions.executions.values()].find((candidate) => candidate.name.startsWith('local-2103458-'));
    expect(execution?.status).toBe('RUNNING');
    const end = await session('end', '--agent-id', '2103458');
    expect(end.stdout).toMatch(/ended agent 2103458's CXone session/);
    await execution?.done;
    expect(execution?.status).toBe('SUCCEEDED');
  });

  it('stop stops polling a joined session and leaves the agent logged in; end refuses to end it', async () => {
    // Prepare: agent 2103457's session was joined by the first test, not started by the bridge.
    const execution = [...twin.stepFunctions.executions.values()].find((candidate) => candidate.name.startsWith('local-2103457-'));
    expect(execution?.status).toBe('RUNNING');
    // Act
    const refused = session('end', '--agent-id', '2103457');
    await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not started by the bridge/) });
    const stop = await session('stop', '--agent-id', '2103457');
    await execution?.done;
    // Assess
    expect(stop.stdout).toMatch(/stopped polling agent 2103457/);
    expect(execution?.status).toBe('ABORTED');
    expect(simulator.agents().find((agent) => agent.agentId === '2103457')?.loggedIn).toBe(true);
  });

  it('explains a missing login instead of starting anything', async () => {
    await expect(session('start', '--agent-id', '2103458')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not logged in/) });
  });
});
