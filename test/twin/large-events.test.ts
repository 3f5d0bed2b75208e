import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParkedItem } from '../../contract/dead-letter.js';
import { canonicalJson, eventIdOf } from '../../contract/envelope.js';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { objectStorePark } from '../../lambdas/publishing/parking.js';
import { s3ObjectStore } from '../../lambdas/publishing/s3-object-store.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import type { LocalExecution } from '../../local/stepfunctions/local-step-functions.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { accountFor, type EventDetail, parkedItems, resolveClaimCheck, waitFor } from './zero-loss.js';

/**
 * Events of every size on the real stack: up to 1 MB on the bus whole, larger ones as claim checks
 * whose S3 object is the whole event, and events parked while EventBridge refuses them kept whole
 * and put back by the scheduled redrive (here every 200 ms) with their eventId and sequence.
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const onBus: EventBridgeEvent[] = [];
let nextAgentId = 3200001;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 31 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1 },
    waitMs: 50,
    scheduleEveryMs: 200,
  });
  twin.bus.onEvent((accepted) => {
    if (!isLifecycleDetailType(accepted.event['detail-type'])) onBus.push(accepted.event);
  });
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

const busEvents = (agentId: string) => onBus.filter((event) => (event.detail as EventDetail).metadata.agentId === agentId);
const customEvent = (agentId: string, name: string, bytes: number) => ({
  IISHost: 'SIM',
  VCHost: 'SIM',
  type: 'CustomEvent',
  eventName: `${agentId}-${name}`,
  data: 'x'.repeat(bytes),
});

async function loggedInSession(): Promise<{ agentId: string; execution: LocalExecution }> {
  const agentId = String(nextAgentId++);
  simulator.loginAgent(agentId);
  const { executionArn } = await twin.startSession(agentId);
  await waitFor(() => busEvents(agentId).length >= 5, 20_000, 'login events on the bus');
  return { agentId, execution: twin.stepFunctions.executions.get(executionArn as string) as LocalExecution };
}

async function endSession(agentId: string, execution: LocalExecution): Promise<void> {
  await waitFor(() => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined), 60_000, 'all events delivered');
  simulator.logoutAgent(agentId);
  await Promise.race([execution.done, new Promise((resolve) => setTimeout(resolve, 60_000))]);
}

describe('event sizes', () => {
  it('puts an event of about 700 KB on the bus whole', async () => {
    const { agentId, execution } = await loggedInSession();
    const event = customEvent(agentId, 'seven-hundred', 700 * 1024);
    simulator.enqueueEvents(agentId, [event]);
    await endSession(agentId, execution);

    const published = busEvents(agentId).find(
      (bus) => (bus.detail as EventDetail).data !== undefined && canonicalJson((bus.detail as EventDetail).data) === canonicalJson(event),
    );
    expect(published?.['detail-type']).toBe('CustomEvent');
    expect((published?.detail as EventDetail | undefined)?.claimCheck).toBeUndefined();
    expect(accountFor(simulator, twin, onBus, [agentId])).toMatchObject({ lost: 0, parked: 0 });
  });

  it('delivers an event of about 1.5 MB as a claim check whose object holds the whole event byte for byte', async () => {
    const { agentId, execution } = await loggedInSession();
    const event = customEvent(agentId, 'one-and-a-half', 1_500_000);
    simulator.enqueueEvents(agentId, [event]);
    await endSession(agentId, execution);

    const pointers = busEvents(agentId).filter((bus) => (bus.detail as EventDetail).claimCheck !== undefined);
    expect(pointers).toHaveLength(1);
    const pointer = pointers[0] as EventBridgeEvent;
    const detail = pointer.detail as EventDetail & { claimCheck: NonNullable<EventDetail['claimCheck']> };
    expect(pointer['detail-type']).toBe('CustomEvent');
    expect(detail.claimCheck).toMatchObject({
      bucket: twin.largeEventBucket,
      key: `claim-checks/local/${agentId}/${detail.metadata.eventId}.json`,
      contentType: 'application/json',
    });

    const object = twin.s3.objects(twin.largeEventBucket).get(detail.claimCheck.key);
    const body = object?.body ?? Buffer.alloc(0);
    expect(body.length).toBe(detail.claimCheck.size);
    expect(createHash('sha256').update(body).digest('hex')).toBe(detail.claimCheck.sha256);
    // The object is exactly the detail the event would have had: the same metadata, the CXone event as received.
    expect(body.toString('utf8')).toBe(JSON.stringify({ metadata: detail.metadata, data: JSON.parse(body.toString('utf8')).data }));
    expect(canonicalJson(resolveClaimCheck(twin, detail).data)).toBe(canonicalJson(event));
    expect(body.length).toBeGreaterThan(1_500_000);
    expect(accountFor(simulator, twin, onBus, [agentId])).toMatchObject({ lost: 0, parked: 0 });
  });
});

describe('parked events', () => {
  it('parks an unreadable body of 1.2 MB whole with its reason, and the redrive leaves it visible', async () => {
    const { agentId, execution } = await loggedInSession();
    const body = `<html>${'gateway error '.repeat(90_000)}</html>`;
    simulator.injectFault({ agentId, count: 1, fault: { status: 200, body } });
    await waitFor(() => parkedItems(twin).some((item) => item.agentId === agentId), 30_000, 'body parked');
    const runsBefore = twin.functionStats.get([...twin.functionStats.keys()].find((id) => id.startsWith('ParkedEventRedrive')) ?? '')?.invocations ?? 0;
    await waitFor(
      () =>
        (twin.functionStats.get([...twin.functionStats.keys()].find((id) => id.startsWith('ParkedEventRedrive')) ?? '')?.invocations ?? 0) >= runsBefore + 2,
      30_000,
      'two redrive runs',
    );
    const parked = parkedItems(twin).filter((item) => item.agentId === agentId);
    expect(parked).toEqual([
      expect.objectContaining({ reason: 'MALFORMED_BATCH', payload: body, truncated: false, detail: expect.stringMatching(/not JSON/) }),
    ]);
    expect(Buffer.byteLength(body)).toBeGreaterThan(1_200_000);
    await endSession(agentId, execution);
  });

  it('re-publishes parked events by itself once EventBridge accepts again, with the same eventId and sequence, a large one as a claim check', async () => {
    // Since the checkpoint store, refused events wait there; they are parked only when that store is
    // down too (CHECKPOINT_UNAVAILABLE), which the twin cannot inject yet: park them as the poller does.
    const agentId = String(nextAgentId++);
    const events = [customEvent(agentId, 'small', 100), customEvent(agentId, 'large', 100 * 1024), customEvent(agentId, 'huge', 1_500_000)];
    const items: ParkedItem[] = events.map((data, index) => {
      const event = { sequence: index + 1, platformSessionId: '6981', receivedAt: '2026-11-30T16:00:00.000Z', data };
      return {
        reason: 'CHECKPOINT_UNAVAILABLE',
        detail: 'InternalException: down',
        tenant: 'local',
        agentId,
        platformSessionId: '6981',
        sequence: index + 1,
        eventId: eventIdOf(event, { tenant: 'local', agentId }),
        detailType: 'CustomEvent',
        receivedAt: event.receivedAt,
        payload: data,
        truncated: false,
        parkedAt: new Date().toISOString(),
      };
    });
    twin.bus.injectFault({ kind: 'call', errorType: 'InternalException', message: 'down', statusCode: 500 }, 1_000_000);
    await objectStorePark(s3ObjectStore(new S3Client({}), twin.largeEventBucket))(items);
    const redriveRuns = () => twin.functionStats.get([...twin.functionStats.keys()].find((id) => id.startsWith('ParkedEventRedrive')) ?? '')?.invocations ?? 0;
    const runsBefore = redriveRuns();
    await waitFor(() => redriveRuns() >= runsBefore + 2, 30_000, 'two redrive runs while EventBridge is down');
    // Whole while they wait: nothing cut, whatever the size.
    expect(
      parkedItems(twin)
        .filter((item) => item.agentId === agentId)
        .map((item) => canonicalJson(item.payload)),
    ).toEqual(events.map(canonicalJson));

    twin.bus.clearFaults();
    await waitFor(() => parkedItems(twin).every((item) => item.agentId !== agentId), 60_000, 'parked events re-published');
    const republished = busEvents(agentId).map((bus) => resolveClaimCheck(twin, bus.detail as EventDetail));
    expect(republished.map((detail) => ({ eventId: detail.metadata.eventId, sequence: detail.metadata.sequence }))).toEqual(
      expect.arrayContaining(items.map((item) => ({ eventId: item.eventId, sequence: item.sequence }))),
    );
    expect(republished.map((detail) => canonicalJson(detail.data))).toEqual(expect.arrayContaining(events.map(canonicalJson)));
    // One event went out as a claim check; two redrive runs may both send it, always under its own eventId.
    const claimChecked = busEvents(agentId).filter((bus) => (bus.detail as EventDetail).claimCheck !== undefined);
    expect(new Set(claimChecked.map((bus) => (bus.detail as EventDetail).metadata.eventId)).size).toBe(1);
    // Every event on the bus carries the eventId of a parked item: duplicates only under the same id.
    expect(new Set(busEvents(agentId).map((bus) => (bus.detail as EventDetail).metadata.eventId))).toEqual(new Set(items.map((item) => item.eventId)));
  });
});
