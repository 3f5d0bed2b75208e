import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ParkedItem, parkedItemKey, parseParkedKey } from '../../contract/dead-letter.js';
import { ClaimCheckDetailSchema, toEnvelopeEntry } from '../../contract/envelope.js';
import { objectStoreClaimCheck } from '../../lambdas/publishing/claim-check.js';
import { PUT_EVENTS_MAX_ENTRY_BYTES, PUT_EVENTS_MAX_REQUEST_BYTES, putEventsEntrySize } from '../../lambdas/publishing/limits.js';
import { objectStorePark } from '../../lambdas/publishing/parking.js';
import { memoryObjectStore } from './memory-object-store.js';

const huge = { Type: 'CustomEvent', data: 'é'.repeat(800_000) };
const event = { sequence: 7, platformSessionId: '698120331042', receivedAt: '2026-11-30T16:00:00.000Z', data: huge };

describe('limits', () => {
  it('reads "1 MB" as 1,000,000 bytes for entries and requests', () => {
    expect([PUT_EVENTS_MAX_ENTRY_BYTES, PUT_EVENTS_MAX_REQUEST_BYTES]).toEqual([1_000_000, 1_000_000]);
  });

  it('counts an entry as EventBridge does: 14 bytes of Time plus UTF-8 bytes of Source, DetailType and Detail', () => {
    expect(putEventsEntrySize({ Source: 'ab', DetailType: 'é', Detail: '{}', Time: new Date(0) })).toBe(14 + 2 + 2 + 2);
  });
});

describe('objectStoreClaimCheck', () => {
  it('stores the whole detail byte for byte and points at it with the same detail-type and metadata', async () => {
    const store = memoryObjectStore();
    const entry = toEnvelopeEntry(event, { tenant: 'acme', agentId: '2103457' }, 'cxone.agent-events');
    const pointer = await objectStoreClaimCheck(store)(entry);

    const detail = ClaimCheckDetailSchema.parse(JSON.parse(pointer.Detail));
    expect(pointer).toMatchObject({ Source: entry.Source, DetailType: 'CustomEvent', Time: entry.Time });
    expect(detail.metadata).toEqual(JSON.parse(entry.Detail).metadata);
    expect(detail.claimCheck).toEqual({
      bucket: 'large-events',
      key: `claim-checks/acme/2103457/${detail.metadata.eventId}.json`,
      uri: `s3://large-events/claim-checks/acme/2103457/${detail.metadata.eventId}.json`,
      size: Buffer.byteLength(entry.Detail),
      sha256: createHash('sha256').update(entry.Detail).digest('hex'),
      contentType: 'application/json',
    });
    expect(store.objects.get(detail.claimCheck.key)).toBe(entry.Detail);
    expect(putEventsEntrySize(pointer)).toBeLessThan(2_000);
  });

  it('writes the same key again for the same event, leaving one object', async () => {
    const store = memoryObjectStore();
    const entry = toEnvelopeEntry(event, { tenant: 'acme', agentId: '2103457' }, 'cxone.agent-events');
    await objectStoreClaimCheck(store)(entry);
    await objectStoreClaimCheck(store)(entry);
    expect(store.objects.size).toBe(1);
  });

  it('rejects an entry that is not a bridge envelope', async () => {
    await expect(objectStoreClaimCheck(memoryObjectStore())({ Source: 's', DetailType: 'd', Detail: '{"x":1}', Time: new Date() })).rejects.toThrow(
      /envelopes/,
    );
  });
});

describe('parking in the object store', () => {
  const item: ParkedItem = {
    reason: 'PUBLISH_ATTEMPTS_EXHAUSTED',
    detail: 'InternalException: down',
    tenant: 'acme',
    agentId: '2103457',
    platformSessionId: '698120331042',
    sequence: 7,
    eventId: '68e0ddd3-e8f2-b74a-2cda-bee3c076ba1b',
    detailType: 'CustomEvent',
    receivedAt: '2026-11-30T16:00:00.000Z',
    payload: huge,
    truncated: false,
    parkedAt: '2026-11-30T16:05:00.123Z',
  };

  it('keeps a payload of any size whole, under a key that tells reason, tenant, agent, time and sequence', async () => {
    const store = memoryObjectStore();
    await objectStorePark(store)([item]);
    const key = 'parked/PUBLISH_ATTEMPTS_EXHAUSTED/acme/2103457/20261130T160500.123Z-000000000007-68e0ddd3-e8f2-b74a-2cda-bee3c076ba1b.json';
    expect([...store.objects.keys()]).toEqual([key]);
    expect(JSON.parse(store.objects.get(key) ?? '')).toEqual(item);
    expect(parseParkedKey(key)).toEqual({
      key,
      reason: 'PUBLISH_ATTEMPTS_EXHAUSTED',
      tenant: 'acme',
      agentId: '2103457',
      parkedAt: '2026-11-30T16:05:00.123Z',
      sequence: 7,
      id: item.eventId,
    });
  });

  it('names a malformed body by the hash of its text', () => {
    const key = parkedItemKey({ ...item, reason: 'MALFORMED_BATCH', sequence: undefined, eventId: undefined, payload: '<html>' });
    expect(key).toMatch(/^parked\/MALFORMED_BATCH\/acme\/2103457\/20261130T160500\.123Z-000000000000-[0-9a-f]{32}\.json$/);
    expect(parseParkedKey(key)?.reason).toBe('MALFORMED_BATCH');
  });

  it('throws when the store refuses, so the caller keeps the items', async () => {
    const store = memoryObjectStore();
    store.put = async () => {
      throw new Error('SlowDown');
    };
    await expect(objectStorePark(store)([item])).rejects.toThrow('SlowDown');
  });
});
