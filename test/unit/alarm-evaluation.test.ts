import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { type AlarmDefinition, AlarmEvaluator } from '../../local/metrics/alarms.js';
import { captureEmf } from '../../local/metrics/emf-capture.js';
import { evaluateExpression } from '../../local/metrics/metric-queries.js';
import { MetricStore, statistic } from '../../local/metrics/metric-store.js';

const MINUTE = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MINUTE);
const id = { namespace: 'Test', metricName: 'Errors', dimensions: { fn: 'a' } };

function alarmOn(overrides: Partial<AlarmDefinition> = {}): AlarmDefinition {
  return {
    logicalId: 'TestAlarm',
    name: 'TestAlarm',
    arn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:TestAlarm',
    description: '',
    comparison: 'GreaterThanThreshold',
    threshold: 0,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    periodSeconds: 60,
    queries: [{ id: 'm1', metric: { ...id, stat: 'Sum', periodSeconds: 60 }, returnData: true }],
    ...overrides,
  };
}

describe('alarm evaluation', () => {
  it('starts in INSUFFICIENT_DATA, goes to ALARM on a breaching period and back to OK once periods are empty (notBreaching)', () => {
    const store = new MetricStore(() => T0);
    const alarms = new AlarmEvaluator(store, [alarmOn()]);
    expect(alarms.states[0]?.state).toBe('INSUFFICIENT_DATA');
    store.put(id, 1, T0 + 5_000);
    expect(alarms.evaluate(T0 + 10_000)[0]?.state).toBe('ALARM');
    expect(alarms.evaluate(T0 + 2 * MINUTE)[0]?.state).toBe('OK');
    expect(alarms.states[0]?.history.map((change) => change.state)).toEqual(['ALARM', 'OK']);
  });

  it.each([
    ['missing', 'INSUFFICIENT_DATA'],
    ['breaching', 'ALARM'],
    ['notBreaching', 'OK'],
    ['ignore', 'INSUFFICIENT_DATA'],
  ] as const)('treats a window without data as TreatMissingData %s says: %s', (treatMissingData, expected) => {
    const alarms = new AlarmEvaluator(new MetricStore(() => T0), [alarmOn({ treatMissingData })]);
    expect(alarms.evaluate(T0)[0]?.state).toBe(expected);
  });

  it('needs DatapointsToAlarm breaching periods out of EvaluationPeriods', () => {
    const store = new MetricStore(() => T0);
    const alarms = new AlarmEvaluator(store, [alarmOn({ evaluationPeriods: 3, datapointsToAlarm: 2 })]);
    store.put(id, 1, T0);
    store.put(id, 0, T0 + MINUTE);
    expect(alarms.evaluate(T0 + 2 * MINUTE + 1)[0]?.state).toBe('OK');
    store.put(id, 3, T0 + 2 * MINUTE);
    expect(alarms.evaluate(T0 + 2 * MINUTE + 1)[0]?.state).toBe('ALARM');
  });

  it('compares with the alarm statistic of each period (Maximum of a sampled gauge)', () => {
    const store = new MetricStore(() => T0);
    const alarms = new AlarmEvaluator(store, [
      alarmOn({ threshold: 8, queries: [{ id: 'm1', metric: { ...id, stat: 'Maximum', periodSeconds: 60 }, returnData: true }] }),
    ]);
    for (const value of [3, 9, 2]) store.put(id, value, T0 + value * 1000);
    expect(alarms.evaluate(T0 + 30_000)[0]?.state).toBe('ALARM');
  });
});

describe('statistics and metric math', () => {
  it.each([
    ['Sum', 15],
    ['Average', 3],
    ['Minimum', 1],
    ['Maximum', 5],
    ['SampleCount', 5],
    ['p50', 3],
    ['p99', 5],
  ])('computes %s', (name, expected) => {
    expect(statistic(name, [5, 1, 4, 2, 3])).toBe(expected);
  });

  it('adds series period by period, a period missing on one side counting as 0', () => {
    const failed = new Map([[T0, 2]]);
    const timedOut = new Map([[T0 + MINUTE, 1]]);
    expect([
      ...evaluateExpression(
        'failed + timedOut',
        new Map([
          ['failed', failed],
          ['timedOut', timedOut],
        ]),
        60,
      ),
    ]).toEqual([
      [T0, 2],
      [T0 + MINUTE, 1],
    ]);
    expect([...evaluateExpression('duration / (PERIOD(duration) * 1000)', new Map([['duration', new Map([[T0, 120_000]])]]), 60)]).toEqual([[T0, 2]]);
  });
});

describe('EMF capture', () => {
  it("records Powertools' EMF documents, single metrics with their own dimension included, while printing is disabled", () => {
    const store = new MetricStore(() => T0);
    const release = captureEmf(store);
    try {
      const metrics = new Metrics({ namespace: 'Test', serviceName: 'svc' });
      metrics.addMetric('Polls', MetricUnit.Count, 1);
      metrics.addMetric('Polls', MetricUnit.Count, 1);
      const single = metrics.singleMetric();
      single.addDimension('outcome', 'EVENTS');
      single.addMetric('PollOutcomes', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    } finally {
      release();
    }
    expect(store.list().sort((a, b) => a.metricName.localeCompare(b.metricName))).toEqual([
      { namespace: 'Test', metricName: 'PollOutcomes', dimensions: { service: 'svc', outcome: 'EVENTS' } },
      { namespace: 'Test', metricName: 'Polls', dimensions: { service: 'svc' } },
    ]);
    expect(
      store.query({
        namespace: 'Test',
        metricName: 'Polls',
        dimensions: { service: 'svc' },
        statistic: 'Sum',
        periodSeconds: 60,
        startMs: 0,
        endMs: Number.MAX_SAFE_INTEGER,
      })[0]?.value,
    ).toBe(2);
  });
});
