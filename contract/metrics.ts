/** CloudWatch namespace of the bridge's own metrics (EMF); alarms and dashboards use it. */
export const METRICS_NAMESPACE = 'CxoneEventBridge';

/** Metric names, shared with the stack's alarms. */
export const MetricName = {
  Polls: 'Polls',
  EventsReceived: 'EventsReceived',
  EventsPublished: 'EventsPublished',
  EventsPending: 'EventsPending',
  EventsParked: 'EventsParked',
  /** Events too large for EventBridge, put on the bus as claim checks (the whole event in S3). */
  EventsClaimChecked: 'EventsClaimChecked',
  /** Parked events the redrive put back on the bus. */
  EventsRedriven: 'EventsRedriven',
  /** Parked items the redrive found waiting (all reasons, after its run): the bucket's "queue depth". */
  ParkedItemsWaiting: 'ParkedItemsWaiting',
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
  /** Fault-mode invocations: one per back-off of a degraded session (the degraded-sessions alarm). */
  PollBackOffs: 'PollBackOffs',
  /** Back-offs because CXone refused our credentials or the request (401 after refresh, 403): a person must act. */
  PollsRefused: 'PollsRefused',
  /** Degraded sessions whose polling recovered. */
  PollingRecoveries: 'PollingRecoveries',
} as const;

/** Dimension names; `service` is on every metric. */
export const MetricDimension = {
  Service: 'service',
  Outcome: 'outcome',
  DetailType: 'detailType',
} as const;

/** The outcome of a poll that threw. */
export const POLL_ERROR_OUTCOME = 'ERROR';
