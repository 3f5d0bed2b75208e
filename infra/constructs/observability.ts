import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, MetricDimension, MetricName, POLL_ERROR_OUTCOME } from '../../contract/metrics.js';
import { PollStatus } from '../../contract/poll-state.js';
import { AboveZeroAlarm } from './above-zero-alarm.js';
import type { DeadLetterStore } from './dead-letter-store.js';
import type { DeployedRoute } from './routes.js';

export interface ObservabilityProps {
  /** Name of the CloudWatch dashboard. */
  readonly dashboardName: string;
  /** Service dimension of the poller's EMF metrics. */
  readonly serviceName: string;
  /** The state machine whose executions poll the sessions. */
  readonly sessionStateMachine: sfn.IStateMachine;
  /** The poller: one invocation in flight per active session. */
  readonly poller: lambda.IFunction;
  /** Every function of the stack, by the label the dashboard shows. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The parked-event signals, whose alarms this construct shows and notifies. */
  readonly deadLetters: DeadLetterStore;
  /** The deployed routes, whose alarms and queues this construct shows and notifies. */
  readonly routes: readonly DeployedRoute[];
  /** Name of the bus the routes' rules are on (EventBridge's metrics carry it). */
  readonly eventBusName: string;
  /** The account's Lambda concurrency quota; an alarm fires at 80 % of it. */
  readonly lambdaConcurrencyLimit: number;
  /** Sends every alarm to this address through an encrypted SNS topic. @default no notifications */
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(1);
/** Window of the scheduled functions' error alarms (two in a row alarm). */
const SCHEDULED_ERRORS_PERIOD = Duration.minutes(5);
/** Share of the concurrency quota at which the alarm fires: every polling agent holds one execution. */
const CONCURRENCY_ALARM_SHARE = 0.8;
/** Minutes in a row with failed poller starts before the alarm fires (a throttled start usually succeeds on the next run). */
const START_FAILURE_RUNS = 5;
/** Longer than the longest back-off (BACK_OFF.capSeconds, 300 s) plus a poll. */
const DEGRADED_WINDOW = Duration.minutes(10);
/** Longer than the longest back-off for refused credentials (BACK_OFF.refusedCapSeconds, 900 s). */
const REFUSED_WINDOW = Duration.minutes(20);

/**
 * The bridge at a glance: a CloudWatch dashboard (sessions, polls, events, failures, Lambda,
 * routes, dead-letter queues) and the alarms on what needs a person, optionally mailed through an
 * encrypted SNS topic. The dead-letter store and the routes own their queue alarms; this construct
 * adds the rest and wires every alarm to the topic.
 */
export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm of the stack, including those the dead-letter store and routes own. */
  readonly alarms: cloudwatch.Alarm[];
  /** The topic alarms are sent to; only with `alarmEmail`. */
  readonly alarmTopic?: sns.Topic;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const emf = (metricName: string, statistic = 'Sum', dimensions: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        statistic,
        period: PERIOD,
        dimensionsMap: { [MetricDimension.Service]: props.serviceName, ...dimensions },
      });
    // Rules on a custom bus report per EventBusName and RuleName (the rule's name, not its Ref).
    const ruleMetric = (route: DeployedRoute, metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName,
        statistic: 'Sum',
        period: PERIOD,
        dimensionsMap: { EventBusName: props.eventBusName, RuleName: route.ruleName },
      });
    const accountConcurrency = new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', statistic: 'Maximum', period: PERIOD });
    const functions = Object.entries(props.functions);

    const failedExecutions = new AboveZeroAlarm(this, 'FailedExecutionsAlarm', {
      description: 'A session execution failed or timed out: that agent is no longer polled. See the execution history for the error and cause.',
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: props.sessionStateMachine.metricFailed({ period: PERIOD }),
          timedOut: props.sessionStateMachine.metricTimedOut({ period: PERIOD }),
        },
        period: PERIOD,
        label: 'failed or timed-out executions',
      }),
    });
    // A degraded session backs off up to 5 minutes (15 for refused credentials) between polls, so
    // the windows are long enough to hold at least one back-off of every session still degraded.
    const degraded = new AboveZeroAlarm(this, 'SessionsDegradedAlarm', {
      description:
        'Sessions are polling in back-off: a fault (CXone or AWS unavailable, resets, timeouts) outlived the quick retries. They keep trying and resume with their cursor; the PollingDegraded lifecycle events say why.',
      metric: emf(MetricName.PollBackOffs).with({ period: DEGRADED_WINDOW }),
    });
    const refused = new AboveZeroAlarm(this, 'CxoneRefusesCredentialsAlarm', {
      description:
        'CXone refuses the bridge (401 even with a fresh token, or 403): sessions back off slowly and heal by themselves once the credentials or permissions in the CXone secret are fixed.',
      metric: emf(MetricName.PollsRefused).with({ period: REFUSED_WINDOW }),
    });
    const throttles = functions.map(
      ([label, fn]) =>
        new AboveZeroAlarm(this, `${label}ThrottlesAlarm`, {
          description: `Lambda throttled the ${label} function.`,
          metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        }),
    );
    // Errors counts invocations that end in a function error, thrown or from the runtime (timeouts):
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
    // The scheduled functions (every function but the poller) have no state machine to retry them and
    // report their failure, so their errors alarm: in two 5-minute windows in a row, a lasting fault rather
    // than one CXone blip, and for the refresher (every 5 minutes, renewing 20 minutes before expiry) still
    // well before the shared token runs out. The poller's errors are retried and reported by FailedExecutionsAlarm;
    // its Errors also count the loop signals (contract/loop-signals.ts), which are not failures, so no alarm
    // watches them: its real failures are the PollErrors metric.
    const scheduledErrors = functions
      .filter(([, fn]) => fn !== props.poller)
      .map(
        ([label, fn]) =>
          new AboveZeroAlarm(this, `${label}ErrorsAlarm`, {
            description: `The scheduled ${label} function failed in two 5-minute windows in a row. Its log group has the error; a CXone credential or permission problem is the usual cause.`,
            metric: fn.metricErrors({ period: SCHEDULED_ERRORS_PERIOD, statistic: 'Sum' }),
            periodsInARow: 2,
          }),
      );
    const concurrency = new cloudwatch.Alarm(this, 'ConcurrencyAlarm', {
      alarmDescription: `Lambda concurrency in this account is above ${CONCURRENCY_ALARM_SHARE * 100} % of ${props.lambdaConcurrencyLimit}: every polling agent holds one execution, so new polls will soon be throttled. Ask for a higher quota.`,
      metric: accountConcurrency,
      threshold: Math.floor(props.lambdaConcurrencyLimit * CONCURRENCY_ALARM_SHARE),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const failedDeliveries = props.routes.map(
      (route) =>
        new AboveZeroAlarm(this, `${pascal(route.name)}FailedInvocationsAlarm`, {
          description: `Route ${route.name}: EventBridge failed to deliver events to the target (they go to the route's dead-letter queue).`,
          metric: ruleMetric(route, 'FailedInvocations'),
        }),
    );
    // Discovery retries an agent it could not start on every run, so failures in consecutive runs mean one stays unpolled.
    const startFailures = props.functions.Discovery
      ? [
          new AboveZeroAlarm(this, 'PollerStartFailuresAlarm', {
            description: `Discovery could not start a poller in ${START_FAILURE_RUNS} consecutive minutes: an agent is logged in but not polled. The discovery function's log ("could not start polling") names the agent and the error.`,
            metric: emf(MetricName.PollerStartFailures),
            periodsInARow: START_FAILURE_RUNS,
          }),
        ]
      : [];
    this.alarms = [
      failedExecutions,
      ...startFailures,
      degraded,
      refused,
      props.deadLetters.parkedEventsAlarm,
      props.deadLetters.waitingAlarm,
      ...props.routes.map((route) => route.deadLetterAlarm),
      ...failedDeliveries,
      ...throttles,
      ...scheduledErrors,
      concurrency,
    ];

    if (props.alarmEmail) {
      this.alarmTopic = this.createAlarmTopic(props.alarmEmail);
      const action = new actions.SnsAction(this.alarmTopic);
      for (const each of this.alarms) {
        each.addAlarmAction(action);
        each.addOkAction(action);
      }
    }

    const graph = (title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...options });
    const outcomes = [...Object.values(PollStatus), POLL_ERROR_OUTCOME];
    const dlqs = [
      props.deadLetters.waitingMetric.with({ label: 'parked items waiting (large-event bucket)' }),
      ...props.routes.map((route) =>
        route.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: `route ${route.name}` }),
      ),
    ];
    const pollerDuration = props.poller.metricDuration({ period: PERIOD, statistic: 'Sum' });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# cxone-eventbridge\nSessions, polls, events and deliveries of bus \`${props.eventBusName}\`. Every active agent session keeps one poll in flight.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Active sessions', [
        new cloudwatch.MathExpression({
          expression: 'duration / (PERIOD(duration) * 1000)',
          usingMetrics: { duration: pollerDuration },
          label: 'sessions polling (polls in flight)',
          period: PERIOD,
        }),
        props.poller.metric('ConcurrentExecutions', { statistic: 'Maximum', period: PERIOD, label: 'poller concurrency (max)' }),
      ]),
      graph('Session executions', [
        props.sessionStateMachine.metricStarted({ period: PERIOD, label: 'started' }),
        props.sessionStateMachine.metricSucceeded({ period: PERIOD, label: 'ended' }),
        props.sessionStateMachine.metricFailed({ period: PERIOD, label: 'failed' }),
        props.sessionStateMachine.metricTimedOut({ period: PERIOD, label: 'timed out' }),
        props.sessionStateMachine.metricAborted({ period: PERIOD, label: 'stopped' }),
        emf(MetricName.PollersRestarted).with({ label: 'restarted by discovery' }),
        emf(MetricName.PollerStartFailures).with({ label: 'starts failed (retried next run)' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Polls by outcome (EVENTS = 200, NO_EVENTS = 304, ENDED = 409 or session end)',
        outcomes.map((outcome) => emf(MetricName.PollOutcomes, 'Sum', { [MetricDimension.Outcome]: outcome }).with({ label: outcome })),
        { stacked: true },
      ),
      graph(
        'Events published per detail type',
        [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},${MetricDimension.Service},${MetricDimension.DetailType}} MetricName="${MetricName.EventsPublishedByType}" ${MetricDimension.Service}="${props.serviceName}"', 'Sum', 60)`,
            label: '',
            period: PERIOD,
          }),
        ],
        { stacked: true },
      ),
    );
    this.dashboard.addWidgets(
      graph('Publish failures and parked events', [
        emf(MetricName.PublishFailures).with({ label: 'entries EventBridge refused' }),
        emf(MetricName.EventsPending, 'Maximum').with({ label: 'events pending (max per poll)' }),
        emf(MetricName.EventsParked).with({ label: 'events parked' }),
        emf(MetricName.Resyncs).with({ label: 'resyncs' }),
      ]),
      graph('Degraded polling (back-offs after faults outlived the quick retries)', [
        emf(MetricName.PollBackOffs).with({ label: 'back-offs (degraded sessions)' }),
        emf(MetricName.PollsRefused).with({ label: 'back-offs: CXone refused credentials' }),
        emf(MetricName.PollingRecoveries).with({ label: 'sessions recovered' }),
      ]),
      graph('Poll latency (ms)', [
        emf(MetricName.PollLatency, 'p50', { [MetricDimension.Outcome]: PollStatus.Events }).with({ label: 'with events p50' }),
        emf(MetricName.PollLatency, 'p99', { [MetricDimension.Outcome]: PollStatus.Events }).with({ label: 'with events p99' }),
        emf(MetricName.PollLatency, 'p50', { [MetricDimension.Outcome]: PollStatus.NoEvents }).with({ label: 'no events (hold) p50' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph(
        'Lambda duration p99 (ms)',
        functions.map(([label, fn]) => fn.metricDuration({ period: PERIOD, statistic: 'p99', label })),
      ),
      graph(
        'Lambda concurrency',
        [
          accountConcurrency.with({ label: 'account' }),
          ...functions.map(([label, fn]) => fn.metric('ConcurrentExecutions', { statistic: 'Maximum', period: PERIOD, label })),
        ],
        { leftAnnotations: [{ value: props.lambdaConcurrencyLimit, label: 'account quota' }] },
      ),
    );
    this.dashboard.addWidgets(
      graph('Lambda throttles and errors', [
        ...functions.map(([label, fn]) => fn.metricThrottles({ period: PERIOD, statistic: 'Sum', label: `${label} throttles` })),
        // The poller's line includes its loop signals (session end, hand-over, back-off), which are not failures.
        ...functions.map(([label, fn]) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: `${label} errors` })),
      ]),
      graph('Dead-letter queues (messages waiting)', dlqs),
    );
    if (props.routes.length > 0) {
      this.dashboard.addWidgets(
        graph(
          'Route deliveries',
          props.routes.map((route) => ruleMetric(route, 'Invocations').with({ label: `${route.name}` })),
        ),
        graph(
          'Route failed deliveries',
          props.routes.flatMap((route) => [
            ruleMetric(route, 'FailedInvocations').with({ label: `${route.name} failed` }),
            ruleMetric(route, 'InvocationsSentToDlq').with({ label: `${route.name} sent to DLQ` }),
          ]),
        ),
      );
    }
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: Math.max(3, Math.ceil(this.alarms.length / 4) + 1) }),
    );
  }

  /**
   * An SNS topic for alarms, encrypted with a key of its own: CloudWatch cannot publish to a topic
   * under the AWS-managed SNS key, whose policy cannot grant it the key.
   */
  private createAlarmTopic(email: string): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the cxone-eventbridge alarm topic' });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'cxone-eventbridge alarms' });
    // The topic's policy replaces SNS's default one: let this account's alarms publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const subscription = topic.addSubscription(new subscriptions.EmailSubscription(email));
    Validations.of(subscription).acknowledge({
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason: 'An alarm e-mail that cannot be delivered has no one to be redriven to; the alarm state stays in CloudWatch and on the dashboard.',
    });
    return topic;
  }
}

/** `agent-state-webhook` → `AgentStateWebhook`, for construct ids. */
function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
