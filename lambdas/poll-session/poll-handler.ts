import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ConfigurationError } from '../../contract/errors.js';
import { FaultClass } from '../../contract/fault-state.js';
import { LoopShape } from '../../contract/loop-signals.js';
import { MetricName, POLL_ERROR_OUTCOME } from '../../contract/metrics.js';
import { type LegacyPollState, PollInvocationSchema, type PollState, PollStatus } from '../../contract/poll-state.js';
import { createCxoneClient, deployedCxoneSource } from '../cxone/client-factory.js';
import { objectStoreClaimCheck } from '../publishing/claim-check.js';
import { eventBridgePutEvents } from '../publishing/eventbridge-port.js';
import { objectStorePark } from '../publishing/parking.js';
import { withClaimCheckMetrics, withPublishMetrics } from '../publishing/publish-metrics.js';
import { s3ObjectStore } from '../publishing/s3-object-store.js';
import { sessionNameOf } from '../sessions/execution-name.js';
import { DeadlineBoundHttpHandler, InvocationDeadline } from '../shared/deadline.js';
import { type InvocationContext, logger, withLambdaContext } from '../shared/logger.js';
import { metrics, recordPollOutcome } from '../shared/metrics.js';
import { DynamoDbCheckpointStore } from './dynamodb-checkpoint-store.js';
import type { PollerEnvironment } from './environment.js';
import { type BackOffOutcome, backOffAfterFault, recoverIfDegraded } from './fault-mode.js';
import { spendHistory } from './history-budget.js';
import { loopSignalFor, withoutSignal } from './loop-signal.js';
import { type PollOutcome, pollOnce } from './poll-once.js';

export type PollHandler = (event: unknown, context: InvocationContext & Pick<Context, 'getRemainingTimeInMillis'>) => Promise<PollState | LegacyPollState>;

/**
 * Builds the poller handler for one environment. Clients and the token cache are created once and
 * live as long as the Lambda container.
 */
