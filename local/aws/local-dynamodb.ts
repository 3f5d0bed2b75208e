import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { type DynaliteAnswer, type DynaliteDispatch, DynamoDbMeter, MeteredDynalite, SHADOW_TABLE_PREFIX } from './dynamodb-meter.js';
import type { AwsApiError } from './local-aws-server.js';

/** A table to create, as the synthesized template declares it. */
export interface LocalTableDefinition {
  name: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  billingMode: string;
}

export interface LocalDynamoDb {
  /** Value for AWS_ENDPOINT_URL_DYNAMODB, e.g. http://127.0.0.1:4011 */
  endpoint: string;
  /** A client bound to this endpoint (tests read and write items with it). */
  client: DynamoDBClient;
  /** Request units each table consumed so far (see DynamoDbMeter). */
  meter: DynamoDbMeter;
  close(): Promise<void>;
}

/** Outage windows by operation (`DynamoDB_20120810.<Action>`), as the twin's AwsFaults keeps them. */
export interface DynamoDbFaults {
  refusal(operation: string): AwsApiError | undefined;
}

/**
 * DynamoDB on this machine: dynalite, an independent implementation of the DynamoDB API kept in
 * memory, on loopback only, with the given tables. The unchanged SDK clients reach it through
 * AWS_ENDPOINT_URL_DYNAMODB, which overrides AWS_ENDPOINT_URL for DynamoDB alone
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 * With `faults`, a call whose operation an outage window refuses is answered with the service's error
 * before dynalite sees it (nothing is read or written), in DynamoDB's JSON error shape
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 * Every request dynalite serves is metered (`meter`): the units each table would be billed on demand.
 */
export async function startLocalDynamoDb(tables: LocalTableDefinition[], faults?: DynamoDbFaults): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const meter = new DynamoDbMeter();
  const metered = new MeteredDynalite(
    meter,
    dispatchTo(server),
    tables.map((table) => ({ name: table.name, keyAttributes: table.keySchema.map((key) => key.AttributeName) })),
  );
  interpose(server, metered, faults);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // Each table and its shadow, where the meter replays failed conditional writes.
  for (const table of tables.flatMap((definition) => [definition, { ...definition, name: `${SHADOW_TABLE_PREFIX}${definition.name}` }])) {
    await client.send(
      new CreateTableCommand({
        TableName: table.name,
        KeySchema: table.keySchema,
        AttributeDefinitions: table.attributeDefinitions,
        BillingMode: table.billingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
        ...(table.billingMode === 'PAY_PER_REQUEST' ? {} : { ProvisionedThroughput: { ReadCapacityUnits: 1_000, WriteCapacityUnits: 1_000 } }),
      }),
    );
  }
  return {
    endpoint,
    client,
    meter,
    async close() {
      client.destroy();
      // Requests in flight finish first: dynalite closes its store once the server has closed, and
      // a request still being served after that would throw outside any caller.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(forced);
    },
  };
}

/**
 * Puts the outage check and the meter in front of dynalite's own request handling. A refused call is
 * answered before dynalite sees it (nothing is read, written or metered).
 */
function interpose(server: Server, metered: MeteredDynalite, faults: DynamoDbFaults | undefined): void {
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const target = request.headers['x-amz-target'];
      const refusal = typeof target === 'string' ? faults?.refusal(target) : undefined;
      if (refusal) {
        // The body is not read: drain it so the connection stays usable, then answer.
        request.resume();
        const payload = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${refusal.type}`, message: refusal.message });
        response.writeHead(refusal.statusCode, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(payload),
          'x-amzn-requestid': randomUUID(),
        });
        response.end(payload);
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const answer = await metered.send(request.headers, Buffer.concat(chunks).toString('utf8'), { method: request.method, url: request.url });
      response.writeHead(answer.statusCode, answer.headers);
      response.end(answer.body);
    })().catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

/**
 * dynalite's own handler, taken off the server, called in-process with a request that carries the
 * given headers and body and a response that hands back what dynalite answers.
 */
function dispatchTo(server: Server): DynaliteDispatch {
  const serve = server.listeners('request') as ((request: unknown, response: unknown) => void)[];
  server.removeAllListeners('request');
  return (headers, body, http = {}) =>
    new Promise<DynaliteAnswer>((resolve) => {
      const request = Object.assign(Readable.from(body === '' ? [] : [Buffer.from(body, 'utf8')]), {
        headers,
        method: http.method ?? 'POST',
        url: http.url ?? '/',
      });
      const answerHeaders: Record<string, string | number> = {};
      const response = {
        statusCode: 200,
        setHeader(name: string, value: string | number) {
          answerHeaders[name.toLowerCase()] = value;
        },
        end(payload?: string) {
          resolve({ statusCode: response.statusCode, headers: answerHeaders, body: payload ?? '' });
        },
      };
      for (const listener of serve) listener.call(server, request, response);
    });
}
