import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Why something CXone handed us was parked instead of published. */
export const ParkReason = {
  /**
   * EventBridge kept refusing it for the configured number of attempts (builds before the checkpoint
   * store; refused events now wait in the store). Re-published by the redrive.
   */
  PublishAttemptsExhausted: 'PUBLISH_ATTEMPTS_EXHAUSTED',
  /** EventBridge refused it while the checkpoint store was unavailable, so it could not wait there. Re-published by the redrive. */
  CheckpointUnavailable: 'CHECKPOINT_UNAVAILABLE',
  /** Larger than EventBridge accepts and no claim check could be made. Re-published by the redrive (as a claim check). */
  Oversized: 'OVERSIZED',
  /** A 200 body we could not read as a batch of events. Never publishable: it stays, visible, with its reason. */
  MalformedBatch: 'MALFORMED_BATCH',
} as const;
export type ParkReason = (typeof ParkReason)[keyof typeof ParkReason];

/** Reasons whose items the redrive puts back on the bus once EventBridge accepts again. */
export const REPUBLISHABLE_REASONS: readonly ParkReason[] = [ParkReason.PublishAttemptsExhausted, ParkReason.CheckpointUnavailable, ParkReason.Oversized];

/** One parked item: an object of its own in the large-event bucket, whole. */
export const ParkedItemSchema = z.object({
  reason: z.enum(Object.values(ParkReason) as [ParkReason, ...ParkReason[]]),
  /** Human-readable detail: the last EventBridge error, the size, the parse error. */
  detail: z.string(),
  tenant: z.string(),
  agentId: z.string(),
  platformSessionId: z.string().nullable(),
  /** For events: their place and id, as they would have been published. */
  sequence: z.number().int().optional(),
  eventId: z.string().optional(),
  detailType: z.string().optional(),
  /** For events: when the poller received the batch, so a redrive publishes the same metadata. */
  receivedAt: z.string().optional(),
  /** The event exactly as received, or (MALFORMED_BATCH) the body's text; never cut by the bridge. */
  payload: z.unknown(),
  /**
   * True only when CXone's body was larger than the poller reads (5 MB) and `payload` is the part
   * that was read; the bridge itself never cuts a payload.
   */
  truncated: z.boolean(),
  parkedAt: z.string(),
});
export type ParkedItem = z.infer<typeof ParkedItemSchema>;

/** Keeps parked items; throws if it could not, and the caller keeps them instead. */
export type ParkPort = (items: ParkedItem[]) => Promise<void>;

/** Key prefix of parked items. No retention rule applies to it: parked items never expire. */
export const PARKED_PREFIX = 'parked/';

/**
 * `parked/<reason>/<tenant>/<agentId>/<parkedAt>-<sequence>-<eventId or body hash>.json`: listing by
 * reason, tenant and agent is a prefix, and within an agent keys sort by time and then sequence.
 * The time is ISO 8601 without separators (S3 keys need no escaping).
 */
export function parkedItemKey(item: ParkedItem): string {
  const time = item.parkedAt.replace(/[-:]/g, '');
  const sequence = String(item.sequence ?? 0).padStart(12, '0');
  const id =
    item.eventId ??
    createHash('sha256')
      .update(JSON.stringify(item.payload) ?? '')
      .digest('hex')
      .slice(0, 32);
  return `${PARKED_PREFIX}${item.reason}/${item.tenant}/${item.agentId}/${time}-${sequence}-${id}.json`;
}

/** What a parked item's key tells without reading it. */
export interface ParkedKey {
  key: string;
  reason: string;
  tenant: string;
  agentId: string;
  /** ISO 8601. */
  parkedAt: string;
  sequence: number;
  id: string;
}

/** Reads a key written by parkedItemKey; undefined for anything else under the prefix. */
export function parseParkedKey(key: string): ParkedKey | undefined {
  const match = /^parked\/([^/]+)\/([^/]+)\/([^/]+)\/(\d{8}T\d{6}(?:\.\d+)?Z)-(\d{12})-([^/]+)\.json$/.exec(key);
  if (!match) return undefined;
  const [, reason, tenant, agentId, time, sequence, id] = match as unknown as string[];
  const parkedAt = (time as string).replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/, '$1-$2-$3T$4:$5:$6');
  return { key, reason: reason as string, tenant: tenant as string, agentId: agentId as string, parkedAt, sequence: Number(sequence), id: id as string };
}
