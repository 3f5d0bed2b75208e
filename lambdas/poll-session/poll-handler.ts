import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { CxoneAgentApi } from '../cxone/agent-api.js';
import { CxoneAuth } from '../cxone/auth.js';
import { eventBridgePutEvents } from '../publishing/eventbridge-port.js';
import { ConfigurationError } from '../shared/errors.js';
import { logger } from '../shared/logger.js';
import { secretCredentialsLoader } from '../shared/secret-credentials.js';
import type { PollerEnvironment } from './environment.js';
import { pollOnce } from './poll-once.js';
import { type PollState, PollStateSchema } from './poll-state.js';

export type PollHandler = (event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<PollState>;

/**
 * Builds the poller handler for one environment. Clients and the token cache are created once and
 * live as long as the Lambda container.
 */
export function createPollHandler(env: PollerEnvironment): PollHandler {
  const auth = new CxoneAuth({
    issuerUrl: env.CXONE_ISSUER_URL,
    loadCredentials: secretCredentialsLoader(new SecretsManagerClient({}), env.CXONE_SECRET_ID),
  });
  const cxone = new CxoneAgentApi(auth);
  const putEvents = eventBridgePutEvents(new EventBridgeClient({}), env.EVENT_BUS_NAME);

  return async (event, context) => {
    const input = PollStateSchema.safeParse(event);
    if (!input.success) throw new ConfigurationError(`invalid poll state: ${z.prettifyError(input.error)}`);
    logger.appendKeys({ agentId: input.data.agentId, sequence: input.data.sequence });
    try {
      const outcome = await pollOnce(input.data, {
        cxone,
        putEvents,
        tenant: env.TENANT,
        eventSource: env.EVENT_SOURCE,
        pollTimeoutSeconds: env.POLL_TIMEOUT_SECONDS,
        publishReserveMs: env.PUBLISH_RESERVE_MS,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      });
      for (const lost of outcome.undeliverable) logger.error('event undeliverable', { ...lost });
      logger.debug('poll done', {
        status: outcome.state.status,
        received: outcome.received,
        published: outcome.published,
        pending: outcome.state.pending.length,
      });
      return outcome.state;
    } catch (error) {
      logger.error('poll failed', { error });
      throw error;
    } finally {
      logger.removeKeys(['agentId', 'sequence']);
    }
  };
}
