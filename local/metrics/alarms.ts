import { type MetricDataQuery, runQueries } from './metric-queries.js';
import type { Dimensions, MetricStore } from './metric-store.js';
import type { ObservedStack, TemplateResource } from './observed-twin.js';
import { stackTokenResolver } from './stack-tokens.js';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An AWS::CloudWatch::Alarm of the template, its tokens resolved. */
export interface AlarmDefinition {
  logicalId: string;
  name: string;
  arn: string;
  description: string;
  comparison: string;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  periodSeconds: number;
  queries: MetricDataQuery[];
}

export interface AlarmState {
  definition: AlarmDefinition;
  state: AlarmStateValue;
  reason: string;
  updatedAt: number;
  /** The evaluated datapoints, newest last (undefined = missing). */
  datapoints: (number | undefined)[];
  /** Every state change, oldest first. */
  history: { state: AlarmStateValue; at: number; reason: string }[];
}

type Resources = Record<string, TemplateResource>;

/** Reads every alarm of the synthesized template. */
export function readAlarms(stack: ObservedStack): AlarmDefinition[] {
  const resolve = stackTokenResolver(stack);
  return Object.entries(stack.template.Resources as Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
    .map(([logicalId, resource]) => {
      const props = resolve(resource.Properties ?? {}) as Record<string, unknown>;
      const dimensions = (list: unknown): Dimensions =>
        Object.fromEntries(((list as { Name: string; Value: string }[] | undefined) ?? []).map((d) => [d.Name, String(d.Value)]));
      let queries: MetricDataQuery[];
      let periodSeconds = Number(props.Period ?? 60);
      if (Array.isArray(props.Metrics)) {
        queries = (props.Metrics as Record<string, unknown>[]).map((query) => {
          const stat = query.MetricStat as
            | { Metric: { Namespace: string; MetricName: string; Dimensions?: unknown }; Period: number; Stat: string }
            | undefined;
          if (stat) periodSeconds = Number(stat.Period);
          return {
            id: String(query.Id),
            label: query.Label === undefined ? undefined : String(query.Label),
            expression: query.Expression === undefined ? undefined : String(query.Expression),
            metric: stat
              ? {
                  namespace: stat.Metric.Namespace,
                  metricName: stat.Metric.MetricName,
                  dimensions: dimensions(stat.Metric.Dimensions),
                  stat: stat.Stat,
                  periodSeconds: Number(stat.Period),
                }
              : undefined,
            returnData: query.ReturnData !== false,
          };
        });
      } else {
        queries = [
          {
            id: 'm1',
            label: String(props.MetricName),
            metric: {
              namespace: String(props.Namespace),
              metricName: String(props.MetricName),
              dimensions: dimensions(props.Dimensions),
              stat: String(props.Statistic ?? props.ExtendedStatistic),
              periodSeconds,
            },
            returnData: true,
          },
        ];
      }
      const name = String(props.AlarmName ?? logicalId);
      const evaluationPeriods = Number(props.EvaluationPeriods);
      return {
        logicalId,
        name,
        arn: String(resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] })),
        description: String(props.AlarmDescription ?? ''),
        comparison: String(props.ComparisonOperator),
        threshold: Number(props.Threshold),
        evaluationPeriods,
        datapointsToAlarm: Number(props.DatapointsToAlarm ?? evaluationPeriods),
        treatMissingData: (props.TreatMissingData ?? 'missing') as AlarmDefinition['treatMissingData'],
        periodSeconds,
        queries,
      };
    });
}

function breaches(comparison: string, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      throw new Error(`the twin does not evaluate the comparison ${comparison}`);
  }
}

/**
 * Evaluates the template's alarms on the twin's metrics as CloudWatch does: the alarm's statistic
 * per period over its last EvaluationPeriods periods; ALARM when at least DatapointsToAlarm of them
 * breach the threshold; missing periods handled by TreatMissingData (notBreaching: good,
 * breaching: bad, ignore: keep the state, missing: INSUFFICIENT_DATA when all are missing). Starts
 * in INSUFFICIENT_DATA. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 * and https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 */
export class AlarmEvaluator {
  readonly states: AlarmState[];

  constructor(
    private readonly store: MetricStore,
    definitions: AlarmDefinition[],
  ) {
    const now = store.now();
    this.states = definitions.map((definition) => ({
      definition,
      state: 'INSUFFICIENT_DATA',
      reason: 'Unchecked: Initial alarm creation',
      updatedAt: now,
      datapoints: [],
      history: [],
    }));
  }

  /** Evaluates every alarm at `now` (the current, partial period included); returns the states. */
  evaluate(now = this.store.now()): AlarmState[] {
    for (const alarm of this.states) this.evaluateOne(alarm, now);
    return this.states;
  }

  find(logicalIdOrName: string): AlarmState | undefined {
    return this.states.find((alarm) => alarm.definition.logicalId === logicalIdOrName || alarm.definition.name === logicalIdOrName);
  }

  private evaluateOne(alarm: AlarmState, now: number): void {
    const { definition } = alarm;
    const periodMs = definition.periodSeconds * 1000;
    const last = Math.floor(now / periodMs) * periodMs;
    const first = last - (definition.evaluationPeriods - 1) * periodMs;
    const result = runQueries(this.store, definition.queries, definition.periodSeconds, first, last + periodMs)[0];
    const datapoints: (number | undefined)[] = [];
    for (let start = first; start <= last; start += periodMs) datapoints.push(result?.series.get(start));
    alarm.datapoints = datapoints;
    const present = datapoints.filter((value): value is number => value !== undefined);
    let breaching = present.filter((value) => breaches(definition.comparison, value, definition.threshold)).length;
    const missing = datapoints.length - present.length;
    let next: AlarmStateValue;
    if (present.length === 0 && definition.treatMissingData === 'ignore') return;
    if (present.length === 0 && definition.treatMissingData === 'missing') next = 'INSUFFICIENT_DATA';
    else {
      if (definition.treatMissingData === 'breaching') breaching += missing;
      next = breaching >= definition.datapointsToAlarm ? 'ALARM' : 'OK';
    }
    if (next === alarm.state) return;
    const shown = datapoints.map((value) => (value === undefined ? 'missing' : String(Number(value.toFixed(3))))).join(', ');
    const reason = `Threshold Crossed: ${breaching} of ${datapoints.length} datapoints [${shown}] ${next === 'ALARM' ? 'breached' : 'did not breach'} the threshold (${definition.comparison} ${definition.threshold}).`;
    Object.assign(alarm, { state: next, reason, updatedAt: now });
    alarm.history.push({ state: next, at: now, reason });
  }
}
