import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SequencedEvent } from '../../contract/envelope.js';
import type { SessionCheckpoint } from '../../lambdas/poll-session/checkpoint-store.js';
import { DynamoDbCheckpointStore, EVENT_PART_MAX_BYTES, eventSortKey } from '../../lambdas/poll-session/dynamodb-checkpoint-store.js';
import type { LocalDynamoDb } from '../../local/aws/local-dynamodb.js';
import { startCheckpointTable } from './checkpoint-table.js';

/** The adapter against dynalite, an independent implementation of the DynamoDB API, over HTTP. */
const TABLE = 'session-checkpoints';
let dynamo: LocalDynamoDb;
let store: DynamoDbCheckpointStore;
let nextKey = 1;

beforeAll(async () => {
  dynamo = await startCheckpointTable(TABLE);
  store = new DynamoDbCheckpointStore(dynamo.client, TABLE);
});
afterAll(async () => dynamo?.close());

const sessionKey = () => `acme-1-20250312T140001000Z-${nextKey++}`;
const OWNER = 'acme-1-20250312T140001000Z';
const FAR = Date.now() + 60_000;
const mark = (through = 0, unpublishedInline: SequencedEvent[] = []) => ({ through, unpublishedInline });
const checkpoint = (overrides: Partial<SessionCheckpoint> = {}): SessionCheckpoint => ({
  agentId: '1',
  cursor: 'c1',
  sequence: 0,
  publishedThrough: 0,
  lifecycleSequence: 0,
  platformSessionId: null,
  sessionEnded: false,
  lease: { owner: OWNER, ownedUntil: FAR },
  ...overrides,
});
const create = (key: string, value: SessionCheckpoint, events: SequencedEvent[] = []) => {
  const { lease: _lease, ...fields } = value;
  return store.create(key, fields, events, OWNER, FAR);
};
const event = (sequence: number, data: unknown = { Type: 'AgentState', n: sequence }): SequencedEvent => ({
  sequence,
  platformSessionId: '6',
  receivedAt: '2025-03-12T14:05:10.000Z',
  data,
});
const advance = (cursor: string, sequence: number) => ({ cursor, sequence, platformSessionId: '6', sessionEnded: false });

