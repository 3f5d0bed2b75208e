import { randomUUID } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { SequencedEvent } from '../../contract/envelope.js';
import { CheckpointStoreUnavailableError } from '../../contract/errors.js';
import type { CheckpointAdvance, CheckpointExpectation, CheckpointStore, PublishedMark, SessionCheckpoint } from './checkpoint-store.js';
import type { SessionLease } from './session-lease.js';

/** Version of the HEAD item's layout: 2 adds the execution's lease and the inline batch. */
export const CHECKPOINT_ITEM_VERSION = 2;
/** Sort key of the checkpoint item. */
export const HEAD_SORT_KEY = 'HEAD';

/**
 * DynamoDB items are at most 400 KB, attribute names included
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-items),
 * while a CXone event can be far larger: an event's JSON is stored as consecutive binary parts of
 * at most this many bytes, one item each, so nothing is ever cut short.
 */
export const EVENT_PART_MAX_BYTES = 300 * 1024;
/**
 * Most bytes of an answered batch (compressed) held in HEAD itself. A write unit covers 1 KB of the
 * item and a strongly consistent read unit 4 KB, the larger of the item before and after an update
 * counting (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 * a typical batch keeps HEAD within one write unit and one read unit, and a larger one is cheaper in
 * HEAD than as event items up to this size. Larger batches are stored as event items.
 */
export const INLINE_BATCH_MAX_BYTES = 16 * 1024;
/** And at most this much before compression, so that every read of HEAD stays cheap to decode. */
export const INLINE_BATCH_MAX_RAW_BYTES = 256 * 1024;
/** The token of event items moved out of HEAD: every writer writes the same, identical parts. */
const INLINE_SPILL_TOKEN = 'inline';
/** BatchWriteItem takes at most 25 put or delete requests (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html). */
const BATCH_WRITE_MAX_REQUESTS = 25;

/** `EVENT#000000000042`: 12 digits, so the sort key orders events by sequence. */
export function eventSortKey(sequence: number, part = 0): string {
  const base = `EVENT#${String(sequence).padStart(12, '0')}`;
  return part === 0 ? base : `${base}#P${String(part).padStart(4, '0')}`;
}

