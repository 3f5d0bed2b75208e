import { describe, expect, it } from 'vitest';
import type { ParkedItem } from '../../contract/dead-letter.js';
import { type EnvelopeEntry, eventIdOf } from '../../contract/envelope.js';
import { listParked, redriveParked } from '../../lambdas/parked/parked-events.js';
import { objectStorePark } from '../../lambdas/publishing/parking.js';
import type { PutEventsPort } from '../../lambdas/publishing/publisher.js';
import { memoryObjectStore } from './memory-object-store.js';

function parkedEvent(agentId: string, sequence: number, parkedAt: string, overrides: Partial<ParkedItem> = {}): ParkedItem {
  const payload = { Type: 'CustomEvent', n: sequence, agentId };
  return {
    reason: 'PUBLISH_ATTEMPTS_EXHAUSTED',
    detail: 'InternalException: down',
    tenant: 'acme',
    agentId,
    platformSessionId: '6981',
    sequence,
    eventId: eventIdOf({ platformSessionId: '6981', data: payload }, { tenant: 'acme', agentId }),
    detailType: 'CustomEvent',
    receivedAt: '2026-11-30T15:00:00.000Z',
    payload,
    truncated: false,
    parkedAt,
    ...overrides,
  };
}

/** A bus that records what it accepted and refuses the entries a rule picks. */
function bus(refuse: (entry: EnvelopeEntry) => boolean = () => false) {
  const accepted: { eventId: string; sequence: number; agentId: string; receivedAt: string }[] = [];
  const putEvents: PutEventsPort = async (entries) =>
    entries.map((entry) => {
      if (refuse(entry)) return { errorCode: 'InternalFailure', errorMessage: 'down' };
      accepted.push(JSON.parse(entry.Detail).metadata);
      return {};
    });
  return { accepted, putEvents };
}

async function parkedStore(): Promise<ReturnType<typeof memoryObjectStore>> {
  const store = memoryObjectStore();
  await objectStorePark(store)([
    parkedEvent('2', 8, '2026-11-30T16:00:02.000Z'),
    parkedEvent('1', 5, '2026-11-30T16:00:01.000Z'),
    parkedEvent('1', 4, '2026-11-30T16:00:03.000Z'),
    { ...parkedEvent('1', 0, '2026-11-30T16:00:04.000Z'), reason: 'MALFORMED_BATCH', sequence: undefined, eventId: undefined, payload: '<html>' },
  ]);
  return store;
}

describe('listParked', () => {
  it('lists every parked item from its key, narrowed by reason, agent and time', async () => {
    const store = await parkedStore();
    const all = [];
    for await (const item of listParked(store)) all.push(item);
    expect(all.map((item) => [item.reason, item.agentId, item.sequence, item.republishable])).toEqual([
      ['MALFORMED_BATCH', '1', 0, false],
      ['PUBLISH_ATTEMPTS_EXHAUSTED', '1', 5, true],
      ['PUBLISH_ATTEMPTS_EXHAUSTED', '1', 4, true],
      ['PUBLISH_ATTEMPTS_EXHAUSTED', '2', 8, true],
    ]);
    const narrowed = [];
    for await (const item of listParked(store, { reason: 'PUBLISH_ATTEMPTS_EXHAUSTED', tenant: 'acme', agentId: '1', since: new Date('2026-11-30T16:00:02Z') }))
      narrowed.push(item.sequence);
    expect(narrowed).toEqual([4]);
  });
});

describe('redriveParked', () => {
  it('re-publishes per session in sequence order with the original metadata, deletes what went out, keeps malformed bodies', async () => {
    const store = await parkedStore();
    const { accepted, putEvents } = bus();
    const report = await redriveParked({ store, putEvents, eventSource: 'cxone.agent-events' });
    expect(accepted.map((metadata) => [metadata.agentId, metadata.sequence])).toEqual([
      ['1', 4],
      ['1', 5],
      ['2', 8],
    ]);
    expect(accepted[0]).toMatchObject({ eventId: parkedEvent('1', 4, '').eventId, receivedAt: '2026-11-30T15:00:00.000Z' });
    expect(report).toEqual({ matched: 4, notRepublishable: 1, republished: 3, stillParked: 0 });
    expect([...store.objects.keys()]).toEqual([expect.stringMatching(/^parked\/MALFORMED_BATCH\//)]);
  });

  it('changes nothing on a dry run', async () => {
    const store = await parkedStore();
    const { accepted, putEvents } = bus();
    const report = await redriveParked({ store, putEvents, eventSource: 's' }, {}, { dryRun: true });
    expect(report).toMatchObject({ republished: 3, matched: 4 });
    expect(accepted).toEqual([]);
    expect(store.objects.size).toBe(4);
  });

  it('keeps every refused item and deletes only what EventBridge accepted', async () => {
    const store = await parkedStore();
    const { accepted, putEvents } = bus((entry) => JSON.parse(entry.Detail).metadata.sequence === 4);
    const report = await redriveParked({ store, putEvents, eventSource: 's' });
    // Sent in one call, 5 is accepted though 4 was refused: consumers order by sequence, as for any event.
    expect(accepted.map((metadata) => metadata.sequence)).toEqual([5, 8]);
    expect(report).toMatchObject({ republished: 2, stillParked: 1, lastError: 'InternalFailure: down' });
    expect([...store.objects.keys()].filter((key) => key.includes('-000000000004-'))).toHaveLength(1);
    expect(store.objects.size).toBe(2);
  });

  it('stops at once while EventBridge refuses everything', async () => {
    const store = await parkedStore();
    let calls = 0;
    const putEvents: PutEventsPort = async () => {
      calls += 1;
      throw Object.assign(new Error('down'), { name: 'InternalException' });
    };
    const report = await redriveParked({ store, putEvents, eventSource: 's' }, {}, { now: () => 0, deadline: 1 });
    expect(report).toMatchObject({ republished: 0, stillParked: 3 });
    expect(calls).toBeLessThanOrEqual(3);
    expect(store.objects.size).toBe(4);
  });
});
