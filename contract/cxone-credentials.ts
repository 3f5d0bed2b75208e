import { z } from 'zod';

/** What one tenant's secret in Secrets Manager holds (back-end apps, CXone "API Authentication and Authorization" page). */
export const CxoneCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  accessKeyId: z.string().min(1),
  accessKeySecret: z.string().min(1),
});
export type CxoneCredentials = z.infer<typeof CxoneCredentialsSchema>;

/** The environment variables the CLIs and `npm start --cxone-issuer` take credentials from, by field. */
export const CXONE_CREDENTIAL_VARIABLES = {
  clientId: 'CXONE_CLIENT_ID',
  clientSecret: 'CXONE_CLIENT_SECRET',
  accessKeyId: 'CXONE_ACCESS_KEY_ID',
  accessKeySecret: 'CXONE_ACCESS_KEY_SECRET',
} as const satisfies Record<keyof CxoneCredentials, string>;

/** The credentials in CXONE_* variables, or undefined unless all four are set. */
export function credentialsFromEnvironment(env: Readonly<Record<string, string | undefined>>): CxoneCredentials | undefined {
  const parsed = CxoneCredentialsSchema.safeParse(Object.fromEntries(Object.entries(CXONE_CREDENTIAL_VARIABLES).map(([field, name]) => [field, env[name]])));
  return parsed.success ? parsed.data : undefined;
}
