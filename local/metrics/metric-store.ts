/**
 * The twin's CloudWatch: an in-memory store of raw metric values with the period/statistic queries
 * that dashboards and alarms make. A metric is identified by namespace, name and its full set of
 * dimensions, as in CloudWatch ("each unique combination of dimensions is a separate metric"):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html
 */

export type Dimensions = Record<string, string>;

export interface MetricId {
  namespace: string;
  metricName: string;
  dimensions: Dimensions;
}

export interface MetricQuery extends MetricId {
  /** Sum, Average, Minimum, Maximum, SampleCount or pNN (pNN.N). */
  statistic: string;
  periodSeconds: number;
  /** Epoch ms, inclusive. */
  startMs: number;
  /** Epoch ms, exclusive. */
  endMs: number;
}

/** One aggregated datapoint: the period's start and the statistic's value. */
export interface Datapoint {
  timestampMs: number;
  value: number;
}

interface Series extends MetricId {
  key: string;
  samples: { timestampMs: number; value: number }[];
}

/** Raw samples older than this are dropped: dashboards show three hours, alarms look minutes back. */
const RETENTION_MS = 3 * 60 * 60 * 1000;

export class MetricStore {
  private readonly series = new Map<string, Series>();

  constructor(private readonly clock: () => number = Date.now) {}

  now(): number {
    return this.clock();
  }

  /** Records one value (EMF may carry several per metric: each is a sample). */
  put(id: MetricId, value: number, timestampMs = this.clock()): void {
    if (!Number.isFinite(value)) return;
    const key = metricKey(id);
    let series = this.series.get(key);
    if (!series) {
      series = { ...id, dimensions: { ...id.dimensions }, key, samples: [] };
      this.series.set(key, series);
    }
    series.samples.push({ timestampMs, value });
    const cutoff = this.clock() - RETENTION_MS;
    while (series.samples.length > 0 && (series.samples[0]?.timestampMs ?? 0) < cutoff) series.samples.shift();
  }

  /** Every metric with at least one sample, as ListMetrics reports them. */
  list(filter: { namespace?: string; metricName?: string } = {}): MetricId[] {
    return [...this.series.values()]
      .filter(
        (series) =>
          (filter.namespace === undefined || series.namespace === filter.namespace) &&
          (filter.metricName === undefined || series.metricName === filter.metricName),
      )
      .map(({ namespace, metricName, dimensions }) => ({ namespace, metricName, dimensions }));
  }

  /**
   * Datapoints of one metric, one per period that has samples (periods without samples have no
   * datapoint, which is what an alarm's TreatMissingData is about). Periods start on multiples of
   * the period, as CloudWatch aligns them.
   */
  query(query: MetricQuery): Datapoint[] {
    const series = this.series.get(metricKey(query));
    if (!series) return [];
    const periodMs = query.periodSeconds * 1000;
    const buckets = new Map<number, number[]>();
    for (const sample of series.samples) {
      if (sample.timestampMs < query.startMs || sample.timestampMs >= query.endMs) continue;
      const start = Math.floor(sample.timestampMs / periodMs) * periodMs;
      let values = buckets.get(start);
      if (!values) {
        values = [];
        buckets.set(start, values);
      }
      values.push(sample.value);
    }
    return [...buckets.entries()].sort(([a], [b]) => a - b).map(([timestampMs, values]) => ({ timestampMs, value: statistic(query.statistic, values) }));
  }
}

/** A metric's identity: namespace, name and the sorted dimensions. */
export function metricKey(id: MetricId): string {
  const dimensions = Object.entries(id.dimensions).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([id.namespace, id.metricName, dimensions]);
}

/**
 * CloudWatch statistics over one period's samples; percentiles by nearest rank. Definitions:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
 */
export function statistic(name: string, values: number[]): number {
  if (values.length === 0) return Number.NaN;
  switch (name) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'SampleCount':
      return values.length;
    default: {
      const match = /^p(\d+(?:\.\d+)?)$/.exec(name);
      if (!match) throw new Error(`the twin's CloudWatch does not compute the statistic ${name}`);
      const sorted = [...values].sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil((Number(match[1]) / 100) * sorted.length));
      return sorted[rank - 1] as number;
    }
  }
}