/**
 * The checkpoint store on one DynamoDB table (pk = session key, sk = HEAD | EVENT#<sequence>[#P<part>]).
 *
 * HEAD holds the cursor, the sequence, the published mark, the session's poll lease
 * (session-lease.ts) and the last answered batch (compressed, `inline`). An answered poll is
 * committed in one write: HEAD advances on condition that its cursor and sequence are still the
 * ones the poll was made with, holding the new batch inline. The published mark follows at the next
 * commit (the execution carries it meanwhile), so publishing costs no write either.
 *
 * A batch too large for HEAD is committed in three writes: (1) HEAD takes a write lock, on condition
 * that its cursor and sequence are still the ones the poll was made with and no live lock exists;
 * (2) the events are written as items, numbered above HEAD's sequence where no reader looks yet;
 * (3) HEAD advances and drops the lock, on condition that it still holds this lock. Only the lock
 * holder writes those items, so two invocations answering from the same cursor can never mix their
 * batches; a holder that died leaves a lock that expires at its invocation's deadline.
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async load(sessionKey: string, options: { consistent?: boolean } = {}): Promise<SessionCheckpoint | undefined> {
    const output = await this.call('read the checkpoint', () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key(sessionKey, HEAD_SORT_KEY), ConsistentRead: options.consistent ?? true })),
    );
    // A HEAD without a cursor holds only lifecycle numbers (reserved before the first poll succeeded).
    return output.Item?.cursor ? fromHeadItem(output.Item) : undefined;
  }

  async takeLease(sessionKey: string, executionName: string, until: number, seen: SessionLease): Promise<boolean> {
    const unchanged = leaseAsSeen(seen, this.now());
    return this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #owner = :me, #ownedUntil = :until REMOVE #claimant, #claimFenceAt, #leaseToken, #leasedUntil',
      ConditionExpression: `attribute_exists(#cursor) AND ${unchanged.condition}`,
      ExpressionAttributeNames: names('owner', 'ownedUntil', 'claimant', 'claimFenceAt', 'leaseToken', 'leasedUntil', 'cursor'),
      ExpressionAttributeValues: { ':me': { S: executionName }, ':until': num(until), ...unchanged.values },
    });
  }

  async renewLease(sessionKey: string, executionName: string, until: number): Promise<boolean> {
    return this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #ownedUntil = :until',
      ConditionExpression: '#owner = :me AND attribute_not_exists(#claimant)',
      ExpressionAttributeNames: names('owner', 'ownedUntil', 'claimant'),
      ExpressionAttributeValues: { ':me': { S: executionName }, ':until': num(until) },
    });
  }

  async claimLease(sessionKey: string, executionName: string, fenceAt: number, seen: SessionLease): Promise<boolean> {
    const unchanged = leaseAsSeen(seen, this.now());
    return this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #claimant = :me, #claimFenceAt = :fence',
      ConditionExpression: unchanged.condition,
      ExpressionAttributeNames: names('owner', 'ownedUntil', 'claimant', 'claimFenceAt', ...(seen.owner === undefined ? ['leasedUntil'] : [])),
      ExpressionAttributeValues: { ':me': { S: executionName }, ':fence': num(fenceAt), ...unchanged.values },
    });
  }

  async yieldLease(sessionKey: string, executionName: string, claimant: string, until: number): Promise<boolean> {
    return this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #owner = :claimant, #ownedUntil = :until REMOVE #claimant, #claimFenceAt',
      ConditionExpression: '#owner = :me AND #claimant = :claimant',
      ExpressionAttributeNames: names('owner', 'ownedUntil', 'claimant', 'claimFenceAt'),
      ExpressionAttributeValues: { ':me': { S: executionName }, ':claimant': { S: claimant }, ':until': num(until) },
    });
  }

  /**
   * Asks the named execution of the session to hand over after its next answered poll (the poller
   * reads it with HEAD). False when the session has no checkpoint (it has not polled yet, or
   * the key is wrong). Writing it again is harmless: only that execution acts on it, once.
   */
  async requestHandOver(sessionKey: string, executionName: string): Promise<boolean> {
    return this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #handOverRequestedFor = :execution',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: names('handOverRequestedFor'),
      ExpressionAttributeValues: { ':execution': { S: executionName } },
    });
  }

  async create(sessionKey: string, checkpoint: Omit<SessionCheckpoint, 'lease'>, events: SequencedEvent[], owner: string, until: number): Promise<boolean> {
    // Events first: until HEAD exists nobody reads them, and rewriting them is idempotent.
    await this.writeEvents(sessionKey, events, randomUUID());
    // An update, not a put: lifecycle numbers reserved before the first poll succeeded stay reserved.
    const { lifecycleSequence, ...head } = toHeadAttributes(checkpoint);
    const attributes = { ...head, owner: { S: owner }, ownedUntil: num(until) };
    return this.conditionalUpdate(sessionKey, {
      UpdateExpression: `${setExpression(attributes)}, #lifecycleSequence = if_not_exists(#lifecycleSequence, :lifecycleSequence)`,
      ConditionExpression: 'attribute_not_exists(#cursor)',
      ExpressionAttributeNames: names(...Object.keys(attributes), 'lifecycleSequence'),
      ExpressionAttributeValues: { ...setValues(attributes), ':lifecycleSequence': lifecycleSequence as AttributeValue },
    });
  }

  async commit(
    sessionKey: string,
    expected: CheckpointExpectation,
    next: CheckpointAdvance,
    events: SequencedEvent[],
    lockUntil: number,
    published: PublishedMark,
  ): Promise<'inline' | 'items' | 'superseded'> {
    const advance = advanceAttributes(next, published.through);
    if (events.length === 0) return (await this.advanceFrom(sessionKey, expected, advance)) ? 'inline' : 'superseded';
    // The batch replaces the one HEAD holds: what of that is not on the bus yet moves to items first
    // (identical items whoever writes them, and numbered at or below HEAD's sequence).
    await this.writeEvents(sessionKey, published.unpublishedInline, INLINE_SPILL_TOKEN);
    const inline = encodeInline(events);
    if (inline && inline.byteLength <= INLINE_BATCH_MAX_BYTES) {
      const held = { ...advance, inline: { B: inline }, inlineFirst: num(events[0]?.sequence ?? 0) };
      return (await this.advanceFrom(sessionKey, expected, held)) ? 'inline' : 'superseded';
    }
    const token = randomUUID();
    const locked = await this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #lockToken = :token, #lockedUntil = :until',
      ConditionExpression: `${EXPECTED_CONDITION} AND (attribute_not_exists(#lockedUntil) OR #lockedUntil < :now)`,
      ExpressionAttributeNames: names('lockToken', 'lockedUntil', 'cursor', 'sequence'),
      ExpressionAttributeValues: { ':token': { S: token }, ':until': num(lockUntil), ...expectedValues(expected), ':now': num(this.now()) },
    });
    if (!locked) return 'superseded';
    await this.writeEvents(sessionKey, events, token);
    const advanced = await this.conditionalUpdate(sessionKey, {
      UpdateExpression: `${setExpression(advance)} REMOVE #lockToken, #lockedUntil, #inline, #inlineFirst`,
      ConditionExpression: '#lockToken = :token',
      ExpressionAttributeNames: names(...Object.keys(advance), 'lockToken', 'lockedUntil', 'inline', 'inlineFirst'),
      ExpressionAttributeValues: { ...setValues(advance), ':token': { S: token } },
    });
    return advanced ? 'items' : 'superseded';
  }

  /** One conditional write: HEAD advances from the cursor and sequence the poll was made with. */
  private advanceFrom(sessionKey: string, expected: CheckpointExpectation, attributes: Record<string, AttributeValue>): Promise<boolean> {
    return this.conditionalUpdate(sessionKey, {
      // A lock left by a holder that died (it expired) goes with the write.
      UpdateExpression: `${setExpression(attributes)} REMOVE #lockToken, #lockedUntil`,
      ConditionExpression: `${EXPECTED_CONDITION} AND (attribute_not_exists(#lockedUntil) OR #lockedUntil < :now)`,
      ExpressionAttributeNames: names(...new Set([...Object.keys(attributes), 'cursor', 'sequence', 'lockToken', 'lockedUntil'])),
      ExpressionAttributeValues: { ...setValues(attributes), ...expectedValues(expected), ':now': num(this.now()) },
    });
  }

  async backlog(sessionKey: string, after: number, through: number, maxBytes: number, inline: SequencedEvent[] = []): Promise<SequencedEvent[]> {
    if (through <= after) return [];
    const inlineFirst = inline[0]?.sequence ?? through + 1;
    const held = inline.filter((event) => event.sequence > after && event.sequence <= through);
    if (inlineFirst <= after + 1) return held;
    const items = await this.storedEvents(sessionKey, after, Math.min(through, inlineFirst - 1), maxBytes);
    // Cut short by maxBytes: the rest, the inline events included, comes next time.
    const lastItem = items.at(-1)?.sequence ?? after;
    const itemsCut = items.length > 0 && lastItem < Math.min(through, inlineFirst - 1) && sizeOf(items) >= maxBytes;
    return itemsCut ? items : [...items, ...held];
  }

  private async storedEvents(sessionKey: string, after: number, through: number, maxBytes: number): Promise<SequencedEvent[]> {
    if (through <= after) return [];
    const items: Record<string, AttributeValue>[] = [];
    let bytes = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.call('read stored events', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            // '~' sorts after every part suffix of the last event.
            ExpressionAttributeValues: { ':pk': { S: sessionKey }, ':from': { S: eventSortKey(after + 1) }, ':to': { S: `${eventSortKey(through)}~` } },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        items.push(item);
        bytes += item.body?.B?.byteLength ?? 0;
      }
      startKey = page.LastEvaluatedKey;
      // Stop between events only, never inside one.
      const last = items.at(-1);
      if (bytes >= maxBytes && last && Number(last.part?.N) === Number(last.parts?.N ?? 1) - 1) break;
    } while (startKey);
    // A page holds up to 1 MB: keep about `maxBytes` of it, at least one event.
    let kept = 0;
    return assembleEvents(items).filter((event, index) => {
      kept += eventBody(event).byteLength;
      return index === 0 || kept <= maxBytes;
    });
  }

  async markPublished(
    sessionKey: string,
    through: number,
    published: SequencedEvent[],
    inline?: { keep: SequencedEvent[] },
  ): Promise<SessionLease | undefined> {
    if (inline) await this.writeEvents(sessionKey, inline.keep, INLINE_SPILL_TOKEN);
    const written = await this.updateIfAllowed(sessionKey, {
      UpdateExpression: `SET #publishedThrough = :through${inline ? ' REMOVE #inline, #inlineFirst' : ''}`,
      // Equal passes: a batch whose first event EventBridge refused still leaves HEAD.
      ConditionExpression: '#publishedThrough <= :through',
      ExpressionAttributeNames: names('publishedThrough', ...(inline ? ['inline', 'inlineFirst'] : [])),
      ExpressionAttributeValues: { ':through': num(through) },
      // The item as written, at no extra cost: the poller learns of a claim on the lease without a read.
      ReturnValues: 'ALL_NEW',
    });
    const lease = written?.cursor ? fromHeadItem(written).lease : undefined;
    // Best effort: what stays behind lies at or below publishedThrough, where nobody reads.
    const deletes = published.flatMap((event) =>
      Array.from({ length: partCount(event) }, (_, part): WriteRequest => ({ DeleteRequest: { Key: key(sessionKey, eventSortKey(event.sequence, part)) } })),
    );
    await this.batchWrite(deletes).catch(() => undefined);
    return lease;
  }

  async reserveLifecycleNumbers(sessionKey: string, count: number): Promise<number> {
    const output = await this.call('number lifecycle events', () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(sessionKey, HEAD_SORT_KEY),
          // Unconditional: before the session's first checkpoint (its first poll failed) this creates
          // a HEAD holding only the counter, which create() then fills in.
          UpdateExpression: 'ADD #lifecycleSequence :count',
          ExpressionAttributeNames: names('lifecycleSequence'),
          ExpressionAttributeValues: { ':count': num(count) },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(output.Attributes?.lifecycleSequence?.N ?? count) - count + 1;
  }

  private async writeEvents(sessionKey: string, events: SequencedEvent[], token: string): Promise<void> {
    const puts = events.flatMap((event) => toEventItems(sessionKey, event, token).map((Item): WriteRequest => ({ PutRequest: { Item } })));
    await this.batchWrite(puts);
  }

  /** BatchWriteItem in groups of 25, sending unprocessed requests again until none is left. */
  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX_REQUESTS) {
      let pending = requests.slice(start, start + BATCH_WRITE_MAX_REQUESTS);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
        const output = await this.call('write stored events', () =>
          this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } })),
        );
        pending = output.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  private async conditionalUpdate(sessionKey: string, update: HeadUpdate): Promise<boolean> {
    return (await this.updateIfAllowed(sessionKey, update)) !== undefined;
  }

  /** Updates HEAD; the item as `ReturnValues` asks (empty without it), or undefined when the condition failed. */
  private async updateIfAllowed(sessionKey: string, update: HeadUpdate): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const output = await this.call('advance the checkpoint', () =>
        this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: key(sessionKey, HEAD_SORT_KEY), ...update })),
      );
      return output.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Every store failure but a failed condition becomes the one retryable error the state machine knows. */
  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw new CheckpointStoreUnavailableError(`could not ${what}: ${error instanceof Error ? error.name : 'unknown error'}`, { cause: error });
    }
  }
}

