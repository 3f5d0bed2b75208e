import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Dimensions, MetricStore } from './metric-store.js';

/** An EMF document as Powertools prints it. */
interface EmfDocument {
  _aws?: { Timestamp?: number; CloudWatchMetrics?: { Namespace: string; Dimensions?: string[][]; Metrics: { Name: string }[] }[] };
  [member: string]: unknown;
}

let sink: ((document: EmfDocument) => void) | undefined;
let installed = false;

/**
 * Captures the EMF documents the handlers' Powertools Metrics instances print, without touching
 * handler code: every instance (the shared one and each `singleMetric()`) serializes through
 * `publishStoredMetrics`, so the twin reads the document right before it is printed, and still when
 * POWERTOOLS_METRICS_DISABLED keeps stdout quiet. One twin per process, so one sink.
 */
export function captureEmf(store: MetricStore): () => void {
  if (!installed) {
    installed = true;
    const publish = Metrics.prototype.publishStoredMetrics;
    Metrics.prototype.publishStoredMetrics = function (this: Metrics) {
      if (sink && this.hasStoredMetrics()) sink(this.serializeMetrics() as unknown as EmfDocument);
      return publish.call(this);
    };
  }
  const own = (document: EmfDocument) => recordEmf(store, document);
  sink = own;
  return () => {
    if (sink === own) sink = undefined;
  };
}

/**
 * Extracts metrics from one EMF document as CloudWatch Logs does: every directive's metric, once per
 * dimension set, with the dimension values and metric values (a number or an array of numbers, each
 * a sample) taken from the root members, at `_aws.Timestamp`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export function recordEmf(store: MetricStore, document: EmfDocument): void {
  const timestampMs = document._aws?.Timestamp ?? store.now();
  for (const directive of document._aws?.CloudWatchMetrics ?? []) {
    const dimensionSets = directive.Dimensions && directive.Dimensions.length > 0 ? directive.Dimensions : [[]];
    for (const set of dimensionSets) {
      const dimensions: Dimensions = {};
      for (const name of set) {
        const value = document[name];
        if (typeof value === 'string') dimensions[name] = value;
      }
      // A dimension without a string value makes the whole set invalid: CloudWatch drops it.
      if (Object.keys(dimensions).length !== set.length) continue;
      for (const metric of directive.Metrics) {
        const raw = document[metric.Name];
        const values = Array.isArray(raw) ? raw : [raw];
        for (const value of values)
          if (typeof value === 'number') store.put({ namespace: directive.Namespace, metricName: metric.Name, dimensions }, value, timestampMs);
      }
    }
  }
}
