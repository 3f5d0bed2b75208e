import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { PollerEnvironment } from '../../lambdas/poll-session/environment.js';
import { BridgeFunction } from './bridge-function.js';
import type { CxoneAccess } from './cxone-access.js';
import type { LargeEventStore } from './large-event-store.js';
import type { SessionStore } from './session-store.js';

export interface SessionPollerProps {
  /** Tenant label, in the function's environment and description. */
  readonly tenant: string;
  /** The tenant's CXone access: the function may only read its credentials and shared token. */
  readonly cxone: CxoneAccess;
  /** Bus to publish to; the function may only put events on this one. */
  readonly eventBus: events.IEventBus;
  /** `source` of every published event. */
  readonly eventSource: string;
  /** CXone hold time per poll (0–60 s). */
  readonly pollTimeoutSeconds: number;
  readonly logRetention: logs.RetentionDays;
  /** Bucket of claim checks and parked items; the function may only put objects under those two prefixes. */
  readonly largeEvents: LargeEventStore;
  /** Polls per execution before it hands over to a fresh one. */
  readonly handOverAfterPolls: number;
  /** The per-session checkpoint store; the function may use only the item actions it needs on it. */
  readonly sessionStore: SessionStore;
  /** Service name of logs and metrics. */
  readonly serviceName: string;
  /** @default 128 */
  readonly memorySize?: number;
  /** Lambda's platform records in the log group: WARN keeps the per-invocation start and report records out. @default INFO (Lambda's) */
  readonly systemLogLevel?: lambda.SystemLogLevel;
}

/** Seconds kept back after a full-length hold for publishing the batch and returning. */
const PUBLISH_RESERVE_SECONDS = 20;
/** Extra time for a cold start, OIDC discovery and the token request. */
const STARTUP_ALLOWANCE_SECONDS = 20;

/**
 * The poller Lambda: one invocation makes exactly one get-next-event poll and publishes its events.
 * Its timeout covers the poll's hold time plus publishing, so a full 60 s hold never times out.
 */
export class SessionPoller extends Construct {
  readonly function: lambda.Function;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: SessionPollerProps) {
    super(scope, id);
    this.timeout = Duration.seconds(props.pollTimeoutSeconds + PUBLISH_RESERVE_SECONDS + STARTUP_ALLOWANCE_SECONDS);
    const environment: PollerEnvironment = {
      TENANT: props.tenant,
      ...props.cxone.environment,
      EVENT_BUS_NAME: props.eventBus.eventBusName,
      EVENT_SOURCE: props.eventSource,
      POLL_TIMEOUT_SECONDS: props.pollTimeoutSeconds,
      PUBLISH_RESERVE_MS: PUBLISH_RESERVE_SECONDS * 1000,
      LARGE_EVENT_BUCKET: props.largeEvents.bucket.bucketName,
      SESSION_TABLE_NAME: props.sessionStore.table.tableName,
      HAND_OVER_AFTER_POLLS: props.handOverAfterPolls,
      HEARTBEAT_SECONDS: 300,
    };
    this.function = new BridgeFunction(this, 'Poller', {
      entry: 'poll-session/handler.ts',
      description: `Polls CXone get-next-event once for tenant ${props.tenant}`,
      timeout: this.timeout,
      environment,
      logRetention: props.logRetention,
      serviceName: props.serviceName,
      memorySize: props.memorySize,
      systemLogLevel: props.systemLogLevel,
      invokedBy: 'stateMachine',
    }).function;
    props.eventBus.grantPutEventsTo(this.function);
    props.cxone.grantReadCredentials(this.function);
    props.cxone.grantReadToken(this.function);
    props.largeEvents.grantWriteClaimChecksAndParking(this.function);
    props.sessionStore.grantCheckpointAccess(this.function);
  }
}
