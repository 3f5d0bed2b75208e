/**
 * The AWS limits the twin enforces, written from AWS's documentation and never imported from the code
 * under test: if the bridge got a limit wrong, the twin must disagree with it.
 */

/**
 * PutEvents takes 1 to 10 entries per request.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * An entry, and the entries of one request together, must be under 1 MB since 29 January 2026: AWS
 * Compute Blog, "More room to build: serverless services now support payloads up to 1 MB"
 * (https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb).
 * The user-guide page on entry size still says 256 KB
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). The twin holds
 * "1 MB" to 1,000,000 bytes, the stricter of 10^6 and 2^20, so it is never kinder than AWS; an entry
 * of 1 MB or more makes its request 1 MB or more, so the request check refuses both.
 */
export const PUT_EVENTS_MAX_REQUEST_BYTES = 1_000_000;

/**
 * An entry's size as EventBridge counts it: Time 14 bytes when given, plus the UTF-8 bytes of Source,
 * DetailType, Detail and each Resource.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
export function putEventsEntrySize(entry: { Source: string; DetailType: string; Detail?: string; Time?: unknown; Resources?: string[] }): number {
  let size = entry.Time === undefined ? 0 : 14;
  size += Buffer.byteLength(entry.Source, 'utf8') + Buffer.byteLength(entry.DetailType, 'utf8');
  if (entry.Detail !== undefined) size += Buffer.byteLength(entry.Detail, 'utf8');
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

/**
 * What EventBridge does with a target that has no RetryPolicy: "retries sending the event for 24 hours
 * and up to 185 times". https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 */
export const EVENTBRIDGE_DEFAULT_TARGET_RETRY = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 } as const;
