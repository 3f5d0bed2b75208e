import { z } from 'zod';

/** The poller function's environment, set by the SessionPoller construct. */
export const PollerEnvironmentSchema = z.object({
  TENANT: z.string().min(1),
  CXONE_ISSUER_URL: z.url(),
  CXONE_SECRET_ID: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  EVENT_SOURCE: z.string().min(1),
  POLL_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(60),
  PUBLISH_RESERVE_MS: z.coerce.number().int().positive().default(20_000),
});
export type PollerEnvironment = z.infer<typeof PollerEnvironmentSchema>;

/** Environment variable names, shared with the construct that sets them. */
export const PollerEnvironmentVariable = Object.fromEntries(
  Object.keys(PollerEnvironmentSchema.shape).map((key) => [key, key]),
) as { [K in keyof typeof PollerEnvironmentSchema.shape]: K };
