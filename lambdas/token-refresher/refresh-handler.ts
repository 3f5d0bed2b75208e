import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CxoneAuth } from '../cxone/auth.js';
import { secretsManagerTokenStore } from '../cxone/shared-token.js';
import { type InvocationContext, logger, withLambdaContext } from '../shared/logger.js';
import { secretCredentialsLoader } from '../shared/secret-credentials.js';
import type { RefresherEnvironment } from './environment.js';
import { type RefreshOutcome, refreshSharedToken } from './refresh-shared-token.js';

/** Builds the scheduled handler that keeps one tenant's shared CXone token fresh. */
export function createRefreshHandler(env: RefresherEnvironment): (event: unknown, context: InvocationContext) => Promise<RefreshOutcome> {
  const secrets = new SecretsManagerClient({});
  const loadCredentials = secretCredentialsLoader(secrets, env.CXONE_SECRET_ID);
  const store = secretsManagerTokenStore(secrets, env.TOKEN_SECRET_ID);
  const refresh = async (): Promise<RefreshOutcome> => {
    try {
      // A new CxoneAuth each time: it must ask CXone, not return a token cached in this container.
      const outcome = await refreshSharedToken(store, () => new CxoneAuth({ issuerUrl: env.CXONE_ISSUER_URL, loadCredentials }).access());
      logger.info(outcome.refreshed ? 'shared token refreshed' : 'shared token still fresh', { expiresAt: new Date(outcome.expiresAt).toISOString() });
      return outcome;
    } catch (error) {
      logger.error('shared token refresh failed', { error });
      throw error;
    }
  };
  return (_event, context) => withLambdaContext(context, refresh);
}
