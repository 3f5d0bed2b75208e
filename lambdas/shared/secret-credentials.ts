import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type CxoneCredentials, CxoneCredentialsSchema } from '../../contract/cxone-credentials.js';
import { ConfigurationError } from '../../contract/errors.js';

/**
 * Loads a tenant's CXone credentials from Secrets Manager, cached in memory for `maxAgeMs` so a
 * rotated secret is picked up without a redeploy. Error messages never include the secret value.
 */
export function secretCredentialsLoader(client: SecretsManagerClient, secretId: string, maxAgeMs = 5 * 60_000): () => Promise<CxoneCredentials> {
  let cached: { value: CxoneCredentials; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < maxAgeMs) return cached.value;
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    let json: unknown;
    try {
      json = JSON.parse(output.SecretString ?? '');
    } catch {
      throw new ConfigurationError(`secret ${secretId} is not a JSON object`);
    }
    const parsed = CxoneCredentialsSchema.safeParse(json);
    if (!parsed.success) {
      const missing = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
      throw new ConfigurationError(`secret ${secretId} lacks valid fields: ${missing} (expected clientId, clientSecret, accessKeyId, accessKeySecret)`);
    }
    cached = { value: parsed.data, at: Date.now() };
    return parsed.data;
  };
}
