import { z } from 'zod';
import { CxoneEnvironmentSchema } from '../cxone/environment.js';

/** The poller function's environment, set by the SessionPoller construct. */
export const PollerEnvironmentSchema = CxoneEnvironmentSchema.extend({
  TENANT: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  EVENT_SOURCE: z.string().min(1),
  POLL_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(60),
  PUBLISH_RESERVE_MS: z.coerce.number().int().positive().default(20_000),
  /** S3 bucket of claim checks (events too large for EventBridge) and parked items (kept whole, never expiring). */
  LARGE_EVENT_BUCKET: z.string().min(3),
  /** DynamoDB table of the per-session checkpoints (cursor, sequence, events not yet on the bus). */
  SESSION_TABLE_NAME: z.string().min(3),
  /** Polls per execution before handing over to the next generation (history stays under 25,000 events). */
  HAND_OVER_AFTER_POLLS: z.coerce.number().int().min(1).default(2_000),
  /** Seconds without events after which an idle session publishes a heartbeat. */
  HEARTBEAT_SECONDS: z.coerce.number().int().min(1).default(300),
});
export type PollerEnvironment = z.infer<typeof PollerEnvironmentSchema>;

/** Environment variable names, shared with the construct that sets them. */
export const PollerEnvironmentVariable = Object.fromEntries(Object.keys(PollerEnvironmentSchema.shape).map((key) => [key, key])) as {
  [K in keyof typeof PollerEnvironmentSchema.shape]: K;
};