/** What an update of HEAD sets: its expressions, and optionally the item to return. */
type HeadUpdate = Pick<
  ConstructorParameters<typeof UpdateItemCommand>[0],
  'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues' | 'ReturnValues'
>;

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
}

function key(sessionKey: string, sortKey: string): Record<string, AttributeValue> {
  return { pk: { S: sessionKey }, sk: { S: sortKey } };
}

function num(value: number): AttributeValue {
  return { N: String(value) };
}

function nullableString(value: string | null): AttributeValue {
  return value === null ? { NULL: true } : { S: value };
}

function names(...attributes: string[]): Record<string, string> {
  return Object.fromEntries(attributes.map((name) => [`#${name}`, name]));
}

/** The commit's condition: HEAD still has the cursor and sequence the poll was made with. */
const EXPECTED_CONDITION = '#cursor = :expectedCursor AND #sequence = :expectedSequence';

function expectedValues(expected: CheckpointExpectation): Record<string, AttributeValue> {
  return { ':expectedCursor': { S: expected.cursor }, ':expectedSequence': num(expected.sequence) };
}

function advanceAttributes(next: CheckpointAdvance, publishedThrough: number): Record<string, AttributeValue> {
  return {
    cursor: { S: next.cursor },
    sequence: num(next.sequence),
    platformSessionId: nullableString(next.platformSessionId),
    sessionEnded: { BOOL: next.sessionEnded },
    publishedThrough: num(publishedThrough),
    ...(next.endReason ? { endReason: { S: next.endReason } } : {}),
  };
}

