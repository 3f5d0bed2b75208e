import { GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

/**
 * One tenant's CXone access token, shared by every poller of the tenant through a Secrets Manager
 * secret that the token refresher rewrites on a schedule. Token requests then stay at a few an
 * hour per tenant, however many agents are polled.
 */
export const SharedTokenSchema = z.object({
  accessToken: z.string().min(1),
  apiEndpoint: z.string().min(1),
  tenantId: z.string().min(1),
  /** Epoch milliseconds. */
  expiresAt: z.number(),
  issuedAt: z.number(),
});
export type SharedToken = z.infer<typeof SharedTokenSchema>;

export interface SharedTokenStore {
  /** The stored token, or undefined when there is none yet (or it is unreadable). */
  load(): Promise<SharedToken | undefined>;
  save(token: SharedToken): Promise<void>;
}

/** SharedTokenStore over a Secrets Manager secret. */
export function secretsManagerTokenStore(client: SecretsManagerClient, secretId: string): SharedTokenStore {
  return {
    async load() {
      const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      try {
        const parsed = SharedTokenSchema.safeParse(JSON.parse(output.SecretString ?? ''));
        return parsed.success ? parsed.data : undefined;
      } catch {
        return undefined; // the placeholder the stack creates before the first refresh
      }
    },
    async save(token) {
      await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(token) }));
    },
  };
}
