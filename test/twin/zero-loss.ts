import { createHash } from 'node:crypto';
import { PARKED_PREFIX, type ParkedItem } from '../../contract/dead-letter.js';
import { type ClaimCheck, canonicalJson } from '../../contract/envelope.js';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import type { CxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import type { LocalTwin } from '../../local/twin/local-twin.js';

export type EventDetail = {
  metadata: { agentId: string; sequence: number; eventId: string; platformSessionId: string | null };
  data: unknown;
  claimCheck?: ClaimCheck;
};

/** Where each event the simulator emitted for some agents ended up. */
export interface Accounting {
  emitted: number;
  onBus: number;
  parked: number;
  /** Emitted events found neither on the bus nor in the dead-letter queue. */
  lost: number;
  /** Bus events beyond the emitted ones (resync restatements); each repeats an earlier eventId. */
  duplicates: number;
  duplicatesWithoutEarlierId: number;
}

/** Matches emitted events to bus events and parked items by agent and canonical content. */
export function accountFor(simulator: CxoneSimulator, twin: LocalTwin, onBus: EventBridgeEvent[], agentIds: string[]): Accounting {
  const wanted = new Set(agentIds);
  const balance = new Map<string, number>();
  const add = (key: string, delta: number) => balance.set(key, (balance.get(key) ?? 0) + delta);
  const emitted = simulator.emittedEvents().filter((event) => wanted.has(event.agentId));
  for (const event of emitted) add(`${event.agentId}|${canonicalJson(event.event)}`, 1);

  const details = cxoneEvents(onBus)
    .map((event) => resolveClaimCheck(twin, event.detail as EventDetail))
    .filter((detail) => wanted.has(detail.metadata.agentId));
  const parked = parkedItems(twin).filter((item) => wanted.has(item.agentId) && item.sequence !== undefined);
  for (const detail of details) add(`${detail.metadata.agentId}|${canonicalJson(detail.data)}`, -1);
  for (const item of parked) add(`${item.agentId}|${canonicalJson(item.payload)}`, -1);

  const values = [...balance.values()];
  const duplicates = values.reduce((sum, value) => sum + Math.max(0, -value), 0);
  // Every extra copy on the bus must carry the id of another copy, so consumers can drop it.
  const copiesById = new Map<string, number>();
  for (const detail of details) copiesById.set(detail.metadata.eventId, (copiesById.get(detail.metadata.eventId) ?? 0) + 1);
  const repeatedCopies = [...copiesById.values()].reduce((sum, count) => sum + count - 1, 0);
  return {
    emitted: emitted.length,
    onBus: details.length,
    parked: parked.length,
    lost: values.reduce((sum, value) => sum + Math.max(0, value), 0),
    duplicates,
    duplicatesWithoutEarlierId: Math.max(0, duplicates - repeatedCopies),
  };
}

/**
 * The whole detail of a bus event: itself, or for a claim check the object it points at (read
 * from the twin's S3, checked against the pointer's size and SHA-256).
 */
export function resolveClaimCheck(twin: LocalTwin, detail: EventDetail): EventDetail {
  if (!detail.claimCheck) return detail;
  const object = twin.s3.objects(detail.claimCheck.bucket).get(detail.claimCheck.key);
  if (!object) throw new Error(`claim check ${detail.claimCheck.uri} points at no object`);
  if (object.body.length !== detail.claimCheck.size || createHash('sha256').update(object.body).digest('hex') !== detail.claimCheck.sha256) {
    throw new Error(`claim check ${detail.claimCheck.uri} does not match its object`);
  }
  return JSON.parse(object.body.toString('utf8')) as EventDetail;
}

/** The CXone events among what the bus accepted (leaving out the bridge's lifecycle events). */
export function cxoneEvents(onBus: EventBridgeEvent[]): EventBridgeEvent[] {
  return onBus.filter((event) => !isLifecycleDetailType(event['detail-type']));
}

/** Each stored object parsed once: tests poll this often, and a parked body may be megabytes. */
const parsedObjects = new WeakMap<object, ParkedItem>();

/** Parked items as the large-event bucket holds them (objects under parked/), in key order. */
export function parkedItems(twin: LocalTwin): ParkedItem[] {
  const objects = twin.s3.objects(twin.largeEventBucket);
  return [...objects.keys()]
    .filter((key) => key.startsWith(PARKED_PREFIX))
    .sort()
    .map((key) => {
      const object = objects.get(key) as NonNullable<ReturnType<typeof objects.get>>;
      const parsed = parsedObjects.get(object) ?? (JSON.parse(object.body.toString('utf8')) as ParkedItem);
      parsedObjects.set(object, parsed);
      return parsed;
    });
}

export async function waitFor(condition: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What every published event's metadata carries for ordering and de-duplication. */
interface Numbered {
  metadata: { sequence: number; eventId: string };
}

/** The distinct sequence numbers published, in order (gap-free means 1, 2, 3 …). */
export function distinctSequences(details: Numbered[]): number[] {
  return [...new Set(details.map((detail) => detail.metadata.sequence))].sort((a, b) => a - b);
}

/** A repeated sequence is always the same event: one eventId per sequence. */
export function oneEventIdPerSequence(details: Numbered[]): boolean {
  const idsBySequence = new Map<number, Set<string>>();
  for (const { metadata } of details) idsBySequence.set(metadata.sequence, (idsBySequence.get(metadata.sequence) ?? new Set()).add(metadata.eventId));
  return [...idsBySequence.values()].every((ids) => ids.size === 1);
}
