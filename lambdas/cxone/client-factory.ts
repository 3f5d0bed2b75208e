import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CxoneCredentials } from '../../contract/cxone-credentials.js';
import { secretCredentialsLoader } from '../shared/secret-credentials.js';
import { CxoneAgentApi } from './agent-api.js';
import { CxoneAuth } from './auth.js';
import type { CxoneEnvironment } from './environment.js';
import { type SharedTokenStore, secretsManagerTokenStore } from './shared-token.js';

/**
 * Where a CXone client gets its access: the issuer (https, or plain http on loopback), the tenant's
 * credentials (given, or loaded only when a token is needed), and optionally the tenant's shared token.
 */
export interface CxoneSource {
  issuerUrl: string;
  credentials: CxoneCredentials | (() => Promise<CxoneCredentials>);
  /** Tried before an own grant; without it the client always grants its own token. */
  sharedToken?: Pick<SharedTokenStore, 'load'>;
}

/** The one place CXone auth is wired: every handler, CLI, the twin and the bench build it here. */
export function createCxoneAuth(source: CxoneSource): CxoneAuth {
  const { credentials } = source;
  return new CxoneAuth({
    issuerUrl: source.issuerUrl,
    loadCredentials: typeof credentials === 'function' ? credentials : async () => credentials,
    ...(source.sharedToken ? { sharedToken: source.sharedToken } : {}),
  });
}

/** An Agent API client on its own auth (token cache per instance, so per Lambda container). */
export function createCxoneClient(source: CxoneSource): CxoneAgentApi {
  return new CxoneAgentApi(createCxoneAuth(source));
}

/**
 * A deployed function's source: credentials from the tenant's secret (cached a few minutes, so a
 * rotation is picked up without a redeploy) and the shared token's store, which the refresher writes.
 */
export function deployedCxoneSource(env: CxoneEnvironment, secrets: SecretsManagerClient): CxoneSource & { sharedToken: SharedTokenStore } {
  return {
    issuerUrl: env.CXONE_ISSUER_URL,
    credentials: secretCredentialsLoader(secrets, env.CXONE_SECRET_ID),
    sharedToken: secretsManagerTokenStore(secrets, env.TOKEN_SECRET_ID),
  };
}
