import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { RedriveEnvironment } from '../../lambdas/parked/environment.js';
import { acknowledgeQualifiedInvoke } from './acknowledgements.js';
import { BridgeFunction } from './bridge-function.js';
import type { LargeEventStore } from './large-event-store.js';

export interface ParkedEventRedriveProps {
  /** Only this tenant's parked items are redriven (one stack per tenant). */
  readonly tenant: string;
  /** The bucket of parked items and claim checks; the function may list, read and delete parked items and write claim checks. */
  readonly largeEvents: LargeEventStore;
  /** The bus parked events go back to; the function may only put events on this one. */
  readonly eventBus: events.IEventBus;
  /** `source` of the re-published events. */
  readonly eventSource: string;
  /** How often parked events are offered to EventBridge again. @default 5 minutes */
  readonly every?: Duration;
  readonly logRetention: logs.RetentionDays;
  /** Service name of the function's logs and metrics. */
  readonly serviceName: string;
}

/** A run stops starting batches 10 s before this, and ends before the next run at the shortest rate (1 minute). */
const REDRIVE_TIMEOUT = Duration.seconds(55);

/**
 * Puts parked events back on the bus without an operator: a function run by EventBridge Scheduler
 * lists the parked items EventBridge refused, re-publishes them with their original eventId and
 * sequence, deletes each one EventBridge accepted, and reports how many still wait.
 */
export class ParkedEventRedrive extends Construct {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: ParkedEventRedriveProps) {
    super(scope, id);
    const environment: RedriveEnvironment = {
      LARGE_EVENT_BUCKET: props.largeEvents.bucket.bucketName,
      EVENT_BUS_NAME: props.eventBus.eventBusName,
      EVENT_SOURCE: props.eventSource,
      TENANT: props.tenant,
    };
    this.function = new BridgeFunction(this, 'Redrive', {
      entry: 'parked/handler.ts',
      description: `Re-publishes parked CXone events of tenant ${props.tenant} once EventBridge accepts them`,
      timeout: REDRIVE_TIMEOUT,
      environment: { ...environment },
      logRetention: props.logRetention,
      serviceName: props.serviceName,
      // Parked items are read whole (up to a few MB each), ten at a time.
      memorySize: 256,
      invokedBy: 'schedule',
    }).function;
    props.largeEvents.grantRedrive(this.function);
    props.eventBus.grantPutEventsTo(this.function);

    const schedulerRole = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    new scheduler.Schedule(this, 'Schedule', {
      description: `Re-publishes parked CXone events of tenant ${props.tenant}`,
      schedule: scheduler.ScheduleExpression.rate(props.every ?? Duration.minutes(5)),
      // A missed run is replaced by the next one; runs must not pile up.
      target: new schedulerTargets.LambdaInvoke(this.function, { role: schedulerRole, retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    });
    acknowledgeQualifiedInvoke(schedulerRole, this.function);
  }
}
