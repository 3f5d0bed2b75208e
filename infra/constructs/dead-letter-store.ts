import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricName } from '../../contract/metrics.js';
import { AboveZeroAlarm } from './above-zero-alarm.js';
import { DeadLetterQueue } from './encrypted-queue.js';

export interface DeadLetterStoreProps {
  /** The service name the poller's and the redrive's metrics carry as a dimension. */
  readonly serviceName: string;
}

/**
 * The signals of parked events. The items themselves are objects under `parked/` in the
 * large-event bucket (LargeEventStore), kept whole and never expired; these alarms fire as soon as
 * anything is parked, and for as long as the redrive finds items waiting.
 */
export class DeadLetterStore extends Construct {
  /**
   * The SQS queue earlier versions parked into, kept under its logical id and retained: removing it
   * would delete the messages a deployed stack still holds (CloudFormation deletes a resource dropped
   * from the template). Nothing sends to it any more; once it is empty (14 days at most) it can go.
   */
  readonly legacyQueue: sqs.Queue;
  /** Parked items the redrive found still waiting after its run (all reasons). */
  readonly waitingMetric: cloudwatch.Metric;
  /** Fires while parked items wait after a redrive run. */
  readonly waitingAlarm: cloudwatch.Alarm;
  /** Fires as soon as the poller parks an event. */
  readonly parkedEventsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterStoreProps) {
    super(scope, id);
    this.legacyQueue = new DeadLetterQueue(this, 'Queue', {
      maxMessageSizeBytes: 1024 * 1024,
      removalPolicy: RemovalPolicy.RETAIN,
      withoutRedriveBecause:
        'The dead-letter queue of earlier versions, kept only so its messages survive the upgrade; nothing sends to it and it is read by operators.',
    });
    const metric = (metricName: string, statistic: string, period: Duration) =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: props.serviceName }, statistic, period });
    // The redrive reports it once a run (every few minutes): a 5-minute period always holds one.
    this.waitingMetric = metric(MetricName.ParkedItemsWaiting, 'Maximum', Duration.minutes(5));
    // Construct id from earlier versions: a new id would replace the alarm.
    this.waitingAlarm = new AboveZeroAlarm(this, 'DepthAlarm', {
      description:
        'Parked CXone events are waiting in the large-event bucket (parked/…): EventBridge still refuses them, or they can never be published (MALFORMED_BATCH). `npm run parked -- list` shows them with their reason.',
      metric: this.waitingMetric,
    });
    this.parkedEventsAlarm = new AboveZeroAlarm(this, 'ParkedEventsAlarm', {
      description: 'The poller parked CXone events it could not publish to EventBridge; the redrive puts them back once EventBridge accepts them.',
      metric: metric(MetricName.EventsParked, 'Sum', Duration.minutes(1)),
    });
  }
}