export function createPollHandler(env: PollerEnvironment): PollHandler {
  // Every AWS call (lifecycle publishes, parking, token reads included) ends by the invocation's deadline.
  const deadline = new InvocationDeadline();
  const requestHandler = new DeadlineBoundHttpHandler(deadline);
  const cxone = createCxoneClient(deployedCxoneSource(env, new SecretsManagerClient({ requestHandler })));
  const putEvents = withPublishMetrics(eventBridgePutEvents(new EventBridgeClient({ requestHandler }), env.EVENT_BUS_NAME));
  const largeEvents = s3ObjectStore(new S3Client({ requestHandler }), env.LARGE_EVENT_BUCKET);
  const park = objectStorePark(largeEvents);
  const claimCheck = withClaimCheckMetrics(objectStoreClaimCheck(largeEvents));
  const store = new DynamoDbCheckpointStore(new DynamoDBClient({ requestHandler }), env.SESSION_TABLE_NAME);

  return (event, context) => withLambdaContext(context, () => pollInvocation(event, context));

  async function pollInvocation(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<PollState | LegacyPollState> {
    const input = PollInvocationSchema.safeParse(event);
    if (!input.success) throw new ConfigurationError(`invalid poll input: ${z.prettifyError(input.error)}`);
    const { state: received, executionName, retryCount, loop } = input.data;
    deadline.bind(context);
    // The function's own timeout, as the fault mode reads it too: what is left when the handler
    // starts (the Init phase does not count against it), to the whole second.
    const invocationMaxMs = Math.ceil(context.getRemainingTimeInMillis() / 1000) * 1000;
    // `signal` says this entry comes after a back-off wait; it is spent here and never returned.
    const state = withoutSignal(received);
    logger.appendKeys({ agentId: state.agentId, execution: executionName });
    const signal = loop === LoopShape.Self ? loopSignalFor(received, executionName) : undefined;
    if (signal) {
      // Not a failure: the Catch routes it (contract/loop-signals.ts). No PollErrors, no error log.
      logger.info('loop signal', { signal: signal.name, status: state.status });
      throw signal;
    }
    const startedAt = Date.now();
    const faultContext = {
      tenant: env.TENANT,
      eventSource: env.EVENT_SOURCE,
      executionName,
      putEvents,
      reserveLifecycleNumbers: (count: number) => store.reserveLifecycleNumbers(sessionNameOf(executionName), count),
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    };
    try {
      if (state.fault) {
        const backOff = await backOffAfterFault<PollState | LegacyPollState>({ ...state, fault: state.fault }, faultContext);
        recordBackOff(backOff);
        recordPollOutcome(PollStatus.BackOff, Date.now() - startedAt);
        return spendHistory(backOff.state, { retryCount, caught: true, executionName, loop });
      }
      const outcome = await pollOnce(state, {
        cxone,
        putEvents,
        park,
        store,
        claimCheck,
        tenant: env.TENANT,
        eventSource: env.EVENT_SOURCE,
        pollTimeoutSeconds: env.POLL_TIMEOUT_SECONDS,
        publishReserveMs: env.PUBLISH_RESERVE_MS,
        invocationMaxMs,
        handOverAfterPolls: env.HAND_OVER_AFTER_POLLS,
        heartbeatIntervalMs: env.HEARTBEAT_SECONDS * 1000,
        executionName,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      });
      // Recovered only once a poll worked, not while waiting for another execution's lease.
      const { state: polled, recovered } = outcome.waitedForLease
        ? { state: outcome.state, recovered: undefined }
        : await recoverIfDegraded(outcome.state, faultContext);
      if (recovered) {
        logger.info('polling recovered', { degradedForSeconds: recovered.degradedForSeconds, faults: recovered.faults, reason: recovered.reason });
        metrics.addMetric(MetricName.PollingRecoveries, MetricUnit.Count, 1);
      }
      record(outcome);
      recordPollOutcome(outcome.state.status ?? 'UNKNOWN', Date.now() - startedAt);
      return spendHistory(polled, { retryCount, caught: false, executionName, loop });
    } catch (error) {
      metrics.addMetric(MetricName.PollErrors, MetricUnit.Count, 1);
      recordPollOutcome(POLL_ERROR_OUTCOME, Date.now() - startedAt);
      logger.error('poll failed', { error });
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  }
}

/** Logs and counts one back-off; the reason is short and carries no secret (see faultReason). */
function recordBackOff({ state, faultClass, entered }: BackOffOutcome<PollState | LegacyPollState>): void {
  const fields = { faultClass, faults: state.degraded?.faults, reason: state.degraded?.reason, backOffSeconds: state.backOffSeconds };
  if (entered) logger.warn('polling degraded', fields);
  else logger.info('polling still degraded', fields);
  metrics.addMetric(MetricName.PollBackOffs, MetricUnit.Count, 1);
  if (faultClass === FaultClass.Refused) metrics.addMetric(MetricName.PollsRefused, MetricUnit.Count, 1);
}

/** Logs and counts one invocation; parked items are logged without their payload. */
function record(outcome: PollOutcome): void {
  const { state } = outcome;
  for (const item of outcome.parked) {
    logger.error('parked in the large-event bucket', {
      reason: item.reason,
      detail: item.detail,
      sequence: item.sequence,
      eventId: item.eventId,
      detailType: item.detailType,
    });
  }
  if (outcome.migrated) logger.info('state of an earlier build migrated to the checkpoint store');
  if (outcome.waitedForLease) logger.info("waited for the session's lease, which another execution still holds; no poll");
  if (state.unsaved) logger.error('checkpoint store unavailable: batch published directly, checkpoint carried in the state');
  if (state.status === 'RESYNCED') logger.warn('session rejoined', { resyncs: state.resyncs });
  if (outcome.restatementsDropped > 0) logger.info('snapshot restatements merged', { count: outcome.restatementsDropped });
  logger.debug('poll done', {
    status: state.status,
    received: outcome.received,
    published: outcome.published,
    waiting: outcome.waiting,
    sequence: state.sequence,
  });
  metrics.addMetric(MetricName.Polls, MetricUnit.Count, 1);
  metrics.addMetric(MetricName.EventsReceived, MetricUnit.Count, outcome.received);
  metrics.addMetric(MetricName.EventsPublished, MetricUnit.Count, outcome.published);
  metrics.addMetric(MetricName.EventsPending, MetricUnit.Count, outcome.waiting);
  metrics.addMetric(MetricName.EventsParked, MetricUnit.Count, outcome.parked.length);
  if (state.status === 'RESYNCED') metrics.addMetric(MetricName.Resyncs, MetricUnit.Count, 1);
}
