import { createHash } from 'node:crypto';
import { z } from 'zod';
import { eventTypeOf } from './cxone-events.js';

/** Version of the `detail` layout below; bump on a breaking change. */
export const ENVELOPE_SCHEMA_VERSION = '1';

/** What the bridge adds around every CXone event, in `detail.metadata`. */
export const EventMetadataSchema = z.object({
  schemaVersion: z.literal(ENVELOPE_SCHEMA_VERSION),
  /** Deterministic id: the same CXone event published again carries the same id. */
  eventId: z.string(),
  tenant: z.string(),
  agentId: z.string(),
  /** The platform `SessionId` from AgentSessionStart (stable for the login); null until seen. */
  platformSessionId: z.string().nullable(),
  /** 1, 2, 3… per agent session, in the order CXone delivered the events. */
  sequence: z.number().int().positive(),
  /** When the poller received the batch holding this event (ISO 8601). */
  receivedAt: z.string(),
});
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

/** `detail` of every event we publish: our metadata and the CXone event exactly as received. */
export interface EventDetail {
  metadata: EventMetadata;
  data: unknown;
}

/** Key prefix of claim-check objects; the bucket's retention rule and consumers' read grants apply to it. */
export const CLAIM_CHECK_PREFIX = 'claim-checks/';

/**
 * Where the whole `detail` of an event too large for EventBridge is kept. The object holds exactly
 * the bytes the event's `detail` would have had (`{"metadata":…,"data":…}`, UTF-8 JSON), so a
 * consumer that fetches it gets the event it would otherwise have received.
 */
export const ClaimCheckSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  /** `s3://bucket/key`, for tools that take a URI. */
  uri: z.string(),
  /** Bytes of the object. */
  size: z.number().int().nonnegative(),
  /** Lowercase hex SHA-256 of the object's bytes: check it after GetObject. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.literal('application/json'),
});
export type ClaimCheck = z.infer<typeof ClaimCheckSchema>;

/**
 * `detail` of a claim-check event: the same detail-type and metadata (eventId, sequence…) as the
 * event it stands for, `claimCheck` instead of `data`. Rules on detail-type and metadata match it
 * as they would the whole event.
 */
export const ClaimCheckDetailSchema = z.object({ metadata: EventMetadataSchema, claimCheck: ClaimCheckSchema });
export type ClaimCheckDetail = z.infer<typeof ClaimCheckDetailSchema>;

/** A CXone event with its place in the session fixed: published, or carried until it is. */
export const SequencedEventSchema = z.object({
  sequence: z.number().int().positive(),
  platformSessionId: z.string().nullable(),
  receivedAt: z.string(),
  data: z.unknown(),
});
export type SequencedEvent = z.infer<typeof SequencedEventSchema>;

/** A PutEvents entry before the bus name is applied. */
export interface EnvelopeEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
}

export interface SessionIdentity {
  tenant: string;
  agentId: string;
}

/** Builds the EventBridge entry for one sequenced CXone event. */
export function toEnvelopeEntry(event: SequencedEvent, identity: SessionIdentity, source: string): EnvelopeEntry {
  const metadata: EventMetadata = {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId: eventIdOf(event, identity),
    tenant: identity.tenant,
    agentId: identity.agentId,
    platformSessionId: event.platformSessionId,
    sequence: event.sequence,
    receivedAt: event.receivedAt,
  };
  const detail: EventDetail = { metadata, data: event.data };
  return { Source: source, DetailType: eventTypeOf(event.data), Detail: JSON.stringify(detail), Time: new Date(event.receivedAt) };
}

/**
 * A UUID-shaped hash of tenant, agent, platform session and the event's canonical JSON.
 *
 * CXone events carry no id (CXone "Agent Session Events" page). Hashing the whole body gives the same id when the same
 * event is published again (a retried task, a snapshot restating a state) and distinct ids for
 * state changes, which all carry their own timestamps. Signal-only events that repeat with an
 * identical body (e.g. two UpdatePermissions) share an id: the rare false merge §6 accepts.
 */
export function eventIdOf(event: Pick<SequencedEvent, 'platformSessionId' | 'data'>, identity: SessionIdentity): string {
  return hashId([identity.tenant, identity.agentId, event.platformSessionId ?? '', canonicalJson(event.data)]);
}

/** A UUID-shaped id from the SHA-256 of the parts: the same parts always give the same id. */
export function hashId(parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** JSON with object keys sorted, so key order on the wire cannot change the id. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
