import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { MetricName } from '../../contract/metrics.js';
import { createCxoneClient, deployedCxoneSource } from '../cxone/client-factory.js';
import { eventBridgePutEvents } from '../publishing/eventbridge-port.js';
import { stepFunctionsExecutions } from '../sessions/step-functions-executions.js';
import { parseEnvironment } from '../shared/environment.js';
import { type InvocationContext, logger, withLambdaContext } from '../shared/logger.js';
import { metrics } from '../shared/metrics.js';
import { type DiscoveryOutcome, discoverSessions } from './discover-sessions.js';
import { DiscoveryEnvironmentSchema } from './environment.js';
import { eventBridgeRestartAnnouncer } from './restart-event.js';
import { ssmCursorStore } from './ssm-cursor-store.js';

/** Time left to publish the PollerRestarted events of one run. */
const ANNOUNCE_BUDGET_MS = 10_000;

/** Builds the scheduled discovery handler for one tenant from its (raw) environment. */
export function createDiscoveryHandler(
  environment: NodeJS.ProcessEnv | Record<string, string>,
): (event: unknown, context: InvocationContext) => Promise<DiscoveryOutcome> {
  const env = parseEnvironment(DiscoveryEnvironmentSchema, environment);
  const cxone = createCxoneClient(deployedCxoneSource(env, new SecretsManagerClient({})));
  const executions = stepFunctionsExecutions(new SFNClient({}), env.STATE_MACHINE_ARN);
  const cursor = ssmCursorStore(new SSMClient({}), env.CURSOR_PARAMETER_NAME);
  const filter = {
    includeAgentIds: env.INCLUDE_AGENT_IDS,
    excludeAgentIds: env.EXCLUDE_AGENT_IDS,
    includeTeamIds: env.INCLUDE_TEAM_IDS,
    excludeTeamIds: env.EXCLUDE_TEAM_IDS,
  };
  const announceRestarts = eventBridgeRestartAnnouncer(eventBridgePutEvents(new EventBridgeClient({}), env.EVENT_BUS_NAME), {
    tenant: env.TENANT,
    eventSource: env.EVENT_SOURCE,
    now: Date.now,
    budgetMs: ANNOUNCE_BUDGET_MS,
  });
  const reconcileEveryMs = env.RECONCILE_EVERY_MINUTES * 60_000;
  const discover = async (): Promise<DiscoveryOutcome> => {
    try {
      const outcome = await discoverSessions({ tenant: env.TENANT, cxone, executions, cursor, filter, reconcileEveryMs, announceRestarts, now: Date.now });
      for (const failure of outcome.failed) logger.warn('could not start polling', failure);
      for (const restart of outcome.restarted)
        logger.warn('poller restarted', { agentId: restart.agentId, execution: restart.execution, previous: restart.previous });
      if (outcome.announceError) logger.error('could not publish PollerRestarted', { error: outcome.announceError });
      metrics.addMetric(MetricName.PollersRestarted, MetricUnit.Count, outcome.restarted.length);
      metrics.addMetric(MetricName.PollerStartFailures, MetricUnit.Count, outcome.failed.length);
      logger.info('discovery done', {
        mode: outcome.mode,
        changed: outcome.changed,
        started: outcome.started.length,
        restarted: outcome.restarted.length,
        alreadyRunning: outcome.alreadyRunning,
        ended: outcome.ended,
        excluded: outcome.excluded,
        failed: outcome.failed.length,
      });
      return outcome;
    } catch (error) {
      logger.error('discovery failed', { error });
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  };
  return (_event, context) => withLambdaContext(context, discover);
}
