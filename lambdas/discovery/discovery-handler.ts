import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { CxoneAgentApi } from '../cxone/agent-api.js';
import { CxoneAuth } from '../cxone/auth.js';
import { secretsManagerTokenStore } from '../cxone/shared-token.js';
import { stepFunctionsExecutions } from '../sessions/step-functions-executions.js';
import { logger } from '../shared/logger.js';
import { secretCredentialsLoader } from '../shared/secret-credentials.js';
import { type DiscoveryOutcome, discoverSessions } from './discover-sessions.js';
import { parseEnvironment } from '../shared/environment.js';
import { DiscoveryEnvironmentSchema } from './environment.js';
import { ssmCursorStore } from './ssm-cursor-store.js';

/** Builds the scheduled discovery handler for one tenant from its (raw) environment. */
export function createDiscoveryHandler(environment: NodeJS.ProcessEnv | Record<string, string>): () => Promise<DiscoveryOutcome> {
  const env = parseEnvironment(DiscoveryEnvironmentSchema, environment);
  const secrets = new SecretsManagerClient({});
  const cxone = new CxoneAgentApi(
    new CxoneAuth({
      issuerUrl: env.CXONE_ISSUER_URL,
      loadCredentials: secretCredentialsLoader(secrets, env.CXONE_SECRET_ID),
      sharedToken: secretsManagerTokenStore(secrets, env.TOKEN_SECRET_ID),
    }),
  );
  const executions = stepFunctionsExecutions(new SFNClient({}), env.STATE_MACHINE_ARN);
  const cursor = ssmCursorStore(new SSMClient({}), env.CURSOR_PARAMETER_NAME);
  const filter = { includeAgentIds: env.INCLUDE_AGENT_IDS, excludeAgentIds: env.EXCLUDE_AGENT_IDS, includeTeamIds: env.INCLUDE_TEAM_IDS, excludeTeamIds: env.EXCLUDE_TEAM_IDS };
  return async () => {
    try {
      const outcome = await discoverSessions({ tenant: env.TENANT, cxone, executions, cursor, filter });
      for (const failure of outcome.failed) logger.warn('could not start polling', failure);
      logger.info('discovery done', { changed: outcome.changed, started: outcome.started.length, alreadyRunning: outcome.alreadyRunning, excluded: outcome.excluded });
      return outcome;
    } catch (error) {
      logger.error('discovery failed', { error });
      throw error;
    }
  };
}
