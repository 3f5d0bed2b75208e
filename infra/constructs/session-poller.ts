import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { PollerEnvironment } from '../../lambdas/poll-session/environment.js';

export interface SessionPollerProps {
  tenant: string;
  cxoneIssuerUrl: string;
  /** Secret with the tenant's CXone credentials; the function may only read this one. */
  credentials: secretsmanager.ISecret;
  /** Bus to publish to; the function may only put events on this one. */
  bus: events.IEventBus;
  eventSource: string;
  /** CXone hold time per poll (0–60 s). */
  pollTimeoutSeconds: number;
  logRetention: logs.RetentionDays;
  /** Queue that keeps what could not be published; the function may only send to it. */
  deadLetterQueue: sqs.IQueue;
  /** Polls per execution before it hands over to a fresh one. */
  handOverAfterPolls: number;
  /** Invocations that may end with events unpublished before they are parked. */
  maxPublishAttempts: number;
  /** Service name of logs and metrics. */
  serviceName: string;
  /** @default 128 */
  memorySize?: number;
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
  readonly function: nodejs.NodejsFunction;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: SessionPollerProps) {
    super(scope, id);
    this.timeout = Duration.seconds(props.pollTimeoutSeconds + PUBLISH_RESERVE_SECONDS + STARTUP_ALLOWANCE_SECONDS);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs only to this function's group.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cxone-eventbridge session poller',
    });
    logGroup.grantWrite(role);

    const environment: PollerEnvironment = {
      TENANT: props.tenant,
      CXONE_ISSUER_URL: props.cxoneIssuerUrl,
      CXONE_SECRET_ID: props.credentials.secretArn,
      EVENT_BUS_NAME: props.bus.eventBusName,
      EVENT_SOURCE: props.eventSource,
      POLL_TIMEOUT_SECONDS: props.pollTimeoutSeconds,
      PUBLISH_RESERVE_MS: PUBLISH_RESERVE_SECONDS * 1000,
      DEAD_LETTER_QUEUE_URL: props.deadLetterQueue.queueUrl,
      MAX_PUBLISH_ATTEMPTS: props.maxPublishAttempts,
      HAND_OVER_AFTER_POLLS: props.handOverAfterPolls,
    };

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL('../../lambdas/poll-session/handler.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 128,
      timeout: this.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: `Polls CXone get-next-event once for tenant ${props.tenant}`,
      environment: {
        ...Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)])),
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // ESM bundles need a require shim for the few CommonJS dependencies.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    props.bus.grantPutEventsTo(this.function);
    props.credentials.grantRead(this.function);
    props.deadLetterQueue.grantSendMessages(this.function);
  }
}
