import { AwsApiError, type AwsOperation } from '../aws/local-aws-server.js';
import type { AlarmEvaluator } from './alarms.js';
import { type MetricDataQuery, runQueries } from './metric-queries.js';
import type { MetricStore } from './metric-store.js';

/** CloudWatch's JSON protocol target prefix (the SDK's service target). */
const TARGET = 'GraniteServiceVersion20100801';

type Wire = Record<string, unknown>;

/**
 * The CloudWatch operations the ops CLI calls, answered from the twin's metric store and alarm
 * evaluator: DescribeAlarms (by name, prefix or state) and GetMetricData.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export function localCloudWatchOperations(store: MetricStore, alarms: AlarmEvaluator): Record<string, AwsOperation> {
  return {
    [`${TARGET}.DescribeAlarms`]: (request) => {
      const names = request.AlarmNames as string[] | undefined;
      const prefix = request.AlarmNamePrefix as string | undefined;
      const state = request.StateValue as string | undefined;
      const matching = alarms
        .evaluate()
        .filter(
          (alarm) =>
            (!names || names.includes(alarm.definition.name)) && (!prefix || alarm.definition.name.startsWith(prefix)) && (!state || alarm.state === state),
        );
      return {
        MetricAlarms: matching.map((alarm) => {
          const single = alarm.definition.queries.length === 1 ? alarm.definition.queries[0]?.metric : undefined;
          return {
            AlarmName: alarm.definition.name,
            AlarmArn: alarm.definition.arn,
            AlarmDescription: alarm.definition.description,
            StateValue: alarm.state,
            StateReason: alarm.reason,
            StateUpdatedTimestamp: alarm.updatedAt / 1000,
            ComparisonOperator: alarm.definition.comparison,
            Threshold: alarm.definition.threshold,
            EvaluationPeriods: alarm.definition.evaluationPeriods,
            DatapointsToAlarm: alarm.definition.datapointsToAlarm,
            TreatMissingData: alarm.definition.treatMissingData,
            Period: single ? alarm.definition.periodSeconds : undefined,
            Namespace: single?.namespace,
            MetricName: single?.metricName,
            Statistic: single?.stat,
            Dimensions: single ? Object.entries(single.dimensions).map(([Name, Value]) => ({ Name, Value })) : undefined,
          };
        }),
        CompositeAlarms: [],
      };
    },
    [`${TARGET}.GetMetricData`]: (request) => {
      const queries = ((request.MetricDataQueries as Wire[] | undefined) ?? []).map((query): MetricDataQuery => {
        const stat = query.MetricStat as
          | { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] }; Period: number; Stat: string }
          | undefined;
        return {
          id: String(query.Id),
          label: query.Label as string | undefined,
          expression: query.Expression as string | undefined,
          metric: stat
            ? {
                namespace: stat.Metric.Namespace,
                metricName: stat.Metric.MetricName,
                dimensions: Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value])),
                stat: stat.Stat,
                periodSeconds: stat.Period,
              }
            : undefined,
          returnData: query.ReturnData !== false,
        };
      });
      if (queries.length === 0) throw new AwsApiError('ValidationError', 'MetricDataQueries must not be empty');
      const period = queries.find((query) => query.metric)?.metric?.periodSeconds ?? Number((request.MetricDataQueries as Wire[])[0]?.Period ?? 60);
      const results = runQueries(store, queries, period, Number(request.StartTime) * 1000, Number(request.EndTime) * 1000);
      return {
        MetricDataResults: results.map((result) => {
          // Newest first, CloudWatch's default order (TimestampDescending).
          const points = [...result.series.entries()].sort(([a], [b]) => b - a);
          return {
            Id: result.id,
            Label: result.label,
            Timestamps: points.map(([at]) => at / 1000),
            Values: points.map(([, value]) => value),
            StatusCode: 'Complete',
          };
        }),
      };
    },
  };
}
