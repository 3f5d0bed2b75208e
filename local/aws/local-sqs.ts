import { createHash, randomUUID } from 'node:crypto';
import { AwsApiError, type AwsOperation } from './local-aws-server.js';

/** A message as the local queue holds it. */
export interface LocalQueueMessage {
  messageId: string;
  body: string;
  sentAt: number;
}

/**
 * SQS SendMessage (JSON protocol) over in-memory queues, with the checks the service makes that
 * matter here: the queue must exist and a message is at most the queue's size limit. The MD5 of
 * the body is returned because the SDK verifies it.
 */
export class LocalSqs {
  private readonly queues = new Map<string, { maxMessageSize: number; messages: LocalQueueMessage[] }>();
  private failures = 0;

  /** Creates a queue; returns its URL. */
  createQueue(url: string, maxMessageSize = 1024 * 1024): string {
    this.queues.set(url, { maxMessageSize, messages: [] });
    return url;
  }

  messages(url: string): LocalQueueMessage[] {
    return this.queues.get(url)?.messages ?? [];
  }

  /** Makes the next `count` sends fail, as an unavailable queue would. */
  failNext(count: number): void {
    this.failures += count;
  }

  operations(): Record<string, AwsOperation> {
    return {
      'AmazonSQS.SendMessage': (request) => {
        if (this.failures > 0) {
          this.failures -= 1;
          throw new AwsApiError('com.amazonaws.sqs#ServiceUnavailable', 'injected fault', 503);
        }
        const queue = this.queues.get(String(request.QueueUrl));
        if (!queue) throw new AwsApiError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
        const body = String(request.MessageBody ?? '');
        if (body === '') throw new AwsApiError('com.amazonaws.sqs#MissingParameter', 'The request must contain the parameter MessageBody.');
        if (Buffer.byteLength(body) > queue.maxMessageSize) {
          throw new AwsApiError(
            'com.amazonaws.sqs#InvalidParameterValue',
            `One or more parameters are invalid. Reason: Message must be shorter than ${queue.maxMessageSize} bytes.`,
          );
        }
        const message = { messageId: randomUUID(), body, sentAt: Date.now() };
        queue.messages.push(message);
        return { MessageId: message.messageId, MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
      },
    };
  }
}
