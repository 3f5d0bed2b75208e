import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DEFAULT_RECONCILE_EVERY_MINUTES } from '../../contract/discovery.js';
import { NO_CURSOR } from '../../contract/discovery-cursor.js';
import { DISCOVERY_SCHEDULE } from '../../contract/retry-policy.js';
import type { DiscoveryEnvironment } from '../../lambdas/discovery/environment.js';
import { acknowledgeOnGrantPolicy, acknowledgeQualifiedInvoke } from './acknowledgements.js';
import { BridgeFunction } from './bridge-function.js';
import type { CxoneAccess } from './cxone-access.js';

export interface AgentDiscoveryProps {
  /** Tenant label, in the function's environment, descriptions and the cursor's description. */
  readonly tenant: string;
  /** The tenant's CXone access: the function may only read its credentials and shared token. */
  readonly cxone: CxoneAccess;
  /** The state machine whose executions poll the sessions; the function may start, list and describe its executions. */
  readonly sessionStateMachine: sfn.IStateMachine;
  /** That state machine's name (known at synth), for DescribeExecution on its executions. */
  readonly sessionStateMachineName: string;
  /** How often to read the agent-state delta. @default 1 minute */
  readonly every?: Duration;
  /** How often a run reads every agent instead of the delta, to give pollers back to agents whose poller ended abnormally. @default 10 minutes (contract/discovery.ts) */
  readonly reconcileEvery?: Duration;
  /** The bus discovery announces restarts on (CxoneEventBridge.PollerRestarted), with `eventSource`. */
  readonly eventBus: events.IEventBus;
  readonly eventSource: string;
  /** Only these agents are polled. @default [] (everyone) */
  readonly includeAgentIds?: readonly string[];
  /** These agents are never polled. @default [] */
  readonly excludeAgentIds?: readonly string[];
  /** Only agents of these teams are polled. @default [] (every team) */
  readonly includeTeamIds?: readonly string[];
  /** Agents of these teams are never polled. @default [] */
  readonly excludeTeamIds?: readonly string[];
  readonly logRetention: logs.RetentionDays;
  /** Service name of the function's logs and metrics. */
  readonly serviceName: string;
}

/**
 * Finds logged-in agents and starts their pollers: a function run by EventBridge Scheduler reads
 * CXone's agent-state delta (cursor kept in an SSM parameter), and every `reconcileEvery` the full
 * list of agents, and starts an execution for every included agent whose login has none running,
 * restarting one whose execution failed, was stopped or timed out (announced on the bus).
 */
export class AgentDiscovery extends Construct {
  readonly function: lambda.Function;
  readonly cursor: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: AgentDiscoveryProps) {
    super(scope, id);
    this.cursor = new ssm.StringParameter(this, 'Cursor', {
      description: `Agent-state delta cursor (lastPollTime) of tenant ${props.tenant}`,
      stringValue: NO_CURSOR,
    });
    this.function = new BridgeFunction(this, 'Discovery', {
      entry: 'discovery/handler.ts',
      description: `Starts pollers for logged-in CXone agents of tenant ${props.tenant}`,
      // A first run may start hundreds of pollers, each a join and a StartExecution.
      timeout: Duration.minutes(5),
      environment: {
        TENANT: props.tenant,
        ...props.cxone.environment,
        STATE_MACHINE_ARN: props.sessionStateMachine.stateMachineArn,
        CURSOR_PARAMETER_NAME: this.cursor.parameterName,
        RECONCILE_EVERY_MINUTES: (props.reconcileEvery ?? Duration.minutes(DEFAULT_RECONCILE_EVERY_MINUTES)).toMinutes(),
        EVENT_BUS_NAME: props.eventBus.eventBusName,
        EVENT_SOURCE: props.eventSource,
        INCLUDE_AGENT_IDS: (props.includeAgentIds ?? []).join(','),
        EXCLUDE_AGENT_IDS: (props.excludeAgentIds ?? []).join(','),
        INCLUDE_TEAM_IDS: (props.includeTeamIds ?? []).join(','),
        EXCLUDE_TEAM_IDS: (props.excludeTeamIds ?? []).join(','),
      } satisfies Record<keyof DiscoveryEnvironment, string | number>,
      logRetention: props.logRetention,
      serviceName: props.serviceName,
      invokedBy: 'schedule',
    }).function;
    props.cxone.grantReadCredentials(this.function);
    props.cxone.grantReadToken(this.function);
    this.cursor.grantRead(this.function);
    this.cursor.grantWrite(this.function);
    props.sessionStateMachine.grantStartExecution(this.function);
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [props.sessionStateMachine.stateMachineArn] }));
    // DescribeExecution takes an execution ARN: every execution of this one state machine, named by login.
    const stack = Stack.of(this);
    const executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${props.sessionStateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn] }));
    // cdk-nag prints pseudo parameters as <AWS::Name> and concrete values as they are.
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    acknowledgeOnGrantPolicy(
      this.function.grantPrincipal,
      `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:execution:${props.sessionStateMachineName}:*]`,
      "states:DescribeExecution on the executions of the one sessions state machine: discovery reads a login's deterministic names (<base>, -rN, -gN) to find its latest execution, and those names exist only at run time.",
    );
    props.eventBus.grantPutEventsTo(this.function);

    const schedulerRole = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    new scheduler.Schedule(this, 'Schedule', {
      description: `Discovers logged-in CXone agents of tenant ${props.tenant}`,
      schedule: scheduler.ScheduleExpression.rate(props.every ?? Duration.minutes(1)),
      // Runs must not pile up: a late run is useless once the next one is due.
      target: new schedulerTargets.LambdaInvoke(this.function, {
        role: schedulerRole,
        retryAttempts: DISCOVERY_SCHEDULE.retryAttempts,
        maxEventAge: Duration.minutes(DISCOVERY_SCHEDULE.maxEventAgeMinutes),
      }),
    });
    acknowledgeQualifiedInvoke(schedulerRole, this.function);
  }
}
