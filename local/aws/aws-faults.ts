import { FaultWindow, type FaultWindowSpec } from '../faults/fault-window.js';
import { AwsApiError } from './local-aws-server.js';

/**
 * The error each service answers when it cannot take a call, as its API reference documents:
 * - EventBridge PutEvents: InternalException (HTTP 500), "This exception occurs due to unexpected causes."
 *   https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 * - SQS (JSON protocol): ServiceUnavailable (HTTP 503), "The request has failed due to a temporary failure of the server."
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
 * - S3: ServiceUnavailable (HTTP 503), "Reduce your request rate." https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 * - DynamoDB: ServiceUnavailable (HTTP 503), "DynamoDB is currently unavailable. (This should be a temporary state.)"
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
 * Any other operation: ServiceUnavailable (HTTP 503), the common error of every AWS API.
 */
export function unavailableError(operation: string): AwsApiError {
  if (operation.startsWith('AWSEvents.')) return new AwsApiError('InternalException', 'injected outage: EventBridge is unavailable', 500);
  if (operation.startsWith('AmazonSQS.'))
    return new AwsApiError('com.amazonaws.sqs#ServiceUnavailable', 'injected outage: the queue service is unavailable', 503);
  if (operation.startsWith(DYNAMODB_TARGET_PREFIX)) return new AwsApiError('ServiceUnavailable', 'injected outage: DynamoDB is unavailable', 503);
  return new AwsApiError('ServiceUnavailable', 'injected outage: the service is unavailable', 503);
}

/** The X-Amz-Target prefix of every DynamoDB operation (JSON 1.0 protocol, API version 2012-08-10). */
export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

/** Whether a window's operation covers `operation`: the same name, or a `Prefix.*` pattern. */
function covers(pattern: string, operation: string): boolean {
  return pattern.endsWith('*') ? operation.startsWith(pattern.slice(0, -1)) : pattern === operation;
}

/** Operations by the names `--fault` and tests use for them. */
export const AWS_FAULT_TARGETS = {
  eventbridge: ['AWSEvents.PutEvents'],
  // Parked items (and claim checks) are S3 objects in the large-event bucket.
  dlq: ['S3.PutObject'],
  // The checkpoint store: every DynamoDB operation (X-Amz-Target DynamoDB_20120810.<Action>).
  dynamodb: [`${DYNAMODB_TARGET_PREFIX}*`],
} as const;
export type AwsFaultTarget = keyof typeof AWS_FAULT_TARGETS;

/** Windows of simulated time during which an operation of the local AWS endpoint refuses every call. */
export class AwsFaults {
  private readonly windows: { operation: string; window: FaultWindow }[] = [];

  constructor(private readonly timeScale = 1) {}

  /** Refuses `operation` (an X-Amz-Target such as `AWSEvents.PutEvents`, `Prefix.*`, or a target name) for the window. */
  refuse(operation: string | AwsFaultTarget, spec: FaultWindowSpec): void {
    const operations: readonly string[] = operation in AWS_FAULT_TARGETS ? AWS_FAULT_TARGETS[operation as AwsFaultTarget] : [operation];
    for (const name of operations) this.windows.push({ operation: name, window: new FaultWindow(spec, this.timeScale) });
  }

  /** The error a call to `operation` gets now, if a window refuses it. */
  refusal(operation: string, now = Date.now()): AwsApiError | undefined {
    return this.windows.some((entry) => covers(entry.operation, operation) && entry.window.isOpen(now)) ? unavailableError(operation) : undefined;
  }

  /** Whether any window is open or still to come. */
  pending(now = Date.now()): boolean {
    return this.windows.some((entry) => !entry.window.isOver(now));
  }

  clear(): void {
    this.windows.length = 0;
  }
}
