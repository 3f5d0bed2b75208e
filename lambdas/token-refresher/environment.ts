import { z } from 'zod';

/** The token refresher's environment, set by the SharedCxoneToken construct. */
export const RefresherEnvironmentSchema = z.object({
  CXONE_ISSUER_URL: z.url(),
  CXONE_SECRET_ID: z.string().min(1),
  TOKEN_SECRET_ID: z.string().min(1),
});
export type RefresherEnvironment = z.infer<typeof RefresherEnvironmentSchema>;