function setExpression(attributes: Record<string, AttributeValue>): string {
  return `SET ${Object.keys(attributes)
    .map((name) => `#${name} = :${name}`)
    .join(', ')}`;
}

function setValues(attributes: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`:${name}`, value]));
}

/**
 * The condition that the lease is still as the poller read it, with the values it needs; a lease of
 * a build before version 3 (no owner) counts as seen only while it is not live.
 */
function leaseAsSeen(seen: SessionLease, now: number): { condition: string; values: Record<string, AttributeValue> } {
  const parts: string[] = [];
  const values: Record<string, AttributeValue> = {};
  const same = (name: keyof SessionLease, value: string | number | undefined) => {
    if (value === undefined) {
      parts.push(`attribute_not_exists(#${name})`);
    } else {
      parts.push(`#${name} = :seen_${name}`);
      values[`:seen_${name}`] = typeof value === 'number' ? num(value) : { S: value };
    }
  };
  same('owner', seen.owner);
  same('ownedUntil', seen.ownedUntil);
  same('claimant', seen.claimant);
  same('claimFenceAt', seen.claimFenceAt);
  if (seen.owner === undefined) {
    parts.push('(attribute_not_exists(#leasedUntil) OR #leasedUntil < :seen_now)');
    values[':seen_now'] = num(now);
  }
  return { condition: parts.join(' AND '), values };
}

