/**
 * The AWS size limits the bridge builds to, one home each. The twin enforces the same limits from
 * its own reading of the documentation (local/), never from this file.
 *
 * Since 29 January 2026 EventBridge events and SQS messages may be up to 1 MB (AWS Compute Blog,
 * "More room to build: serverless services now support payloads up to 1 MB",
 * https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb).
 * The EventBridge pages in our reference copy still say 256 KB
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html); they give the
 * way an entry is counted, which has not changed.
 */

/**
 * At most 10 entries per PutEvents call (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
 * Readers: publisher.ts (request splitting).
 */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * An entry, and the entries of one request together, must be smaller than 1 MB. "1 MB" is read as
 * 1,000,000 bytes, the smaller of the two readings (10^6 or 2^20), so the bridge stays under the
 * limit whichever one the service counts. Readers: publisher.ts (claim check above it, request
 * splitting), claim-check.ts.
 */
export const PUT_EVENTS_MAX_ENTRY_BYTES = 1_000_000;
export const PUT_EVENTS_MAX_REQUEST_BYTES = 1_000_000;

/** DetailType is 1–128 characters (PutEvents API reference above). Readers: none in code today (CXone types are short); kept with its source. */
export const DETAIL_TYPE_MAX_LENGTH = 128;

/**
 * An SQS message body is at most 1 MiB, 1,048,576 bytes (SendMessage `MessageBody`: "The maximum size
 * is 1 MiB or 1,048,576 bytes", https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/sqs/aws.sdk.kotlin.services.sqs.model/-send-message-request/-builder/message-body.html).
 * Readers: the README's limits table. Parked items are kept in S3 instead (no size limit that a
 * CXone event can reach, and no 14-day retention).
 */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Step Functions state, task input and result, and execution input are at most 256 KiB (262,144
 * bytes, UTF-8) and going over is `States.DataLimitExceeded`, which `States.ALL` does not catch
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateEnteredEventDetails.html).
 * Readers: the poller's state (no events ride in it), the hand-over input.
 */
export const STEP_FUNCTIONS_MAX_PAYLOAD_BYTES = 256 * 1024;

/** Size of one PutEvents entry as EventBridge counts it (eb-putevent-size above). */
export function putEventsEntrySize(entry: { Source: string; DetailType: string; Detail?: string; Time?: Date; Resources?: string[] }): number {
  let size = entry.Time ? 14 : 0;
  size += Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType);
  if (entry.Detail) size += Buffer.byteLength(entry.Detail);
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource);
  return size;
}
