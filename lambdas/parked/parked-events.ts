import { PARKED_PREFIX, type ParkedItem, ParkedItemSchema, type ParkedKey, parseParkedKey, REPUBLISHABLE_REASONS } from '../../contract/dead-letter.js';
import { type EnvelopeEntry, eventIdOf, toEnvelopeEntry } from '../../contract/envelope.js';
import type { ClaimCheckPort } from '../publishing/claim-check.js';
import type { ObjectStore } from '../publishing/object-store.js';
import { type PutEventsPort, publishInOrder } from '../publishing/publisher.js';

/**
 * What is parked, and putting it back on the bus: used by the scheduled redrive function, by
 * `npm run ops -- parked|redrive` (cli/ops/parked.ts). No AWS SDK here: the store and the bus are ports.
 */

/** Which parked items a command is about; every field narrows. */
export interface ParkedFilter {
  reason?: string;
  tenant?: string;
  agentId?: string;
  /** Only items parked at or after this time. */
  since?: Date;
}

/** A parked item as a listing shows it: what its key tells, and its size. */
export interface ParkedSummary extends ParkedKey {
  size: number;
  republishable: boolean;
}

/** Lists parked items in key order (reason, tenant, agent, time, sequence), reading keys only. */
export async function* listParked(store: ObjectStore, filter: ParkedFilter = {}): AsyncIterable<ParkedSummary> {
  for await (const object of store.list(prefixFor(filter))) {
    const parsed = parseParkedKey(object.key);
    if (!parsed || !matches(parsed, filter)) continue;
    yield { ...parsed, size: object.size, republishable: (REPUBLISHABLE_REASONS as readonly string[]).includes(parsed.reason) };
  }
}

/** The longest key prefix the filter fixes: reason, then tenant, then agent. */
function prefixFor(filter: ParkedFilter): string {
  if (!filter.reason) return PARKED_PREFIX;
  if (!filter.tenant) return `${PARKED_PREFIX}${filter.reason}/`;
  if (!filter.agentId) return `${PARKED_PREFIX}${filter.reason}/${filter.tenant}/`;
  return `${PARKED_PREFIX}${filter.reason}/${filter.tenant}/${filter.agentId}/`;
}

function matches(key: ParkedKey, filter: ParkedFilter): boolean {
  return (
    (!filter.reason || key.reason === filter.reason) &&
    (!filter.tenant || key.tenant === filter.tenant) &&
    (!filter.agentId || key.agentId === filter.agentId) &&
    (!filter.since || Date.parse(key.parkedAt) >= filter.since.getTime())
  );
}

export interface RedriveDependencies {
  store: ObjectStore;
  putEvents: PutEventsPort;
  /** Stores events too large for EventBridge, as the poller does. */
  claimCheck?: ClaimCheckPort;
  /** `source` of the events (the stack's eventSource). */
  eventSource: string;
}

export interface RedriveOptions {
  /** List what would be re-published and change nothing. */
  dryRun?: boolean;
  /** Wall-clock ms after which no new batch starts. @default no limit */
  deadline?: number;
  /** Called after each batch with the running totals. */
  onProgress?: (report: RedriveReport) => void;
  now?: () => number;
}

export interface RedriveReport {
  /** Parked items that matched the filter. */
  matched: number;
  /** Items whose reason can never be published (malformed bodies): kept, visible. */
  notRepublishable: number;
  /** Put back on the bus and removed from the parked items (dry run: would be). */
  republished: number;
  /** Still parked: EventBridge or the store refused, or the time was up. */
  stillParked: number;
  /** The last refusal, for the operator. */
  lastError?: string;
}

/** Items re-published per PutEvents round; each round reads these objects and deletes the published ones. */
const REDRIVE_BATCH = 10;

/**
 * Re-publishes parked events whose reason allows it, with their original metadata: the same
 * `eventId` (recomputed from the same content, and checked) and `sequence`, the same `receivedAt`.
 * Per session in `sequence` order; once EventBridge refuses an event of a session, the events of that
 * session not yet sent wait for the next run (those sent in the same call may still be accepted:
 * consumers order by `sequence`, as for any event, since EventBridge does not keep delivery order).
 * An item is deleted only after EventBridge accepted it, so a run cut short at any point leaves at
 * most a duplicate under the same `eventId`, never a loss.
 */
