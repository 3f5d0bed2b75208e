import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParkedItem } from '../../contract/dead-letter.js';
import { eventIdOf } from '../../contract/envelope.js';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import type { ParkedSummary } from '../../lambdas/parked/parked-events.js';
import { objectStorePark } from '../../lambdas/publishing/parking.js';
import { s3ObjectStore } from '../../lambdas/publishing/s3-object-store.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { type EventDetail, parkedItems, waitFor } from './zero-loss.js';

/**
 * `npm run parked` against the twin's endpoint with the real SDK clients: it lists what is parked,
 * by reason and agent, and redrives on demand (the scheduled redrive is held back here).
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const onBus: EventBridgeEvent[] = [];
const agentId = '3300001';

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 41 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1 },
    waitMs: 50,
    // Scheduled functions run once at start, then not within the test: only the command redrives.
    scheduleEveryMs: 3_600_000,
  });
  twin.bus.onEvent((accepted) => {
    if (!isLifecycleDetailType(accepted.event['detail-type'])) onBus.push(accepted.event);
  });
  simulator.loginAgent(agentId);
  await twin.startSession(agentId);
  await waitFor(() => onBus.length >= 5, 20_000, 'login events on the bus');
  simulator.injectFault({ agentId, count: 1, fault: { status: 200, body: '<html>502 Bad Gateway</html>' } });
  await waitFor(() => parkedItems(twin).length >= 1, 60_000, 'the unreadable body parked');
  // Refused events wait in the checkpoint store now; they are parked only when it is down too, which
  // the twin cannot inject yet: park three as the poller does.
  const items: ParkedItem[] = [1, 2, 3].map((n) => {
    const data = { IISHost: 'SIM', VCHost: 'SIM', type: 'CustomEvent', eventName: `parked-${n}`, data: `payload ${n}` };
    const event = { sequence: 100 + n, platformSessionId: null, receivedAt: new Date().toISOString(), data };
    return {
      reason: 'CHECKPOINT_UNAVAILABLE',
      detail: 'InternalException: down',
      tenant: 'local',
      agentId,
      platformSessionId: null,
      sequence: event.sequence,
      eventId: eventIdOf(event, { tenant: 'local', agentId }),
      detailType: 'CustomEvent',
      receivedAt: event.receivedAt,
      payload: data,
      truncated: false,
      parkedAt: new Date().toISOString(),
    };
  });
  await objectStorePark(s3ObjectStore(new S3Client({}), twin.largeEventBucket))(items);
  await waitFor(() => parkedItems(twin).length >= 4, 60_000, 'events and the unreadable body parked');
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

/** Runs `npm run parked -- …` as a user would, with the twin's endpoint in the environment. */
async function parked(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['tsx', 'cli/parked.ts', ...args], { env: process.env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const target = () => ['--bucket', twin.largeEventBucket, '--event-bus', twin.stack.eventBusNames[0] as string];

describe('npm run parked', () => {
  it('lists what is parked with reason, agent and sequence, and narrows by reason', async () => {
    const all = await parked('list', '--bucket', twin.largeEventBucket, '--json');
    expect(all.code).toBe(0);
    const items = all.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ParkedSummary);
    expect(items.map((item) => item.reason).sort()).toEqual(['CHECKPOINT_UNAVAILABLE', 'CHECKPOINT_UNAVAILABLE', 'CHECKPOINT_UNAVAILABLE', 'MALFORMED_BATCH']);
    expect(items.every((item) => item.agentId === agentId && item.tenant === 'local')).toBe(true);

    const malformed = await parked('list', '--bucket', twin.largeEventBucket, '--reason', 'MALFORMED_BATCH');
    expect(malformed.stdout.trim().split('\n')).toEqual([expect.stringMatching(/MALFORMED_BATCH .*never publishable/)]);
    expect(malformed.stderr).toMatch(/^1 parked item in s3:\/\//m);
  });

  it('changes nothing on a dry run', async () => {
    twin.bus.clearFaults();
    const dry = await parked('redrive', ...target(), '--agent', agentId, '--dry-run');
    expect(dry.stdout).toMatch(/would re-publish 3 of 4 parked items; 0 still parked, 1 never publishable \(kept\)/);
    expect(parkedItems(twin)).toHaveLength(4);
  });

  it('re-publishes the parked events with their eventId and sequence and keeps the unreadable body', async () => {
    const before = parkedItems(twin).filter((item) => item.reason === 'CHECKPOINT_UNAVAILABLE');
    const run = await parked('redrive', ...target(), '--agent', agentId);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^re-published 3 of 4 parked items; 0 still parked, 1 never publishable \(kept\)/);
    expect(run.stderr).toMatch(/… 3 re-published/);
    const published = onBus.map((event) => (event.detail as EventDetail).metadata);
    for (const item of before) expect(published).toContainEqual(expect.objectContaining({ eventId: item.eventId, sequence: item.sequence }));
    expect(parkedItems(twin).map((item) => item.reason)).toEqual(['MALFORMED_BATCH']);
  });

  it('says in one line what is missing', async () => {
    const run = await parked('redrive', '--bucket', twin.largeEventBucket);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['parked: redrive needs --stack NAME or --event-bus NAME']);
  });
});