/** An answered batch as HEAD holds it: brotli-compressed JSON (events compress several times over); undefined when too large. */
function encodeInline(events: SequencedEvent[]): Buffer | undefined {
  const json = Buffer.from(JSON.stringify(events));
  if (json.byteLength > INLINE_BATCH_MAX_RAW_BYTES) return undefined;
  return brotliCompressSync(json, { params: { [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: json.byteLength } });
}

function decodeInline(blob: Uint8Array): SequencedEvent[] {
  return JSON.parse(brotliDecompressSync(blob).toString('utf8')) as SequencedEvent[];
}

function sizeOf(events: SequencedEvent[]): number {
  return events.reduce((bytes, event) => bytes + eventBody(event).byteLength, 0);
}

function toHeadAttributes(checkpoint: Omit<SessionCheckpoint, 'lease'>): Record<string, AttributeValue> {
  return {
    v: num(CHECKPOINT_ITEM_VERSION),
    agentId: { S: checkpoint.agentId },
    cursor: { S: checkpoint.cursor },
    sequence: num(checkpoint.sequence),
    publishedThrough: num(checkpoint.publishedThrough),
    lifecycleSequence: num(checkpoint.lifecycleSequence),
    platformSessionId: nullableString(checkpoint.platformSessionId),
    sessionEnded: { BOOL: checkpoint.sessionEnded },
    ...(checkpoint.endReason ? { endReason: { S: checkpoint.endReason } } : {}),
  };
}

function fromHeadItem(item: Record<string, AttributeValue>): SessionCheckpoint {
  const endReason = item.endReason?.S;
  return {
    agentId: item.agentId?.S ?? '',
    cursor: item.cursor?.S ?? '',
    sequence: Number(item.sequence?.N ?? 0),
    publishedThrough: Number(item.publishedThrough?.N ?? 0),
    lifecycleSequence: Number(item.lifecycleSequence?.N ?? 0),
    platformSessionId: item.platformSessionId?.S ?? null,
    sessionEnded: item.sessionEnded?.BOOL ?? false,
    ...(endReason === 'agent-session-end' || endReason === 'session-gone' ? { endReason } : {}),
    ...(item.lockedUntil?.N ? { lockedUntil: Number(item.lockedUntil.N) } : {}),
    ...(item.handOverRequestedFor?.S ? { handOverRequestedFor: item.handOverRequestedFor.S } : {}),
    lease: {
      ...(item.owner?.S ? { owner: item.owner.S } : {}),
      ...(item.ownedUntil?.N ? { ownedUntil: Number(item.ownedUntil.N) } : {}),
      ...(item.claimant?.S ? { claimant: item.claimant.S } : {}),
      ...(item.claimFenceAt?.N ? { claimFenceAt: Number(item.claimFenceAt.N) } : {}),
      ...(item.leasedUntil?.N ? { legacyLeasedUntil: Number(item.leasedUntil.N) } : {}),
    },
    ...(item.inline?.B ? { inline: decodeInline(item.inline.B) } : {}),
  };
}

function eventBody(event: SequencedEvent): Buffer {
  return Buffer.from(JSON.stringify(event.data ?? null));
}

function partCount(event: SequencedEvent): number {
  return Math.max(1, Math.ceil(eventBody(event).byteLength / EVENT_PART_MAX_BYTES));
}

/** One item per part; the first carries the event's fields, every part the writer's token. */
function toEventItems(sessionKey: string, event: SequencedEvent, token: string): Record<string, AttributeValue>[] {
  const body = eventBody(event);
  const parts = partCount(event);
  return Array.from({ length: parts }, (_, part) => ({
    ...key(sessionKey, eventSortKey(event.sequence, part)),
    seq: num(event.sequence),
    part: num(part),
    parts: num(parts),
    token: { S: token },
    body: { B: body.subarray(part * EVENT_PART_MAX_BYTES, (part + 1) * EVENT_PART_MAX_BYTES) },
    ...(part === 0 ? { receivedAt: { S: event.receivedAt }, platformSessionId: nullableString(event.platformSessionId) } : {}),
  }));
}

/** Joins each event's parts (those written with its first part's token) back into the event. */
function assembleEvents(items: Record<string, AttributeValue>[]): SequencedEvent[] {
  const events: SequencedEvent[] = [];
  let head: Record<string, AttributeValue> | undefined;
  let chunks: Uint8Array[] = [];
  const flush = () => {
    if (!head) return;
    const parts = Number(head.parts?.N ?? 1);
    if (chunks.length !== parts) throw new CheckpointStoreUnavailableError(`stored event ${head.seq?.N} has ${chunks.length} of its ${parts} parts`);
    events.push({
      sequence: Number(head.seq?.N),
      platformSessionId: head.platformSessionId?.S ?? null,
      receivedAt: head.receivedAt?.S ?? '',
      data: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    });
    head = undefined;
    chunks = [];
  };
  for (const item of items) {
    if (Number(item.part?.N) === 0) {
      flush();
      head = item;
      chunks = [item.body?.B ?? new Uint8Array()];
    } else if (head && item.token?.S === head.token?.S) {
      chunks.push(item.body?.B ?? new Uint8Array());
    }
  }
  flush();
  return events;
}
