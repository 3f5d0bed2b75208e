import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ParkPort } from '../../contract/dead-letter.js';

/** ParkPort over SQS: one message per item, in order. */
export function sqsPark(client: SQSClient, queueUrl: string): ParkPort {
  return async (items) => {
    for (const item of items) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(item) }));
    }
  };
}