export async function redriveParked(deps: RedriveDependencies, filter: ParkedFilter = {}, options: RedriveOptions = {}): Promise<RedriveReport> {
  const now = options.now ?? Date.now;
  const report: RedriveReport = { matched: 0, notRepublishable: 0, republished: 0, stillParked: 0 };
  const candidates: ParkedSummary[] = [];
  for await (const summary of listParked(deps.store, filter)) {
    report.matched += 1;
    if (summary.republishable) candidates.push(summary);
    else report.notRepublishable += 1;
  }
  candidates.sort((a, b) => compare(a.tenant, b.tenant) || compare(a.agentId, b.agentId) || a.sequence - b.sequence || compare(a.key, b.key));
  if (options.dryRun) {
    report.republished = candidates.length;
    options.onProgress?.(report);
    return report;
  }

  const blockedSessions = new Set<string>();
  for (let start = 0; start < candidates.length; start += REDRIVE_BATCH) {
    const batch = candidates.slice(start, start + REDRIVE_BATCH).filter((summary) => !blockedSessions.has(sessionOf(summary)));
    if (options.deadline !== undefined && now() >= options.deadline) {
      report.stillParked += candidates.length - start;
      break;
    }
    const published = await republish(deps, batch, report, blockedSessions, options.deadline ?? Number.POSITIVE_INFINITY, now);
    report.republished += published;
    report.stillParked += candidates.slice(start, start + REDRIVE_BATCH).length - published;
    options.onProgress?.(report);
    // Nothing went through: EventBridge (or the store) is still refusing; the next run tries again.
    if (published === 0 && batch.length > 0) {
      report.stillParked += Math.max(0, candidates.length - start - REDRIVE_BATCH);
      break;
    }
  }
  return report;
}

/** Reads, publishes and deletes one batch; returns how many were re-published. */
async function republish(
  deps: RedriveDependencies,
  batch: ParkedSummary[],
  report: RedriveReport,
  blockedSessions: Set<string>,
  deadline: number,
  now: () => number,
): Promise<number> {
  const items: { summary: ParkedSummary; item: ParkedItem; entry: EnvelopeEntry }[] = [];
  for (const summary of batch) {
    let item: ParkedItem;
    try {
      item = ParkedItemSchema.parse(JSON.parse(await deps.store.get(summary.key)));
    } catch (error) {
      report.lastError = `could not read ${summary.key}: ${error instanceof Error ? error.message : String(error)}`;
      blockedSessions.add(sessionOf(summary));
      continue;
    }
    const entry = entryOf(item, deps.eventSource);
    if (!entry) {
      report.lastError = `${summary.key} is not a parked event (no sequence) or its eventId does not match its content`;
      blockedSessions.add(sessionOf(summary));
      continue;
    }
    items.push({ summary, item, entry });
  }
  const failures = await publishInOrder(
    items.map(({ entry }) => entry),
    deps.putEvents,
    { deadline, now, claimCheck: deps.claimCheck },
  );
  const failed = new Set(failures.map((failure) => failure.index));
  for (const failure of failures) report.lastError = failure.reason;
  let published = 0;
  for (const [index, { summary }] of items.entries()) {
    if (failed.has(index)) {
      blockedSessions.add(sessionOf(summary));
      continue;
    }
    try {
      await deps.store.delete(summary.key);
    } catch (error) {
      // On the bus already; the item stays and a later run publishes it again under the same eventId.
      report.lastError = `published but could not delete ${summary.key}: ${error instanceof Error ? error.message : String(error)}`;
    }
    published += 1;
  }
  return published;
}

/** The entry the poller would have published for a parked event, or undefined if it is not one. */
export function entryOf(item: ParkedItem, eventSource: string): EnvelopeEntry | undefined {
  if (item.sequence === undefined || item.sequence < 1) return undefined;
  const identity = { tenant: item.tenant, agentId: item.agentId };
  const event = { sequence: item.sequence, platformSessionId: item.platformSessionId, receivedAt: item.receivedAt ?? item.parkedAt, data: item.payload };
  if (item.eventId !== undefined && eventIdOf(event, identity) !== item.eventId) return undefined;
  return toEnvelopeEntry(event, identity, eventSource);
}

function sessionOf(summary: ParkedSummary): string {
  return `${summary.tenant}/${summary.agentId}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
