import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

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

/**
 * DynamoDB on this machine: dynalite, an independent implementation of the DynamoDB API kept in
 * memory, on loopback only, with the given tables. The unchanged SDK clients reach it through
 * AWS_ENDPOINT_URL_DYNAMODB, which overrides AWS_ENDPOINT_URL for DynamoDB alone
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
export async function startLocalDynamoDb(tables: LocalTableDefinition[]): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
