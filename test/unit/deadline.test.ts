import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineBoundHttpHandler, InvocationDeadline } from '../../lambdas/shared/deadline.js';

/** An endpoint that accepts requests and never answers: a hung AWS call. */
let hung: Server;
let endpoint: string;
beforeAll(async () => {
  hung = createServer(() => {});
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', () => resolve()));
  endpoint = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
});
afterAll(async () => {
  hung.closeAllConnections();
  await new Promise((resolve) => hung.close(resolve));
});

describe('DeadlineBoundHttpHandler', () => {
  it("gives up on a hung AWS call when the invocation's time is up, SDK retries included", async () => {
    // Prepare: an invocation with 1.3 s left, of which 1 s is kept back to return.
    const deadline = new InvocationDeadline();
    const endsAt = Date.now() + 1_300;
    deadline.bind({ getRemainingTimeInMillis: () => endsAt - Date.now() });
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: new DeadlineBoundHttpHandler(deadline),
    });
    // Act
    const outcome = await client
      .send(new GetItemCommand({ TableName: 'checkpoints', Key: { pk: { S: 'x' }, sk: { S: 'HEAD' } } }))
      .catch((error: unknown) => error as Error);
    // Assess: the call ended (it would hang forever otherwise) with an abort, not an answer.
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toMatch(/Abort|Timeout/);
    client.destroy();
  });

  it('leaves a call alone before the handler is bound to an invocation', () => {
    expect(new InvocationDeadline().callBudgetMs()).toBe(Number.POSITIVE_INFINITY);
  });
});
