import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsFaults } from '../../local/aws/aws-faults.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { applyFaultSpecs, parseFaultSpec } from '../../local/twin/fault-spec.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';

describe('--fault specs', () => {
  it('reads what, start and duration in s, m or h', () => {
    expect(parseFaultSpec('cxone-down@60s+5m')).toEqual({ kind: 'cxone-down', afterSeconds: 60, forSeconds: 300 });
    expect(parseFaultSpec('eventbridge-down@0s+1h')).toEqual({ kind: 'eventbridge-down', afterSeconds: 0, forSeconds: 3600 });
    expect(parseFaultSpec('dlq-down@1.5m+90s')).toEqual({ kind: 'dlq-down', afterSeconds: 90, forSeconds: 90 });
    expect(parseFaultSpec('dynamodb-down@60s+10m')).toEqual({ kind: 'dynamodb-down', afterSeconds: 60, forSeconds: 600 });
  });

  it.each([
    ['cxone-dwn@1s+2s', /unknown fault "cxone-dwn"; one of cxone-down/],
    ['cxone-down', /expected <what>@<start>\+<duration>/],
    ['cxone-down@1x+2s', /start "1x" is not a duration/],
    ['cxone-down@1s+0s', /duration must be more than 0/],
  ])('refuses %s with a one-line reason', (spec, reason) => {
    expect(() => parseFaultSpec(spec)).toThrow(reason);
    expect(() => parseFaultSpec(spec)).toThrow(/^[^\n]+$/);
  });

  it('makes npm start exit 2 with the reason', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/twin/cli.ts', '--fault', 'eventbridge-down@30s'], { timeout: 30_000 });
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^npm start: --fault eventbridge-down@30s: expected <what>@<start>\+<duration>.*\n$/),
    });
  });
});

describe('outage windows', () => {
  it('open after their start and close after their duration, in simulated seconds', () => {
    // At 1000x, a window 60 simulated seconds from now opens 60 real ms from now.
    const faults = new AwsFaults(1000);
    const now = Date.now();
    faults.refuse('eventbridge', { afterSeconds: 60, forSeconds: 3600 });
    expect(faults.refusal('AWSEvents.PutEvents', now)).toBeUndefined();
    expect(faults.refusal('AWSEvents.PutEvents', now + 61)?.type).toBe('InternalException');
    expect(faults.refusal('AmazonSQS.SendMessage', now + 61)).toBeUndefined();
    expect(faults.refusal('AWSEvents.PutEvents', now + 60 + 3601)).toBeUndefined();
    expect(faults.pending(now + 60 + 3601)).toBe(false);
  });
});

describe('faults injected into a running twin, answered as the services do', () => {
  let simulator: CxoneSimulator;
  let twin: LocalTwin;

  beforeAll(async () => {
    simulator = await startCxoneSimulator({ agents: 1 });
    twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 }, timeScale: 100 });
  });
  afterAll(async () => {
    await twin?.close();
    await simulator?.close();
  });

  const putEvents = () =>
    new EventBridgeClient({ maxAttempts: 1 }).send(new PutEventsCommand({ Entries: [{ Source: 'test', DetailType: 'Probe', Detail: '{}' }] }));
  const sendToDlq = () =>
    new S3Client({ maxAttempts: 1 }).send(new PutObjectCommand({ Bucket: twin.largeEventBucket, Key: 'parked/probe.json', Body: 'probe' }));
  // The poller's own client shape: the endpoint from AWS_ENDPOINT_URL_DYNAMODB, which the twin set.
  const readCheckpoint = () =>
    new DynamoDBClient({ maxAttempts: 1 }).send(new GetItemCommand({ TableName: twin.sessionTableName, Key: { pk: { S: 'probe' }, sk: { S: 'HEAD' } } }));

  it('refuses PutEvents, PutObject and every DynamoDB call, and CXone answers 503 everywhere but its admin API, while the windows are open', async () => {
    // An hour of simulated outage from now: 36 real seconds at 100x, far longer than this test.
    applyFaultSpecs(['eventbridge-down@0s+1h', 'dlq-down@0s+1h', 'dynamodb-down@0s+1h', 'cxone-down@0s+1h'].map(parseFaultSpec), twin, simulator);

    await expect(putEvents()).rejects.toMatchObject({ name: 'InternalException', $metadata: { httpStatusCode: 500 } });
    await expect(sendToDlq()).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    await expect(readCheckpoint()).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect((await fetch(`${simulator.issuerUrl}/.well-known/openid-configuration`)).status).toBe(503);
    expect((await fetch(`${simulator.issuerUrl}/admin/stats`)).status).toBe(200);

    twin.faults.aws.clear();
    simulator.clearFaults();
    await expect(putEvents()).resolves.toMatchObject({ FailedEntryCount: 0 });
    await expect(sendToDlq()).resolves.toHaveProperty('ETag');
    await expect(readCheckpoint()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect((await fetch(`${simulator.issuerUrl}/.well-known/openid-configuration`)).status).toBe(200);
  });
});
