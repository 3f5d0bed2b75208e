import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export interface AboveZeroAlarmProps {
  /** What the alarm means and what to do about it; shown in the notification and on the dashboard. */
  readonly description: string;
  /** A count (or a maximum of one) that is zero while all is well. */
  readonly metric: cloudwatch.IMetric;
  /**
   * Periods in a row the metric must be above zero before the alarm fires: more than one waits out
   * a blip that heals by itself. @default 1
   */
  readonly periodsInARow?: number;
}

/**
 * An alarm that fires as soon as a metric is above zero. A period without data counts as zero
 * (notBreaching): the metrics it watches report only when something happened, so silence means
 * all is well. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 */
export class AboveZeroAlarm extends cloudwatch.Alarm {
  constructor(scope: Construct, id: string, props: AboveZeroAlarmProps) {
    const periods = props.periodsInARow ?? 1;
    super(scope, id, {
      alarmDescription: props.description,
      metric: props.metric,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      // Left unset for one period: CloudWatch then alarms on 1 of 1, and the template stays as it was.
      ...(periods > 1 ? { datapointsToAlarm: periods } : {}),
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
