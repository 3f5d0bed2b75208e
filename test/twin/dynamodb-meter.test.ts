import {
  type AttributeValue,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MeterReading, SHADOW_TABLE_PREFIX, usageBetween } from '../../local/aws/dynamodb-meter.js';
import type { LocalDynamoDb } from '../../local/aws/local-dynamodb.js';
import { startCheckpointTable } from '../unit/checkpoint-table.js';

// The expected units are worked out here from AWS's rules, never read from dynalite:
// an item's size is the UTF-8 bytes of its attribute names and string values
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
// a write costs 1 unit per 1 KB, a strongly consistent read 1 per 4 KB, an eventually consistent one half
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
const TABLE = 'metered';
const KB = 1024;

let dynamo: LocalDynamoDb;
let client: DynamoDBClient;
let before: MeterReading;

beforeAll(async () => {
  dynamo = await startCheckpointTable(TABLE);
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});
beforeEach(() => {
  before = dynamo.meter.reading();
});

/** An item of exactly `bytes` by the docs' rule: names pk, sk, body and their ASCII string values. */
function itemOf(sk: string, bytes: number, pk = 'p'): Record<string, AttributeValue> {
  const fixed = 'pk'.length + pk.length + 'sk'.length + sk.length + 'body'.length;
  if (bytes <= fixed) throw new Error(`an item needs more than ${fixed} bytes`);
  return { pk: { S: pk }, sk: { S: sk }, body: { S: 'x'.repeat(bytes - fixed) } };
}
const keyOf = (sk: string, pk = 'p') => ({ pk: { S: pk }, sk: { S: sk } });
const used = () => usageBetween(before, dynamo.meter.reading(), TABLE);

