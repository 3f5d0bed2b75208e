import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCxoneAuth, deployedCxoneSource } from '../cxone/client-factory.js';
import { type InvocationContext, logger, withLambdaContext } from '../shared/logger.js';
import type { RefresherEnvironment } from './environment.js';
import { type RefreshOutcome, refreshSharedToken } from './refresh-shared-token.js';

/** Builds the scheduled handler that keeps one tenant's shared CXone token fresh. */
export function createRefreshHandler(env: RefresherEnvironment): (event: unknown, context: InvocationContext) => Promise<RefreshOutcome> {
  const { issuerUrl, credentials, sharedToken: store } = deployedCxoneSource(env, new SecretsManagerClient({}));
  const refresh = async (): Promise<RefreshOutcome> => {
    try {
      // A new auth each time, without the shared token: it must ask CXone, not return a token cached in this container.
      const outcome = await refreshSharedToken(store, () => createCxoneAuth({ issuerUrl, credentials }).access());
      logger.info(outcome.refreshed ? 'shared token refreshed' : 'shared token still fresh', { expiresAt: new Date(outcome.expiresAt).toISOString() });
      return outcome;
    } catch (error) {
      logger.error('shared token refresh failed', { error });
      throw error;
    }
  };
  return (_event, context) => withLambdaContext(context, refresh);
}
