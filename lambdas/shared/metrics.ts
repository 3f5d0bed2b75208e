import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, MetricDimension, MetricName } from '../../contract/metrics.js';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'cxone-eventbridge';

/** The one metrics instance of the bridge's functions. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * Emits metrics that share an extra dimension, in an EMF blob of their own: added to the shared
 * instance, the dimension would split every other metric of the invocation (and the alarms on them).
 * One blob for all of them, not one each (`singleMetric()`): every blob repeats the `_aws` header,
 * and the poller writes these on every invocation (CloudWatch Logs bills the bytes).
 */
function emitWithDimension(dimension: string, value: string, entries: readonly [name: string, unit: Unit, amount: number][]): void {
  const blob = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  blob.addDimension(dimension, value);
  for (const [name, unit, amount] of entries) blob.addMetric(name, unit, amount);
  blob.publishStoredMetrics();
}

/** Counts a poll by outcome and records how long it took. */
export function recordPollOutcome(outcome: string, latencyMs: number): void {
  emitWithDimension(MetricDimension.Outcome, outcome, [
    [MetricName.PollOutcomes, MetricUnit.Count, 1],
    [MetricName.PollLatency, MetricUnit.Milliseconds, latencyMs],
  ]);
}

/** Counts events EventBridge accepted, per detail type. */
export function recordPublishedByType(counts: ReadonlyMap<string, number>): void {
  for (const [detailType, count] of counts)
    emitWithDimension(MetricDimension.DetailType, detailType, [[MetricName.EventsPublishedByType, MetricUnit.Count, count]]);
}
