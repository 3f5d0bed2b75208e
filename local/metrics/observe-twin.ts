import { AlarmEvaluator, readAlarms } from './alarms.js';
import { localCloudFormationOperations } from './local-cloudformation.js';
import { localCloudWatchOperations } from './local-cloudwatch.js';
import { MetricStore } from './metric-store.js';
import type { ObservedTwin } from './observed-twin.js';
import { collectTwinMetrics, type TwinMetrics, type TwinMetricsOptions } from './twin-metrics.js';

/** The twin's CloudWatch and CloudFormation: metrics, the template's alarms, and the stack's description. */
export interface TwinObservability {
  store: MetricStore;
  metrics: TwinMetrics;
  alarms: AlarmEvaluator;
  /** The stack name the ops CLI finds the twin's resources by. */
  stackName: string;
  stop(): void;
}

/**
 * Starts measuring a running twin: collects its metrics, evaluates every alarm of the template each
 * second, and lets the local endpoint answer CloudWatch (DescribeAlarms, GetMetricData) and
 * CloudFormation (DescribeStacks, DescribeStackResources) so the ops CLI works against it.
 */
export function observeTwin(
  twin: ObservedTwin,
  options: TwinMetricsOptions & {
    clock?: () => number /** 0: only when asked (tests evaluate at chosen times). @default 1,000 */;
    evaluateEveryMs?: number;
  } = {},
): TwinObservability {
  const store = new MetricStore(options.clock);
  const metrics = collectTwinMetrics(twin, store, options);
  const alarms = new AlarmEvaluator(store, readAlarms(twin.stack));
  const stackName = `CxoneEventBridge-${twin.tenant}`;
  Object.assign(twin.operations, localCloudWatchOperations(store, alarms), localCloudFormationOperations(twin.stack, stackName));
  const timer = options.evaluateEveryMs === 0 ? undefined : setInterval(() => alarms.evaluate(), options.evaluateEveryMs ?? 1_000);
  timer?.unref();
  return {
    store,
    metrics,
    alarms,
    stackName,
    stop() {
      clearInterval(timer);
      metrics.stop();
    },
  };
}
