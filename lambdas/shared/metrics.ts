import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';

/** CloudWatch namespace of the bridge's own metrics (EMF); alarms and dashboards use it. */
export const METRICS_NAMESPACE = 'CxoneEventBridge';

/** Metric names, shared with the stack's alarms. */
export const MetricName = {
  Polls: 'Polls',
  EventsReceived: 'EventsReceived',
  EventsPublished: 'EventsPublished',
  EventsPending: 'EventsPending',
  EventsParked: 'EventsParked',
  Resyncs: 'Resyncs',
  PollErrors: 'PollErrors',
  /** Polls by `outcome` (the poll status, or ERROR), in blobs of their own. */
  PollOutcomes: 'PollOutcomes',
  /** Milliseconds of one poll invocation by `outcome`: a 304 holds up to the poll timeout, a 200 returns at once. */
  PollLatency: 'PollLatency',
  /** Events EventBridge accepted, by `detailType`. */
  EventsPublishedByType: 'EventsPublishedByType',
  /** Entries EventBridge refused (each attempt; a whole failed call counts all its entries). */
  PublishFailures: 'PublishFailures',
  /** Logins discovery started again after their execution failed, was stopped or timed out. */
  PollersRestarted: 'PollersRestarted',
  /** Pollers discovery could not start in a run (each is retried by the next run). */
  PollerStartFailures: 'PollerStartFailures',
} as const;

/** Dimension names; `service` is on every metric. */
export const MetricDimension = {
  Service: 'service',
  Outcome: 'outcome',
  DetailType: 'detailType',
} as const;

/** The outcome of a poll that threw. */
export const POLL_ERROR_OUTCOME = 'ERROR';

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
  for (const [detailType, count] of counts) emitWithDimension(MetricDimension.DetailType, detailType, MetricName.EventsPublishedByType, MetricUnit.Count, count);
}