describe('DynamoDbCheckpointStore', () => {
  it('creates the checkpoint once: a second create loses to the first', async () => {
    const key = sessionKey();
    expect(await store.load(key)).toBeUndefined();
    expect(await create(key, checkpoint())).toBe(true);
    expect(await create(key, checkpoint({ cursor: 'other' }))).toBe(false);
    expect(await store.load(key)).toEqual(checkpoint());
  });

  it('commits a batch and advances the cursor only from the cursor and sequence the poll was made with', async () => {
    const key = sessionKey();
    await create(key, checkpoint());
    expect(await store.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 2), [event(1), event(2)], FAR, mark())).toBe('inline');
    // A second invocation answered from the same (now consumed) cursor: refused, nothing it holds is kept.
    expect(await store.commit(key, { cursor: 'c1', sequence: 0 }, advance('c9', 1), [event(1, { Type: 'Snapshot' })], FAR, mark())).toBe('superseded');
    const head = await store.load(key);
    expect(head).toMatchObject({ cursor: 'c2', sequence: 2, publishedThrough: 0, inline: [event(1), event(2)] });
    expect(await store.backlog(key, 0, 2, 1_000_000, head?.inline)).toEqual([event(1), event(2)]);
  });

  it('holds an answered batch in HEAD, compressed, in one write, and moves what of it is unpublished to items when the next batch replaces it', async () => {
    const key = sessionKey();
    await create(key, checkpoint());
    const batch = [event(1), event(2), event(3)];
    await store.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 3), batch, FAR, mark());
    const raw = await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key }, sk: { S: 'HEAD' } } }));
    expect(raw.Item?.inline?.B?.byteLength).toBeLessThan(Buffer.byteLength(JSON.stringify(batch)));
    // EventBridge took event 1 only; the next batch arrives.
    expect(await store.commit(key, { cursor: 'c2', sequence: 3 }, advance('c3', 4), [event(4)], FAR, mark(1, [event(2), event(3)]))).toBe('inline');
    const head = await store.load(key);
    expect(head).toMatchObject({ publishedThrough: 1, inline: [event(4)] });
    expect(await store.backlog(key, 1, 4, 1_000_000, head?.inline)).toEqual([event(2), event(3), event(4)]);
  });

  it('drops the batch HEAD holds with the published mark, moving the events still to publish to items', async () => {
    const key = sessionKey();
    await create(key, checkpoint());
    await store.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 3), [event(1), event(2), event(3)], FAR, mark());
    await store.markPublished(key, 1, [], { keep: [event(3)] });
    const head = await store.load(key);
    expect(head).toMatchObject({ publishedThrough: 1 });
    expect(head?.inline).toBeUndefined();
    // Event 2 went out after EventBridge refused event 1's successor in the same request: not kept.
    expect(await store.backlog(key, 1, 3, 1_000_000, head?.inline)).toEqual([event(3)]);
    await store.markPublished(key, 3, [event(3)], { keep: [] });
    expect(await store.backlog(key, 3, 3, 1_000_000)).toEqual([]);
  });

  it('refuses a commit while another invocation holds the write lock, and allows it once the lock expired', async () => {
    const key = sessionKey();
    let now = 1_000;
    const clocked = new DynamoDbCheckpointStore(dynamo.client, TABLE, () => now);
    await create(key, checkpoint());
    // A holder that died after locking (its lock runs to its deadline, 5_000).
    await dynamo.client.send(
      new (await import('@aws-sdk/client-dynamodb')).UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: key }, sk: { S: 'HEAD' } },
        UpdateExpression: 'SET lockToken = :t, lockedUntil = :u',
        ExpressionAttributeValues: { ':t': { S: 'dead' }, ':u': { N: '5000' } },
      }),
    );
    expect(await clocked.load(key)).toMatchObject({ lockedUntil: 5_000 });
    expect(await clocked.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 1), [event(1)], 9_000, mark())).toBe('superseded');
    now = 6_000;
    expect(await clocked.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 1), [event(1)], 9_000, mark())).toBe('inline');
    expect(await clocked.load(key)).toEqual(checkpoint({ cursor: 'c2', sequence: 1, platformSessionId: '6', inline: [event(1)] }));
  });

  it('gives the lease to one execution: taken only as seen, renewed only while unclaimed, handed to the claimant', async () => {
    const key = sessionKey();
    const restart = `${OWNER}-r1`;
    await create(key, checkpoint());
    const seen = (await store.load(key))?.lease ?? {};
    // Another execution read the lease before the owner renewed it: its take is refused.
    expect(await store.renewLease(key, OWNER, FAR + 1)).toBe(true);
    expect(await store.takeLease(key, restart, FAR, seen)).toBe(false);
    const renewed = (await store.load(key))?.lease ?? {};
    expect(renewed).toEqual({ owner: OWNER, ownedUntil: FAR + 1 });
    expect(await store.claimLease(key, restart, 7_000, renewed)).toBe(true);
    expect(await store.renewLease(key, OWNER, FAR + 2)).toBe(false);
    expect((await store.load(key))?.lease).toEqual({ owner: OWNER, ownedUntil: FAR + 1, claimant: restart, claimFenceAt: 7_000 });
    expect(await store.yieldLease(key, OWNER, restart, FAR + 3)).toBe(true);
    expect((await store.load(key))?.lease).toEqual({ owner: restart, ownedUntil: FAR + 3 });
    expect(await store.yieldLease(key, OWNER, restart, FAR + 4)).toBe(false);
  });

  it('waits out the per-invocation lease of the build before version 3 before anyone takes the lease', async () => {
    const key = sessionKey();
    let now = 1_000;
    const clocked = new DynamoDbCheckpointStore(dynamo.client, TABLE, () => now);
    const { lease: _lease, ...fields } = checkpoint();
    await clocked.create(key, fields, [], OWNER, FAR);
    await dynamo.client.send(
      new (await import('@aws-sdk/client-dynamodb')).UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: key }, sk: { S: 'HEAD' } },
        UpdateExpression: 'SET leaseToken = :t, leasedUntil = :u REMOVE #owner, ownedUntil',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':t': { S: 'old' }, ':u': { N: '5000' } },
      }),
    );
    expect((await clocked.load(key))?.lease).toEqual({ legacyLeasedUntil: 5_000 });
    expect(await clocked.takeLease(key, OWNER, FAR, { legacyLeasedUntil: 5_000 })).toBe(false);
    now = 6_000;
    expect(await clocked.takeLease(key, OWNER, FAR, { legacyLeasedUntil: 5_000 })).toBe(true);
    expect((await clocked.load(key))?.lease).toEqual({ owner: OWNER, ownedUntil: FAR });
  });

  it('keeps an event far over the 400 KB item limit whole, in parts, and reads it back exactly', async () => {
    const key = sessionKey();
    const big = { Type: 'CustomEvent', data: 'é'.repeat(500 * 1024) };
    await create(key, checkpoint());
    expect(await store.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 3), [event(1), event(2, big), event(3)], FAR, mark())).toBe('items');
    const items = await dynamo.client.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: key } } }),
    );
    const parts = (items.Items ?? []).filter((item) => item.sk?.S?.startsWith(eventSortKey(2)));
    expect(parts).toHaveLength(Math.ceil(Buffer.byteLength(JSON.stringify(big)) / EVENT_PART_MAX_BYTES));
    expect(await store.backlog(key, 0, 3, 10 * 1024 * 1024)).toEqual([event(1), event(2, big), event(3)]);
  });

  it('reads the backlog in pieces of about the given size, never splitting an event', async () => {
    const key = sessionKey();
    const events = Array.from({ length: 6 }, (_, index) => event(index + 1, { Type: 'CustomEvent', data: 'x'.repeat(200 * 1024) }));
    await create(key, checkpoint());
    await store.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 6), events, FAR, mark());
    const first = await store.backlog(key, 0, 6, 300 * 1024);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(6);
    expect(first).toEqual(events.slice(0, first.length));
    expect(await store.backlog(key, first.length, 6, 100 * 1024 * 1024)).toEqual(events.slice(first.length));
  });

  it('marks events published without ever moving back, and drops their items', async () => {
    const key = sessionKey();
    await create(key, checkpoint());
    // Too large together to be held in HEAD: stored as items.
    const big = (sequence: number) => event(sequence, { Type: 'CustomEvent', data: 'x'.repeat(100 * 1024), sequence });
    await store.commit(key, { cursor: 'c1', sequence: 0 }, advance('c2', 3), [big(1), big(2), big(3)], FAR, mark());
    await store.markPublished(key, 2, [big(1), big(2)]);
    await store.markPublished(key, 1, []);
    expect(await store.load(key)).toMatchObject({ publishedThrough: 2, sequence: 3 });
    expect(await store.backlog(key, 2, 3, 1_000_000)).toEqual([big(3)]);
    const first = await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key }, sk: { S: eventSortKey(1) } } }));
    expect(first.Item).toBeUndefined();
  });

  it('creates a migrated checkpoint with the events it already holds', async () => {
    const key = sessionKey();
    expect(await create(key, checkpoint({ cursor: 'old', sequence: 9, publishedThrough: 6 }), [event(7), event(9)])).toBe(true);
    expect(await store.backlog(key, 6, 9, 1_000_000)).toEqual([event(7), event(9)]);
  });

  it('numbers lifecycle events in a series of their own', async () => {
    const key = sessionKey();
    await create(key, checkpoint({ sequence: 40 }));
    expect(await store.reserveLifecycleNumbers(key, 2)).toBe(1);
    expect(await store.reserveLifecycleNumbers(key, 1)).toBe(3);
    expect(await store.load(key)).toMatchObject({ lifecycleSequence: 3, sequence: 40 });
  });

  it('numbers lifecycle events before the first checkpoint, and keeps those numbers when the checkpoint is created', async () => {
    // The session's first poll failed: PollingDegraded is numbered before any checkpoint exists.
    const key = sessionKey();
    expect(await store.reserveLifecycleNumbers(key, 1)).toBe(1);
    expect(await store.load(key)).toBeUndefined();

    expect(await create(key, checkpoint())).toBe(true);
    expect(await store.reserveLifecycleNumbers(key, 1)).toBe(2);
    expect(await store.load(key)).toEqual(checkpoint({ lifecycleSequence: 2 }));
    expect(await create(key, checkpoint({ cursor: 'other' }))).toBe(false);
  });

  it('reports an unreachable store as the retryable CheckpointStoreUnavailableError', async () => {
    const broken = new DynamoDbCheckpointStore(dynamo.client, 'no-such-table');
    await expect(broken.load('x')).rejects.toMatchObject({ name: 'CheckpointStoreUnavailableError' });
  });
});
