import { z } from 'zod';

/** Why something CXone handed us was parked instead of published. */
export const ParkReason = {
  /**
   * EventBridge kept refusing it for the configured number of attempts. Builds before the checkpoint
   * store parked these; now refused events wait in the store instead. Kept so older items still parse.
   */
  PublishAttemptsExhausted: 'PUBLISH_ATTEMPTS_EXHAUSTED',
  /** EventBridge refused it while the checkpoint store was unavailable, so it could not wait there. */
  CheckpointUnavailable: 'CHECKPOINT_UNAVAILABLE',
  /** Larger than EventBridge accepts. */
  Oversized: 'OVERSIZED',
  /** A 200 body we could not read as a batch of events. */
  MalformedBatch: 'MALFORMED_BATCH',
} as const;
export type ParkReason = (typeof ParkReason)[keyof typeof ParkReason];

/** One message in the dead-letter queue. */
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
  /** The event exactly as received, or (MALFORMED_BATCH) the body's text, cut to fit the queue. */
  payload: z.unknown(),
  /** True when `payload` had to be cut to fit the queue's message size. */
  truncated: z.boolean(),
  parkedAt: z.string(),
});
export type ParkedItem = z.infer<typeof ParkedItemSchema>;

/** Sends parked items to the dead-letter store; throws if it could not. */
export type ParkPort = (items: ParkedItem[]) => Promise<void>;

/** SQS messages are at most 1 MiB; keep room for the JSON around the payload. */
export const PARKED_PAYLOAD_MAX_CHARS = 900 * 1024;

/**
 * Fits a payload into a queue message: as is when its JSON is small enough, else its text cut short.
 * Measured as JSON because escaping (quotes, control characters) can double a text's size.
 */
export function fitPayload(payload: unknown): { payload: unknown; truncated: boolean } {
  if (Buffer.byteLength(JSON.stringify(payload) ?? '') <= PARKED_PAYLOAD_MAX_CHARS) return { payload, truncated: false };
  let text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  while (Buffer.byteLength(JSON.stringify(text)) > PARKED_PAYLOAD_MAX_CHARS) text = text.slice(0, Math.floor(text.length * 0.9));
  return { payload: text, truncated: true };
}