describe('the DynamoDB meter, against dynalite through the SDK', () => {
  it.each([
    ['exactly 1 KB', KB, 1],
    ['1 KB and 1 byte', KB + 1, 2],
    ['2.5 KB', 2.5 * KB, 3],
  ])('charges a PutItem of %s per started 1 KB', async (_, bytes, units) => {
    // Act
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf(`put-${bytes}`, bytes) }));

    // Assess
    expect(used()).toMatchObject({ writeUnits: units, readUnits: 0, requests: 1 });
  });

  it('charges an UpdateItem the larger of the item before and after (a shrinking update costs the old size)', async () => {
    // Prepare: a 3 KB item
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('shrinks', 3 * KB) }));
    before = dynamo.meter.reading();

    // Act: the body goes, leaving an item of a few bytes
    await client.send(new UpdateItemCommand({ TableName: TABLE, Key: keyOf('shrinks'), UpdateExpression: 'REMOVE body' }));

    // Assess: 3 units for the 3 KB before, not 1 for the few bytes after
    expect(used().byOperation.UpdateItem).toMatchObject({ requests: 1, writeUnits: 3 });
  });

  it('charges an UpdateItem that grows an item its new size', async () => {
    // Prepare: a small item
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('grows', 100) }));
    before = dynamo.meter.reading();

    // Act: a 1.5 KB attribute is added
    await client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: keyOf('grows'),
        UpdateExpression: 'SET extra = :extra',
        ExpressionAttributeValues: { ':extra': { S: 'y'.repeat(1.5 * KB) } },
      }),
    );

    // Assess: 100 + 5 + 1,536 bytes = 2 units
    expect(used().writeUnits).toBe(2);
  });

  it('charges a DeleteItem the deleted item, and an absent one the minimum of 1', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('deleted', 2.5 * KB) }));
    before = dynamo.meter.reading();

    // Act
    await client.send(new DeleteItemCommand({ TableName: TABLE, Key: keyOf('deleted') }));
    await client.send(new DeleteItemCommand({ TableName: TABLE, Key: keyOf('never-there') }));

    // Assess
    expect(used().byOperation.DeleteItem).toMatchObject({ requests: 2, writeUnits: 3 + 1 });
  });

  it('charges a failed conditional UpdateItem what the update would have cost, and the caller still gets the failure', async () => {
    // Prepare: a 2.5 KB item whose version is 1
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...itemOf('guarded', 2.5 * KB - 8), version: { S: '1' } } }));
    before = dynamo.meter.reading();

    // Act: the condition expects version 2
    const failure = await client
      .send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: keyOf('guarded'),
          UpdateExpression: 'SET #version = :next',
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': { S: '2' }, ':next': { S: '3' } },
        }),
      )
      .catch((error: unknown) => error);

    // Assess: the SDK saw the unchanged failure, the table was billed for the 2.5 KB item, nothing changed
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect(used().byOperation.UpdateItem).toEqual({ requests: 1, readUnits: 0, writeUnits: 3, failedConditionalWrites: 1 });
    const stored = await client.send(new GetItemCommand({ TableName: TABLE, Key: keyOf('guarded'), ConsistentRead: true }));
    expect(stored.Item?.version).toEqual({ S: '1' });
  });

  it('charges a failed conditional PutItem of an absent item the item it tried to create', async () => {
    // Act: the condition wants an existing item; there is none
    const failure = await client
      .send(new PutItemCommand({ TableName: TABLE, Item: itemOf('not-there', 1.5 * KB), ConditionExpression: 'attribute_exists(pk)' }))
      .catch((error: unknown) => error);

    // Assess: 1.5 KB would have been written, so 2 units; and nothing was
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect(used().byOperation.PutItem).toMatchObject({ writeUnits: 2, failedConditionalWrites: 1 });
    const stored = await client.send(new GetItemCommand({ TableName: TABLE, Key: keyOf('not-there'), ConsistentRead: true }));
    expect(stored.Item).toBeUndefined();
  });

  it('leaves no copy behind in the shadow table it replays failed writes in', async () => {
    // Act
    await client
      .send(new DeleteItemCommand({ TableName: TABLE, Key: keyOf('guarded'), ConditionExpression: 'attribute_not_exists(pk)' }))
      .catch(() => undefined);

    // Assess
    const shadow = await client.send(new ScanCommand({ TableName: `${SHADOW_TABLE_PREFIX}${TABLE}`, ConsistentRead: true }));
    expect(shadow.Count).toBe(0);
    expect(used().byOperation.DeleteItem).toMatchObject({ writeUnits: 3, failedConditionalWrites: 1 });
  });

  it('charges each item of a BatchWriteItem rounded up on its own (500 bytes + 3.5 KB = 1 + 4 units)', async () => {
    // Act
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [TABLE]: [{ PutRequest: { Item: itemOf('batch-small', 500) } }, { PutRequest: { Item: itemOf('batch-large', 3.5 * KB) } }] },
      }),
    );

    // Assess
    expect(used().byOperation.BatchWriteItem).toMatchObject({ requests: 1, writeUnits: 5 });
  });

  it.each([
    ['strongly consistent', true, 2],
    ['eventually consistent', false, 1],
  ])('charges a %s GetItem of a 5 KB item per started 4 KB', async (_, consistent, units) => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('read', 5 * KB) }));
    before = dynamo.meter.reading();

    // Act
    await client.send(new GetItemCommand({ TableName: TABLE, Key: keyOf('read'), ConsistentRead: consistent }));

    // Assess
    expect(used()).toMatchObject({ readUnits: units, writeUnits: 0 });
  });

  it('charges a GetItem of an absent item the minimum', async () => {
    // Act
    await client.send(new GetItemCommand({ TableName: TABLE, Key: keyOf('absent'), ConsistentRead: true }));

    // Assess
    expect(used().readUnits).toBe(1);
  });

  it('charges a Query the sum of the items it read, rounded up to 4 KB once', async () => {
    // Prepare: 1.5 KB + 3 KB under one partition key = 4.5 KB
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('a', 1.5 * KB, 'query') }));
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('b', 3 * KB, 'query') }));
    before = dynamo.meter.reading();

    // Act
    const output = await client.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'query' } }, ConsistentRead: true }),
    );

    // Assess: 2 units (not 1 + 1 per item)
    expect(output.Count).toBe(2);
    expect(used().byOperation.Query).toMatchObject({ requests: 1, readUnits: 2 });
  });

  it.each([
    ['strongly consistent', true, 1],
    ['eventually consistent', false, 0.5],
  ])('charges a %s Query that finds nothing one read of its partition, and says so to a client that asked', async (_, consistent, units) => {
    // Act
    const output = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'nobody' } },
        ConsistentRead: consistent,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );

    // Assess
    expect(output.Count).toBe(0);
    expect(output.ConsumedCapacity).toEqual({ TableName: TABLE, CapacityUnits: units });
    expect(used().byOperation.Query).toMatchObject({ requests: 1, readUnits: units });
  });

  it('answers ConsumedCapacity only to a client that asked for it', async () => {
    // Act
    const silent = await client.send(new GetItemCommand({ TableName: TABLE, Key: keyOf('absent'), ConsistentRead: true }));
    const asked = await client.send(new GetItemCommand({ TableName: TABLE, Key: keyOf('absent'), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));

    // Assess: both metered, one answered
    expect(silent.ConsumedCapacity).toBeUndefined();
    expect(asked.ConsumedCapacity).toEqual({ TableName: TABLE, CapacityUnits: 1 });
    expect(used().readUnits).toBe(2);
  });

  it('counts requests with non-ASCII text, whose strings dynalite sizes in UTF-16 code units', async () => {
    // Act
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { ...keyOf('accent'), body: { S: 'é' } } }));

    // Assess
    expect(usageBetween(before, dynamo.meter.reading(), TABLE).nonAsciiRequests).toBe(1);
  });
});
