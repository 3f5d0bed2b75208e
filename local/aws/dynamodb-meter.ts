import type { IncomingHttpHeaders } from 'node:http';

/**
 * The twin's DynamoDB request-unit meter: what each table would be billed on demand for the requests
 * the code under test sent, read over any window (the bench prices the checkpoint store with it).
 *
 * dynalite does the accounting where its rules are AWS's (checked against the docs by
 * test/twin/dynamodb-meter.test.ts), and the meter fills in where dynalite does not report:
 * - Item size: the sum of attribute names and values
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
 *   dynalite counts a string's UTF-16 code units where the docs count its UTF-8 bytes: the same for
 *   ASCII, fewer otherwise, so the meter counts requests with non-ASCII text (`nonAsciiRequests`); while
 *   that is 0 every stored item was sized as the docs size it.
 * - Writes: one write unit per 1 KB, rounded up per item; PutItem and UpdateItem are charged the
 *   larger of the item before and after, DeleteItem the deleted item, BatchWriteItem each put or delete
 *   as its own PutItem or DeleteItem; reads: one read unit per 4 KB strongly consistent, half that
 *   eventually consistent, GetItem per item (an absent item still costs the minimum), Query the sum of
 *   the sizes of the items it read, rounded up to 4 KB once, and at least one read (see SEARCHES)
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
 *   dynalite applies these rules when asked for `ReturnConsumedCapacity: TOTAL`, which the meter asks
 *   for on every request and strips from the answer when the client did not ask, so the code under
 *   test sees the unchanged response.
 * - A failed conditional write: "If the expression evaluates to false, DynamoDB still consumes write
 *   capacity units from the table. The amount of consumed write capacity units depends on the size of
 *   the item. This item can be an existing item in the table or a new one you're attempting to create
 *   or update." (read-write-operations.html above). dynalite answers ConditionalCheckFailedException
 *   without any capacity, so the meter charges what the same write would have consumed had it
 *   succeeded: it copies the item as it is now into a shadow table and replays the write there
 *   without its condition.
 * Transactions are not metered: dynalite does not implement them and the bridge does not use them.
 */
export class DynamoDbMeter {
  private readonly tables = new Map<string, Map<string, OperationUnits>>();
  private nonAscii = 0;

  /** Adds one request's units to its table and operation. */
  record(table: string, operation: string, units: { readUnits?: number; writeUnits?: number; failedConditionalWrite?: boolean }): void {
    const operations = this.tables.get(table) ?? new Map<string, OperationUnits>();
    this.tables.set(table, operations);
    const current = operations.get(operation) ?? { requests: 0, readUnits: 0, writeUnits: 0, failedConditionalWrites: 0 };
    operations.set(operation, {
      requests: current.requests + 1,
      readUnits: current.readUnits + (units.readUnits ?? 0),
      writeUnits: current.writeUnits + (units.writeUnits ?? 0),
      failedConditionalWrites: current.failedConditionalWrites + (units.failedConditionalWrite ? 1 : 0),
    });
  }

  /** Counts a metered request whose text is not all ASCII (see the class comment). */
  recordNonAscii(): void {
    this.nonAscii += 1;
  }

  /** Everything counted so far, as a copy: take one before and one after a window and subtract. */
  reading(): MeterReading {
    const tables: MeterReading['tables'] = {};
    for (const [table, operations] of this.tables) tables[table] = Object.fromEntries([...operations].map(([operation, units]) => [operation, { ...units }]));
    return { tables, nonAsciiRequests: this.nonAscii };
  }
}

/** Units one operation on one table consumed. */
export interface OperationUnits {
  requests: number;
  readUnits: number;
  writeUnits: number;
  /** Requests answered ConditionalCheckFailedException (their units are in writeUnits). */
  failedConditionalWrites: number;
}

export interface MeterReading {
  /** By table name, then by operation (`UpdateItem`, `Query`, …). */
  tables: Record<string, Record<string, OperationUnits>>;
  nonAsciiRequests: number;
}

/** What one table consumed between two readings, in total and by operation. */
export interface TableUsage {
  readUnits: number;
  writeUnits: number;
  requests: number;
  byOperation: Record<string, OperationUnits>;
  /** Metered requests with non-ASCII text between the readings (on every table). */
  nonAsciiRequests: number;
}

