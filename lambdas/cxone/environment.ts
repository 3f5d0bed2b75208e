import { z } from 'zod';

/**
 * The CXone settings of every deployed function that calls CXone (poller, discovery, token
 * refresher): each function's environment schema extends this one.
 */
export const CxoneEnvironmentSchema = z.object({
  CXONE_ISSUER_URL: z.url(),
  /** Secret holding the tenant's clientId, clientSecret, accessKeyId and accessKeySecret. */
  CXONE_SECRET_ID: z.string().min(1),
  /** Secret holding the tenant's shared token, kept fresh by the token refresher. */
  TOKEN_SECRET_ID: z.string().min(1),
});
export type CxoneEnvironment = z.infer<typeof CxoneEnvironmentSchema>;
