import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The longest SQS keeps a message (MessageRetentionPeriod is at most 1,209,600 s):
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 */
const LONGEST_RETENTION = Duration.days(14);

export interface EncryptedQueueProps {
  /** Where messages received too often go. @default none */
  readonly deadLetterQueue?: sqs.DeadLetterQueue;
  /** Largest message the queue accepts, in bytes. @default the SQS default (256 KiB) */
  readonly maxMessageSizeBytes?: number;
  /** What CloudFormation does with the queue when it leaves the template. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A queue as every one of ours is built: encrypted at rest with an SQS-managed key (SSE-SQS), a
 * queue policy that refuses any request not sent over TLS, and messages kept for 14 days, the
 * longest SQS allows, so there is time to fix a consumer and redrive.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
 */
export class EncryptedQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, props: EncryptedQueueProps = {}) {
    super(scope, id, {
      ...props,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: LONGEST_RETENTION,
    });
  }
}

export interface DeadLetterQueueProps extends EncryptedQueueProps {
  /**
   * Why the queue needs no dead-letter queue of its own (cdk-nag AwsSolutions-SQS3 and
   * Serverless-SQSRedrivePolicy), recorded with the acknowledgement.
   * @default it is itself a dead-letter queue, read by operators
   */
  readonly withoutRedriveBecause?: string;
}

const IS_DEAD_LETTER_QUEUE =
  'It is itself a dead-letter queue, read by operators who redrive or replay its messages; a queue behind it would only move the problem.';

/**
 * An encrypted queue that holds what could not be delivered elsewhere. It has no dead-letter queue
 * of its own, and says so to cdk-nag here, on the queue. (AwsSolutions-SQS3 fires only where nag
 * cannot see another queue redriving into this one; an EventBridge target's dead-letter queue is
 * such a case.)
 */
export class DeadLetterQueue extends EncryptedQueue {
  constructor(scope: Construct, id: string, props: DeadLetterQueueProps = {}) {
    const { withoutRedriveBecause, ...queueProps } = props;
    super(scope, id, queueProps);
    const reason = withoutRedriveBecause ?? IS_DEAD_LETTER_QUEUE;
    Validations.of(this).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason }, { id: 'Serverless::Serverless-SQSRedrivePolicy', reason });
  }
}