/** The units `table` consumed between `before` and `after`. */
export function usageBetween(before: MeterReading, after: MeterReading, table: string): TableUsage {
  const byOperation: Record<string, OperationUnits> = {};
  let readUnits = 0;
  let writeUnits = 0;
  let requests = 0;
  for (const [operation, units] of Object.entries(after.tables[table] ?? {})) {
    const earlier = before.tables[table]?.[operation] ?? { requests: 0, readUnits: 0, writeUnits: 0, failedConditionalWrites: 0 };
    const delta: OperationUnits = {
      requests: units.requests - earlier.requests,
      readUnits: units.readUnits - earlier.readUnits,
      writeUnits: units.writeUnits - earlier.writeUnits,
      failedConditionalWrites: units.failedConditionalWrites - earlier.failedConditionalWrites,
    };
    if (delta.requests === 0) continue;
    byOperation[operation] = delta;
    readUnits += delta.readUnits;
    writeUnits += delta.writeUnits;
    requests += delta.requests;
  }
  return { readUnits, writeUnits, requests, byOperation, nonAsciiRequests: after.nonAsciiRequests - before.nonAsciiRequests };
}

/** One request to dynalite and its answer, as HTTP carries them. */
export interface DynaliteAnswer {
  statusCode: number;
  headers: Record<string, string | number>;
  body: string;
}
/** Sends a request to dynalite in-process, past the meter (a POST to / unless `http` says otherwise). */
export type DynaliteDispatch = (headers: IncomingHttpHeaders, body: string, http?: { method?: string; url?: string }) => Promise<DynaliteAnswer>;

/** A table's key attributes, to find the item a failed PutItem addressed. */
export interface MeteredTable {
  name: string;
  keyAttributes: string[];
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const CONDITIONAL_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
/**
 * A Query or Scan that reads nothing still costs a read: "For Query/Scan operations, you'll still be
 * charged additional read throughput based on read consistency and the number of partitions searched
 * to serve the request, even if no data exists" (read-write-operations.html); dynalite charges 0 for
 * no items, the meter charges one partition's read: 1 unit strongly consistent, half eventually.
 */
const SEARCHES = new Set(['Query', 'Scan']);
/** The shadow table a failed conditional write is replayed in: same keys, never seen by the code under test. */
export const SHADOW_TABLE_PREFIX = 'meter-shadow.';
/** An attribute no item has: `attribute_not_exists` of it is always true. */
const NEVER_SET_NAME = '#meterNeverSet';
const NEVER_SET_ATTRIBUTE = 'meter.never.set';

type JsonObject = Record<string, unknown>;

/**
 * Passes one request to dynalite and meters it: asks for TOTAL consumed capacity, records it by table
 * and operation, strips it again if the client did not ask, and charges a failed conditional write.
 */
export class MeteredDynalite {
  /** Replays of failed conditional writes run one at a time: they share the shadow tables. */
  private replays: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly meter: DynamoDbMeter,
    private readonly dispatch: DynaliteDispatch,
    private readonly tables: MeteredTable[],
  ) {}

