import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { MetricName } from '../../contract/metrics.js';
import { objectStoreClaimCheck } from '../publishing/claim-check.js';
import { eventBridgePutEvents } from '../publishing/eventbridge-port.js';
import { withClaimCheckMetrics, withPublishMetrics } from '../publishing/publish-metrics.js';
import { s3ObjectStore } from '../publishing/s3-object-store.js';
import { type InvocationContext, logger, withLambdaContext } from '../shared/logger.js';
import { metrics } from '../shared/metrics.js';
import type { RedriveEnvironment } from './environment.js';
import { type RedriveReport, redriveParked } from './parked-events.js';

/** Time kept back from the function's timeout: no new batch starts after it. */
const STOP_BEFORE_TIMEOUT_MS = 10_000;

/**
 * Builds the scheduled handler that puts parked events back on the bus once EventBridge accepts
 * them again, and reports how many items wait (the alarm's metric).
 */
export function createRedriveHandler(
  env: RedriveEnvironment,
): (event: unknown, context: InvocationContext & Pick<Context, 'getRemainingTimeInMillis'>) => Promise<RedriveReport> {
  const store = s3ObjectStore(new S3Client({}), env.LARGE_EVENT_BUCKET);
  const putEvents = withPublishMetrics(eventBridgePutEvents(new EventBridgeClient({}), env.EVENT_BUS_NAME));
  const claimCheck = withClaimCheckMetrics(objectStoreClaimCheck(store));
  return (_event, context) =>
    withLambdaContext(context, async () => {
      try {
        const report = await redriveParked(
          { store, putEvents, claimCheck, eventSource: env.EVENT_SOURCE },
          { tenant: env.TENANT },
          {
            deadline: Date.now() + Math.max(0, context.getRemainingTimeInMillis() - STOP_BEFORE_TIMEOUT_MS),
          },
        );
        metrics.addMetric(MetricName.EventsRedriven, MetricUnit.Count, report.republished);
        metrics.addMetric(MetricName.ParkedItemsWaiting, MetricUnit.Count, report.stillParked + report.notRepublishable);
        if (report.matched > 0) logger.info('parked events redriven', { ...report });
        if (report.stillParked > 0) logger.warn('parked events still waiting', { stillParked: report.stillParked, lastError: report.lastError });
        return report;
      } catch (error) {
        logger.error('redrive failed', { error });
        throw error;
      } finally {
        metrics.publishStoredMetrics();
      }
    });
}
