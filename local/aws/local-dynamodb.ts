import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
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
 */
export async function startLocalDynamoDb(tables: LocalTableDefinition[], faults?: DynamoDbFaults): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  if (faults) refuseDuringOutages(server, faults);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  for (const table of tables) {
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

/** Puts the outage check in front of dynalite's own request handling. */
function refuseDuringOutages(server: Server, faults: DynamoDbFaults): void {
  const serve = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const target = request.headers['x-amz-target'];
    const refusal = typeof target === 'string' ? faults.refusal(target) : undefined;
    if (!refusal) {
      for (const listener of serve) listener.call(server, request, response);
      return;
    }
    // The body is not read: drain it so the connection stays usable, then answer.
    request.resume();
    const payload = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${refusal.type}`, message: refusal.message });
    response.writeHead(refusal.statusCode, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': randomUUID(),
    });
    response.end(payload);
  });
}