  async send(headers: IncomingHttpHeaders, body: string, http: { method?: string; url?: string } = {}): Promise<DynaliteAnswer> {
    const target = String(headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const metered = (http.method ?? 'POST') === 'POST' && (READ_OPERATIONS.has(operation) || WRITE_OPERATIONS.has(operation));
    const request = metered ? parseObject(body) : undefined;
    if (!request) return this.dispatch(headers, body, http);
    // dynalite sizes strings in UTF-16 code units, the docs in UTF-8 bytes: equal for ASCII only.
    if (Buffer.byteLength(body, 'utf8') !== body.length) this.meter.recordNonAscii();
    const clientAsked = request.ReturnConsumedCapacity === 'TOTAL' || request.ReturnConsumedCapacity === 'INDEXES';
    const answer = await this.dispatch(headers, clientAsked ? body : JSON.stringify({ ...request, ReturnConsumedCapacity: 'TOTAL' }), http);
    const output = answer.statusCode === 200 ? parseObject(answer.body) : undefined;
    if (output) {
      const isRead = READ_OPERATIONS.has(operation);
      const minimum = SEARCHES.has(operation) ? (request.ConsistentRead === true ? 1 : 0.5) : 0;
      let corrected = false;
      for (const consumed of consumedCapacities(output.ConsumedCapacity)) {
        const units = Math.max(consumed.units, minimum);
        corrected ||= units !== consumed.units;
        this.meter.record(consumed.table, operation, isRead ? { readUnits: units } : { writeUnits: units });
      }
      if (clientAsked && !corrected) return answer;
      if (clientAsked) output.ConsumedCapacity = { ...(output.ConsumedCapacity as JsonObject), CapacityUnits: minimum };
      else delete output.ConsumedCapacity;
      return withBody(answer, JSON.stringify(output));
    }
    if (CONDITIONAL_WRITES.has(operation) && isConditionFailure(answer.body)) {
      const table = String(request.TableName ?? '');
      const units = await this.inTurn(() => this.unitsHadItSucceeded(operation, request));
      this.meter.record(table, operation, { writeUnits: units, failedConditionalWrite: true });
    }
    return answer;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.replays.then(work, work);
    this.replays = turn.catch(() => undefined);
    return turn;
  }

  /**
   * The write units of `request` had its condition held: the addressed item as it is now is copied
   * into the shadow table, the write replayed there with a condition that always holds, and the copy
   * removed. At least 1 (a write of an absent item, per the docs' minimum) if the replay fails.
   */
  private async unitsHadItSucceeded(operation: string, request: JsonObject): Promise<number> {
    const name = String(request.TableName ?? '');
    const table = this.tables.find((candidate) => candidate.name === name);
    const addressed = operation === 'PutItem' ? (request.Item as JsonObject | undefined) : (request.Key as JsonObject | undefined);
    if (!table || !addressed) return 1;
    const key = Object.fromEntries(table.keyAttributes.map((attribute) => [attribute, addressed[attribute]]));
    const shadow = `${SHADOW_TABLE_PREFIX}${name}`;
    const existing = parseObject((await this.internal('GetItem', { TableName: name, Key: key, ConsistentRead: true })).body)?.Item;
    if (existing) await this.internal('PutItem', { TableName: shadow, Item: existing });
    const replay: JsonObject = { ...request, TableName: shadow, ReturnConsumedCapacity: 'TOTAL', ReturnValues: 'NONE' };
    delete replay.Expected;
    delete replay.ConditionalOperator;
    delete replay.ReturnValuesOnConditionCheckFailure;
    if (typeof request.ConditionExpression === 'string') {
      replay.ConditionExpression = `(${request.ConditionExpression}) OR attribute_not_exists(${NEVER_SET_NAME})`;
      replay.ExpressionAttributeNames = { ...(request.ExpressionAttributeNames as JsonObject | undefined), [NEVER_SET_NAME]: NEVER_SET_ATTRIBUTE };
    }
    const answer = await this.internal(operation, replay);
    await this.internal('DeleteItem', { TableName: shadow, Key: key });
    const [consumed] = consumedCapacities(parseObject(answer.body)?.ConsumedCapacity);
    return answer.statusCode === 200 && consumed ? consumed.units : 1;
  }

  /** A request of the meter's own: straight to dynalite, never counted. */
  private internal(operation: string, request: JsonObject): Promise<DynaliteAnswer> {
    return this.dispatch(internalHeaders(operation), JSON.stringify(request));
  }
}

/** Headers dynalite accepts (it checks that a SigV4 header is present, not the signature). */
export function internalHeaders(operation: string): IncomingHttpHeaders {
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `${TARGET_PREFIX}${operation}`,
    'x-amz-date': '20260101T000000Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
  };
}

/** ConsumedCapacity is one object (single-item operations, Query) or one per table (batches). */
function consumedCapacities(value: unknown): { table: string; units: number }[] {
  const entries = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return entries.flatMap((entry) => {
    const { TableName, CapacityUnits } = (entry ?? {}) as { TableName?: unknown; CapacityUnits?: unknown };
    return typeof TableName === 'string' && typeof CapacityUnits === 'number' ? [{ table: TableName, units: CapacityUnits }] : [];
  });
}

function isConditionFailure(body: string): boolean {
  const type = parseObject(body)?.__type;
  return typeof type === 'string' && type.endsWith('#ConditionalCheckFailedException');
}

function parseObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The answer with another body, its length and its CRC32: DynamoDB sends X-Amz-Crc32 of the body and
 * the AWS SDKs check it (https://pkg.go.dev/github.com/aws/aws-sdk-go-v2/service/dynamodb/internal/customizations).
 */
function withBody(answer: DynaliteAnswer, body: string): DynaliteAnswer {
  const bytes = Buffer.from(body, 'utf8');
  return { ...answer, body, headers: { ...answer.headers, 'content-length': bytes.length, 'x-amz-crc32': crc32(bytes) } };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, index) => {
  let value = index;
  for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
  return value >>> 0;
});

/** CRC-32 (IEEE), unsigned, as the x-amz-crc32 header carries it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
