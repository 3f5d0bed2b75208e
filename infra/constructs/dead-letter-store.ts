import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricName } from '../../contract/metrics.js';

export interface DeadLetterStoreProps {
  /** The service name the poller's metrics carry as a dimension. */
  serviceName: string;
}

/**
 * Where events that could not be published are parked, with the reason: an encrypted SQS queue kept
 * 14 days, and alarms that fire as soon as anything is parked.
 */
export class DeadLetterStore extends Construct {
  readonly queue: sqs.Queue;
  readonly depthAlarm: cloudwatch.Alarm;
  readonly parkedEventsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterStoreProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // 1 MiB: room for a whole CXone event next to the reason.
      maxMessageSizeBytes: 1024 * 1024,
    });
    this.depthAlarm = new cloudwatch.Alarm(this, 'DepthAlarm', {
      alarmDescription: 'CXone events are waiting in the dead-letter queue: inspect the reason, fix, then redrive or replay them.',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.parkedEventsAlarm = new cloudwatch.Alarm(this, 'ParkedEventsAlarm', {
      alarmDescription: 'The poller parked CXone events it could not publish to EventBridge.',
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: MetricName.EventsParked,
        dimensionsMap: { service: props.serviceName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
