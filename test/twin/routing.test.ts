import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteInput } from '../../infra/routes-config.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { validatorOf } from '../contract/schema-validator.js';

/**
 * Events flow from the simulator through the real definition and poller to the bus, whose rules
 * come from configured routes: an API destination (delivered over HTTP to a sink on 127.0.0.1, with
 * its input transformer applied) and a queue the stack creates.
 */
interface SinkRequest {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const apiKey = { type: 'apiKey', headerName: 'x-api-key', secretName: 'cxone-eventbridge/local/webhook' } as const;
const ROUTES: RouteInput[] = [
  {
    name: 'agent-state-webhook',
    detailTypes: ['AgentState'],
    inputTransformer: {
      inputPathsMap: { agent: '$.detail.metadata.agentId', state: '$.detail.data.CurrentState', sequence: '$.detail.metadata.sequence' },
      inputTemplate: '{"agentId": <agent>, "state": <state>, "sequence": <sequence>, "text": "agent <agent> is <state>", "rule": <aws.events.rule-name>}',
    },
    target: { type: 'apiDestination', endpoint: 'https://hooks.example.com/agent-state', connection: apiKey },
  },
  { name: 'custom-events-queue', detailTypes: ['CustomEvent'], target: { type: 'sqs' } },
  {
    name: 'rejected-webhook',
    eventPattern: { source: ['cxone.agent-events'], 'detail-type': ['CustomEvent'], detail: { data: { eventName: ['reject-me'] } } },
    target: { type: 'apiDestination', endpoint: 'https://hooks.example.com/rejects', method: 'PUT', connection: apiKey },
  },
];

let sink: Server;
let simulator: CxoneSimulator;
let twin: LocalTwin;
const requests: SinkRequest[] = [];
const onBus: EventBridgeEvent[] = [];

beforeAll(async () => {
  sink = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      // The rejects endpoint refuses with a 400, which EventBridge does not retry.
      response.writeHead(request.headers['x-cxone-twin-rule'] === 'local-rejected-webhook' ? 400 : 200).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`;
  simulator = await startCxoneSimulator({ agents: 1, seed: 11 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1, routes: ROUTES },
    sinkUrl,
  });
  twin.bus.onEvent((accepted) => onBus.push(accepted.event));

  // One session: login, a few custom events (one the rejects route matches), logout.
  const agentId = '2103457';
  simulator.loginAgent(agentId);
  const started = await twin.startSession(agentId);
  const custom = (eventName: string) => ({ IISHost: 'H', VCHost: 'H', type: 'CustomEvent', eventName, data: `payload of ${eventName}` });
  simulator.enqueueEvents(agentId, [custom('first'), custom('reject-me'), custom('last')]);
  await waitFor(() => onBus.filter((event) => event['detail-type'] === 'CustomEvent').length === 3);
  simulator.logoutAgent(agentId);
  await twin.stepFunctions.executions.get(started.executionArn as string)?.done;
  await twin.targets.settled();
}, 60_000);

afterAll(async () => {
  await twin?.close();
  await simulator?.close();
  await new Promise((resolve) => sink?.close(resolve));
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Detail = { metadata: { agentId: string; sequence: number }; data: Record<string, string> };
const ofType = (type: string) => onBus.filter((event) => event['detail-type'] === type);
const fromRule = (rule: string) => requests.filter((request) => request.headers['x-cxone-twin-rule'] === rule);

describe('routes on the local twin', () => {
  it('calls the API destination once per matching event, with the transformed payload', () => {
    const states = ofType('AgentState');
    expect(states.length).toBeGreaterThanOrEqual(2);
    const received = fromRule('local-agent-state-webhook');
    expect(received.map((request) => JSON.parse(request.body))).toEqual(
      states.map((event) => {
        const detail = event.detail as Detail;
        return {
          agentId: detail.metadata.agentId,
          state: detail.data.CurrentState,
          sequence: detail.metadata.sequence,
          text: `agent ${detail.metadata.agentId} is ${detail.data.CurrentState}`,
          rule: 'local-agent-state-webhook',
        };
      }),
    );
    for (const request of received) {
      expect(request).toMatchObject({
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Amazon/EventBridge/ApiDestinations' },
      });
      // The twin holds no connection secret, so it sends none.
      expect(request.headers).not.toHaveProperty('x-api-key');
    }
    expect(twin.targets.stats.get('local-agent-state-webhook')).toEqual({ delivered: states.length, recorded: 0, deadLettered: 0, failed: 0 });
  });

  it('puts every matching event, whole, on the queue the route created', () => {
    const rule = twin.stack.rules.find((candidate) => candidate.name === 'local-custom-events-queue');
    const queueUrl = rule?.targets[0]?.queueUrl as string;
    expect(queueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(twin.sqs.messages(queueUrl).map((message) => JSON.parse(message.body))).toEqual(ofType('CustomEvent'));
  });

  it('sends a delivery the endpoint refuses to the route dead-letter queue, without retrying a 400', () => {
    const rejected = fromRule('local-rejected-webhook');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.method).toBe('PUT');
    const event = ofType('CustomEvent').find((candidate) => (candidate.detail as Detail).data.eventName === 'reject-me');
    expect(JSON.parse(rejected[0]?.body ?? '')).toEqual(event);
    const dlqUrl = twin.stack.rules.find((candidate) => candidate.name === 'local-rejected-webhook')?.targets[0]?.deadLetterQueueUrl as string;
    expect(twin.sqs.messages(dlqUrl).map((message) => JSON.parse(message.body))).toEqual([event]);
    expect(twin.targets.deliveries.find((delivery) => delivery.rule === 'local-rejected-webhook')).toMatchObject({
      status: 'dead-lettered',
      attempts: 1,
      httpStatus: 400,
    });
    expect(twin.targets.stats.get('local-rejected-webhook')).toEqual({ delivered: 0, recorded: 0, deadLettered: 1, failed: 0, lastError: 'HTTP 400' });
  });

  it('publishes only events that validate against the schema of their detail type', () => {
    expect(new Set(onBus.map((event) => event['detail-type']))).toContain('CxoneEventBridge.PollingStarted');
    for (const event of onBus) {
      const validate = validatorOf(event['detail-type']);
      expect(validate(event), `${event['detail-type']}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('delivers nothing a rule does not match', () => {
    expect(requests).toHaveLength(ofType('AgentState').length + 1);
    expect(twin.targets.stats.get('local-custom-events-queue')).toEqual({ delivered: 3, recorded: 0, deadLettered: 0, failed: 0 });
  });
});
