import { Metrics } from '@aws-lambda-powertools/metrics';

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
} as const;

/** The one metrics instance of the bridge's functions. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cxone-eventbridge' });
