import { Duration, SecretValue } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { unhandledKind } from '../../contract/exhaustive.js';
import { type Route, type RouteTarget, type RouteTargetKind, routeEventPattern } from '../routes-config.js';
import { AboveZeroAlarm } from './above-zero-alarm.js';
import { DeadLetterQueue, EncryptedQueue } from './encrypted-queue.js';

export interface EventRoutesProps {
  /** The bus whose events are routed. */
  readonly eventBus: events.IEventBus;
  /** Prefix of rule names, so two tenants' rules never clash. */
  readonly tenant: string;
  /** `source` of our events; the detailTypes/agentIds shorthand matches only it. */
  readonly eventSource: string;
  /** The configured routes (infra/routes-config.ts). */
  readonly routes: readonly Route[];
}

/** One deployed route: its rule, where failed deliveries go, and the alarm on them. */
export interface DeployedRoute {
  readonly name: string;
  readonly rule: events.Rule;
  /**
   * The rule's name, as EventBridge's metrics carry it in RuleName. Not `rule.ruleName`: for a rule on
   * a custom bus that is the rule's Ref, `<bus name>|<rule name>`, and a widget or alarm on it stays empty.
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-rule.html
   */
  readonly ruleName: string;
  readonly targetType: RouteTargetKind;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The queue the stack created for an `sqs` route without `queueArn`. */
  readonly queue?: sqs.Queue;
}

/**
 * The configured routes: for each a rule on the bus, a target with an explicit retry policy, and its
 * own encrypted dead-letter queue (alarmed as soon as it holds anything). API destinations get an
 * EventBridge Connection whose secret is referenced in Secrets Manager, never written in the template.
 */
export class EventRoutes extends Construct {
  readonly routes: readonly DeployedRoute[];

  constructor(scope: Construct, id: string, props: EventRoutesProps) {
    super(scope, id);
    this.routes = props.routes.map((route) => this.addRoute(route, props));
  }

  private addRoute(route: Route, props: EventRoutesProps): DeployedRoute {
    const scope = new Construct(this, route.name);
    const deadLetterQueue = new DeadLetterQueue(scope, 'DeadLetterQueue');
    const deadLetterAlarm = new AboveZeroAlarm(scope, 'DeadLetterAlarm', {
      description: `Route ${route.name}: events EventBridge could not deliver are waiting in its dead-letter queue.`,
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    });
    const rule = new events.Rule(scope, 'Rule', {
      eventBus: props.eventBus,
      ruleName: `${props.tenant}-${route.name}`,
      description: route.description ?? `cxone-eventbridge route ${route.name}`,
      eventPattern: routeEventPattern(route, props.eventSource) as events.EventPattern,
      enabled: route.enabled,
    });
    const input = route.inputTransformer ? new RawInputTransformer(route.inputTransformer.inputPathsMap, route.inputTransformer.inputTemplate) : undefined;
    const { target, queue } = this.target(scope, route, deadLetterQueue, input);
    rule.addTarget(target);
    return { name: route.name, rule, ruleName: `${props.tenant}-${route.name}`, targetType: route.target.type, deadLetterQueue, deadLetterAlarm, queue };
  }

  private target(
    scope: Construct,
    route: Route,
    deadLetterQueue: sqs.IQueue,
    input: events.RuleTargetInput | undefined,
  ): { target: events.IRuleTarget; queue?: sqs.Queue } {
    const spec = route.target;
    const retry = (policy: { maximumRetryAttempts: number; maximumEventAgeSeconds: number }) => ({
      deadLetterQueue,
      retryAttempts: policy.maximumRetryAttempts,
      maxEventAge: Duration.seconds(policy.maximumEventAgeSeconds),
    });
    switch (spec.type) {
      case 'apiDestination': {
        const connection = new events.Connection(scope, 'Connection', {
          description: `cxone-eventbridge route ${route.name}`,
          authorization: authorizationOf(spec.connection),
        });
        const destination = new events.ApiDestination(scope, 'ApiDestination', {
          connection,
          endpoint: spec.endpoint,
          httpMethod: spec.method as events.HttpMethod,
          rateLimitPerSecond: spec.rateLimitPerSecond,
          description: `cxone-eventbridge route ${route.name}`,
        });
        return { target: new targets.ApiDestination(destination, { ...retry(spec.retry), event: input, headerParameters: spec.headers }) };
      }
      case 'sqs': {
        // Without a queue of its own the route gets one, whose poison messages land in the route's DLQ too.
        const queue = spec.queueArn ? undefined : new EncryptedQueue(scope, 'Queue', { deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 } });
        const target = queue ?? sqs.Queue.fromQueueArn(scope, 'Queue', spec.queueArn as string);
        return { target: new targets.SqsQueue(target, { ...retry(spec.retry), message: input, messageGroupId: spec.messageGroupId }), queue };
      }
      case 'lambda':
        return {
          target: new targets.LambdaFunction(lambda.Function.fromFunctionArn(scope, 'Function', spec.functionArn), { ...retry(spec.retry), event: input }),
        };
      case 'eventBus':
        return { target: new targets.EventBus(events.EventBus.fromEventBusArn(scope, 'TargetBus', spec.eventBusArn), { deadLetterQueue }) };
      default:
        return unhandledKind('route target', spec);
    }
  }
}

/** The connection's credentials: a dynamic reference to the secret, resolved by CloudFormation at deploy. */
function authorizationOf(auth: Extract<RouteTarget, { type: 'apiDestination' }>['connection']): events.Authorization {
  const secret = SecretValue.secretsManager(auth.secretName, { jsonField: auth.secretField });
  switch (auth.type) {
    case 'apiKey':
      return events.Authorization.apiKey(auth.headerName, secret);
    case 'basic':
      return events.Authorization.basic(auth.username, secret);
    case 'oauthClientCredentials':
      return events.Authorization.oauth({
        authorizationEndpoint: auth.tokenUrl,
        httpMethod: auth.httpMethod as events.HttpMethod,
        clientId: auth.clientId,
        clientSecret: secret,
        bodyParameters: {
          grant_type: events.HttpParameter.fromString('client_credentials'),
          ...(auth.scope ? { scope: events.HttpParameter.fromString(auth.scope) } : {}),
        },
      });
    default:
      return unhandledKind('connection authorization', auth);
  }
}

/** An input transformer given as EventBridge writes it (CDK's own builders take objects, not templates). */
class RawInputTransformer extends events.RuleTargetInput {
  constructor(
    private readonly inputPathsMap: Record<string, string>,
    private readonly inputTemplate: string,
  ) {
    super();
  }

  override bind(): events.RuleTargetInputProperties {
    return { inputPathsMap: this.inputPathsMap, inputTemplate: this.inputTemplate };
  }
}
