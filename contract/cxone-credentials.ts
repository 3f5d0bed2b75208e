import { z } from 'zod';

/** What one tenant's secret in Secrets Manager holds (back-end apps, CXone "API Authentication and Authorization" page). */
export const CxoneCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  accessKeyId: z.string().min(1),
  accessKeySecret: z.string().min(1),
});
export type CxoneCredentials = z.infer<typeof CxoneCredentialsSchema>;
