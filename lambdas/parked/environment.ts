import { z } from 'zod';

/** The redrive function's environment, set by the ParkedEventRedrive construct. */
export const RedriveEnvironmentSchema = z.object({
  /** Bucket of parked items and claim checks. */
  LARGE_EVENT_BUCKET: z.string().min(3),
  EVENT_BUS_NAME: z.string().min(1),
  EVENT_SOURCE: z.string().min(1),
  /** Only this tenant's items (one stack per tenant). */
  TENANT: z.string().min(1),
});
export type RedriveEnvironment = z.infer<typeof RedriveEnvironmentSchema>;
