import type { EnvelopeEntry } from '../../contract/envelope.js';
import { PUT_EVENTS_RETRY } from '../../contract/retry-policy.js';
import type { ClaimCheckPort } from './claim-check.js';
import { PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_ENTRY_BYTES, PUT_EVENTS_MAX_REQUEST_BYTES, putEventsEntrySize } from './limits.js';

/** Per-entry answer of one PutEvents call, in request order. */
export interface PutEventsEntryResult {
  errorCode?: string;
  errorMessage?: string;
}

/**
 * Sends one PutEvents request (≤ 10 entries) and returns one result per entry. Throws when the
 * whole call fails. The adapter over the AWS SDK lives in eventbridge-port.ts.
 */
export type PutEventsPort = (entries: EnvelopeEntry[]) => Promise<PutEventsEntryResult[]>;

/** Why an entry was not published. */
export interface PublishFailure {
  index: number;
  reason: string;
  /** False when sending it again cannot help (too large for EventBridge and no claim check to store it). */
  retryable: boolean;
}

export interface PublishOptions {
  /** Wall-clock time (ms since epoch) after which no new attempt starts. */
  deadline: number;
  /** Attempts per entry inside this invocation. @default 3 */
  maxAttempts?: number;
  /** First backoff; doubles per attempt with full jitter. @default 100 */
  baseDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Stores an entry too large for EventBridge and gives the pointer entry to publish instead. Without
   * it such an entry is reported as a failure that cannot be retried.
   */
  claimCheck?: ClaimCheckPort;
}

/**
 * Publishes entries in order, in requests of at most 10 entries and 1 MB, retrying only the
 * entries that failed (whole-call errors and `FailedEntryCount`) with backoff inside the time
 * budget. An entry of 1 MB or more goes out as a claim check (options.claimCheck). Never throws for
 * a failed publish: it reports which entries are still unpublished so the caller can keep them.
 */
export async function publishInOrder(entries: EnvelopeEntry[], putEvents: PutEventsPort, options: PublishOptions): Promise<PublishFailure[]> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? PUT_EVENTS_RETRY.maxAttempts;
  const baseDelayMs = options.baseDelayMs ?? PUT_EVENTS_RETRY.baseDelayMs;

  const failures: PublishFailure[] = [];
  const toSend = [...entries];
  let pending: number[] = [];
  for (const [index, entry] of entries.entries()) {
    const size = putEventsEntrySize(entry);
    if (size < PUT_EVENTS_MAX_ENTRY_BYTES) {
      pending.push(index);
    } else if (!options.claimCheck) {
      failures.push({ index, reason: `entry is ${size} bytes, over the EventBridge limit of ${PUT_EVENTS_MAX_ENTRY_BYTES}`, retryable: false });
    } else {
      try {
        toSend[index] = await options.claimCheck(entry);
        pending.push(index);
      } catch (error) {
        // The store may come back: the event stays with the caller and is tried again.
        failures.push({ index, reason: `entry is ${size} bytes; its claim check could not be stored: ${describe(error)}`, retryable: true });
      }
    }
  }

  const lastReason = new Map<number, string>();
  for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) {
      const delay = Math.floor(random() * baseDelayMs * 2 ** (attempt - 1));
      if (now() + delay >= options.deadline) break;
      await sleep(delay);
    }
    const stillFailing: number[] = [];
    for (const batch of inPutEventsRequests(pending, (index) => putEventsEntrySize(toSend[index] as EnvelopeEntry))) {
      if (now() >= options.deadline) {
        stillFailing.push(...batch);
        continue;
      }
      try {
        const results = await putEvents(batch.map((index) => toSend[index] as EnvelopeEntry));
        batch.forEach((index, position) => {
          const result = results[position];
          if (result?.errorCode) {
            stillFailing.push(index);
            lastReason.set(index, `${result.errorCode}: ${result.errorMessage ?? 'no message'}`);
          }
        });
      } catch (error) {
        stillFailing.push(...batch);
        for (const index of batch) lastReason.set(index, `PutEvents call failed: ${describe(error)}`);
      }
    }
    pending = stillFailing;
  }
  for (const index of pending) {
    failures.push({ index, reason: lastReason.get(index) ?? 'time budget exhausted before publishing', retryable: true });
  }
  return failures.sort((a, b) => a.index - b.index);
}

/**
 * Splits items into consecutive PutEvents requests by count (10 entries) and total size, keeping
 * order; `sizeOf` is an item's entry size as EventBridge counts it.
 */
export function inPutEventsRequests<T>(items: T[], sizeOf: (item: T) => number): T[][] {
  const requests: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length === PUT_EVENTS_MAX_ENTRIES || (current.length > 0 && currentBytes + size >= PUT_EVENTS_MAX_REQUEST_BYTES)) {
      requests.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
