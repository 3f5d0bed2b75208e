import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, MetricDimension, MetricName } from '../../contract/metrics.js';

/** The one metrics instance of the bridge's functions. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cxone-eventbridge' });

/**
 * Emits one metric with an extra dimension, in an EMF blob of its own: added to the shared instance,
 * the dimension would split every other metric of the invocation (and the alarms on them).
 */
function emitWithDimension(dimension: string, value: string, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], amount: number): void {
  const single = metrics.singleMetric();
  single.addDimension(dimension, value);
  single.addMetric(name, unit, amount);
}

/** Counts a poll by outcome and records how long it took. */
export function recordPollOutcome(outcome: string, latencyMs: number): void {
  emitWithDimension(MetricDimension.Outcome, outcome, MetricName.PollOutcomes, MetricUnit.Count, 1);
  emitWithDimension(MetricDimension.Outcome, outcome, MetricName.PollLatency, MetricUnit.Milliseconds, latencyMs);
}

/** Counts events EventBridge accepted, per detail type. */
export function recordPublishedByType(counts: ReadonlyMap<string, number>): void {
  for (const [detailType, count] of counts)
    emitWithDimension(MetricDimension.DetailType, detailType, MetricName.EventsPublishedByType, MetricUnit.Count, count);
}
