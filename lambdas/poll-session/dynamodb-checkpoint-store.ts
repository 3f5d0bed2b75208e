import { randomUUID } from 'node:crypto';
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
import type { CheckpointAdvance, CheckpointExpectation, CheckpointStore, SessionCheckpoint } from './checkpoint-store.js';

/** Version of the HEAD item's layout. */
export const CHECKPOINT_ITEM_VERSION = 1;
/** Sort key of the checkpoint item. */
export const HEAD_SORT_KEY = 'HEAD';

/**
 * DynamoDB items are at most 400 KB, attribute names included
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-items),
 * while a CXone event can be far larger: an event's JSON is stored as consecutive binary parts of
 * at most this many bytes, one item each, so nothing is ever cut short.
 */
export const EVENT_PART_MAX_BYTES = 300 * 1024;
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
 * An answered poll is committed in three writes: (1) HEAD takes a write lock, on condition that its
 * cursor and sequence are still the ones the poll was made with and no live lock exists; (2) the
 * events are written, numbered above HEAD's sequence where no reader looks yet; (3) HEAD advances
 * and drops the lock, on condition that it still holds this lock. Only the lock holder writes
 * event items, so two invocations answering from the same cursor can never mix their batches; a
 * holder that died leaves a lock that expires at its invocation's deadline.
 */
export class DynamoDbCheckpointStore implements CheckpointStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async load(sessionKey: string): Promise<SessionCheckpoint | undefined> {
    const output = await this.call('read the checkpoint', () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key(sessionKey, HEAD_SORT_KEY), ConsistentRead: true })),
    );
    // A HEAD without a cursor holds only lifecycle numbers (reserved before the first poll succeeded).
    return output.Item?.cursor ? fromHeadItem(output.Item) : undefined;
  }

  async lease(sessionKey: string, until: number): Promise<{ checkpoint: SessionCheckpoint; token: string } | 'busy' | undefined> {
    const token = randomUUID();
    try {
      const output = await this.call('lease the checkpoint', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key(sessionKey, HEAD_SORT_KEY),
            UpdateExpression: 'SET #leaseToken = :token, #leasedUntil = :until',
            ConditionExpression: 'attribute_exists(#cursor) AND (attribute_not_exists(#leasedUntil) OR #leasedUntil < :now)',
            ExpressionAttributeNames: names('leaseToken', 'leasedUntil', 'cursor'),
            ExpressionAttributeValues: { ':token': { S: token }, ':until': num(until), ':now': num(this.now()) },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return output.Attributes ? { checkpoint: fromHeadItem(output.Attributes), token } : undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Refused: either no checkpoint yet, or a live lease.
    return (await this.load(sessionKey)) ? 'busy' : undefined;
  }

  /**
   * Asks the named execution of the session to hand over after its next answered poll (the poller
   * reads it with the lease). False when the session has no checkpoint (it has not polled yet, or
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

  async release(sessionKey: string, token: string): Promise<void> {
    await this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'REMOVE #leaseToken, #leasedUntil',
      ConditionExpression: '#leaseToken = :token',
      ExpressionAttributeNames: names('leaseToken', 'leasedUntil'),
      ExpressionAttributeValues: { ':token': { S: token } },
    });
  }

  async create(sessionKey: string, checkpoint: SessionCheckpoint, events: SequencedEvent[]): Promise<boolean> {
    // Events first: until HEAD exists nobody reads them, and rewriting them is idempotent.
    await this.writeEvents(sessionKey, events, randomUUID());
    // An update, not a put: lifecycle numbers reserved before the first poll succeeded stay reserved.
    const { lifecycleSequence, ...attributes } = toHeadAttributes(checkpoint);
    const fields = Object.keys(attributes);
    try {
      await this.call('create the checkpoint', () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key(sessionKey, HEAD_SORT_KEY),
            UpdateExpression: `SET ${fields.map((field) => `#${field} = :${field}`).join(', ')}, #lifecycleSequence = if_not_exists(#lifecycleSequence, :lifecycleSequence)`,
            ConditionExpression: 'attribute_not_exists(#cursor)',
            ExpressionAttributeNames: names(...fields, 'lifecycleSequence'),
            ExpressionAttributeValues: {
              ...Object.fromEntries(Object.entries(attributes).map(([field, value]) => [`:${field}`, value])),
              ':lifecycleSequence': lifecycleSequence as AttributeValue,
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async commit(sessionKey: string, expected: CheckpointExpectation, next: CheckpointAdvance, events: SequencedEvent[], lockUntil: number): Promise<boolean> {
    const token = randomUUID();
    const locked = await this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #lockToken = :token, #lockedUntil = :until',
      ConditionExpression: '#cursor = :cursor AND #sequence = :sequence AND (attribute_not_exists(#lockedUntil) OR #lockedUntil < :now)',
      ExpressionAttributeNames: names('lockToken', 'lockedUntil', 'cursor', 'sequence'),
      ExpressionAttributeValues: {
        ':token': { S: token },
        ':until': num(lockUntil),
        ':cursor': { S: expected.cursor },
        ':sequence': num(expected.sequence),
        ':now': num(this.now()),
      },
    });
    if (!locked) return false;
    await this.writeEvents(sessionKey, events, token);
    const endReason = next.endReason ? ', #endReason = :endReason' : '';
    return this.conditionalUpdate(sessionKey, {
      UpdateExpression: `SET #cursor = :cursor, #sequence = :sequence, #platformSessionId = :platformSessionId, #sessionEnded = :sessionEnded${endReason} REMOVE #lockToken, #lockedUntil`,
      ConditionExpression: '#lockToken = :token',
      ExpressionAttributeNames: names(
        'cursor',
        'sequence',
        'platformSessionId',
        'sessionEnded',
        'lockToken',
        'lockedUntil',
        ...(next.endReason ? ['endReason'] : []),
      ),
      ExpressionAttributeValues: {
        ':cursor': { S: next.cursor },
        ':sequence': num(next.sequence),
        ':platformSessionId': nullableString(next.platformSessionId),
        ':sessionEnded': { BOOL: next.sessionEnded },
        ':token': { S: token },
        ...(next.endReason ? { ':endReason': { S: next.endReason } } : {}),
      },
    });
  }

  async backlog(sessionKey: string, after: number, through: number, maxBytes: number): Promise<SequencedEvent[]> {
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
      kept += Buffer.byteLength(JSON.stringify(event.data ?? null));
      return index === 0 || kept <= maxBytes;
    });
  }

  async markPublished(sessionKey: string, through: number, published: SequencedEvent[]): Promise<void> {
    await this.conditionalUpdate(sessionKey, {
      UpdateExpression: 'SET #publishedThrough = :through',
      ConditionExpression: '#publishedThrough < :through',
      ExpressionAttributeNames: names('publishedThrough'),
      ExpressionAttributeValues: { ':through': num(through) },
    });
    // Best effort: what stays behind lies at or below publishedThrough, where nobody reads.
    const deletes = published.flatMap((event) =>
      Array.from({ length: partCount(event) }, (_, part): WriteRequest => ({ DeleteRequest: { Key: key(sessionKey, eventSortKey(event.sequence, part)) } })),
    );
    await this.batchWrite(deletes).catch(() => undefined);
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

  private async conditionalUpdate(
    sessionKey: string,
    update: Pick<
      ConstructorParameters<typeof UpdateItemCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<boolean> {
    try {
      await this.call('advance the checkpoint', () =>
        this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: key(sessionKey, HEAD_SORT_KEY), ...update })),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
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

function toHeadAttributes(checkpoint: SessionCheckpoint): Record<string, AttributeValue> {
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
