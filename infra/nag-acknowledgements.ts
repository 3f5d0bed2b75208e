import { type CfnResource, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import type { AgentDiscovery } from './constructs/agent-discovery.js';
import type { CxoneEventBridgeStack } from './stack.js';

/**
 * The cdk-nag findings we accept, each on the one construct it concerns and for the exact finding,
 * with the reason. Anything new fails synth and the cdk-nag test.
 */
export function applyNagAcknowledgements(stack: CxoneEventBridgeStack): void {
  const { poller, sessions, sharedToken, discovery, redrive } = stack;
  const stateMachineRole = sessions.stateMachine.role.node.tryFindChild('DefaultPolicy') ?? sessions.stateMachine.role;
  acknowledgeQualifiedInvoke(stateMachineRole, poller.function);
  if (discovery) {
    acknowledgeQualifiedInvoke(discovery.schedulerRole, discovery.function);
    acknowledgeExecutionLookups(discovery);
  }
  acknowledgeQualifiedInvoke(redrive.schedulerRole, redrive.function);
  acknowledgeLargeEventStore(stack);
  Validations.of(stateMachineRole).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'CloudWatch Logs vended delivery (logs:*LogDelivery, DescribeLogGroups, PutResourcePolicy) and X-Ray tracing (xray:PutTraceSegments and friends) support no resource-level permissions.',
  });
  Validations.of(sessions.stateMachine).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SF1',
    reason:
      'Logs at ERROR without execution data: ALL would write two entries per poll for every agent around the clock and copy customer payloads into logs; execution history keeps the full trail.',
  });
  Validations.of(sharedToken.secret).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SMG4',
    reason:
      'This secret holds a short-lived CXone access token that the token refresher rewrites on its own schedule; a Secrets Manager rotation would fight it.',
  });
  acknowledgeServerlessAndRoutes(stack);
}

/** Serverless-pack findings on the functions and queues, and the findings every route repeats. */
function acknowledgeServerlessAndRoutes({ poller, sharedToken, discovery, redrive, deadLetters, routes, observability }: CxoneEventBridgeStack): void {
  Validations.of(poller.function).acknowledge({
    id: 'Serverless::Serverless-LambdaDLQ',
    reason: 'Invoked only synchronously, by the state machine, whose Retry/Catch handle every failure; a Lambda DLQ applies to asynchronous invocations only.',
  });
  for (const fn of [sharedToken.refresher, discovery?.function, redrive.function]) {
    if (!fn) continue;
    Validations.of(fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Its only asynchronous caller is its schedule, whose events carry no data: a failed run is replaced by the next one, so there is nothing to redrive; errors are on the dashboard.',
    });
  }
  for (const fn of [poller.function, sharedToken.refresher, discovery?.function, redrive.function]) {
    if (!fn) continue;
    Validations.of(fn).acknowledge({
      id: 'Serverless::Serverless-LambdaTracing',
      reason:
        'Each invocation is one outbound call (for the poller, a CXone long poll that is mostly hold time); the state machine traces every task with X-Ray and duration, errors and poll latency are on the dashboard, so a trace per poll of every agent would add cost without insight.',
    });
  }
  Validations.of(sharedToken.node.findChild('Schedule')).acknowledge({
    id: 'Serverless::Serverless-EventBusDLQ',
    reason:
      'A schedule tick carries no data: a missed one is replaced by the next five minutes later, so a dead-letter queue would hold nothing worth redriving.',
  });
  const isDeadLetterQueue =
    'It is itself a dead-letter queue, read by operators who redrive or replay its messages; a queue behind it would only move the problem.';
  const isLegacyQueue =
    'The dead-letter queue of earlier versions, kept only so its messages survive the upgrade; nothing sends to it and it is read by operators.';
  Validations.of(deadLetters.legacyQueue).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: isLegacyQueue });
  Validations.of(deadLetters.legacyQueue).acknowledge({ id: 'Serverless::Serverless-SQSRedrivePolicy', reason: isLegacyQueue });
  for (const route of routes.routes) {
    // A route's own queue (created for an sqs route) redrives into this one, which nag then sees as a DLQ already.
    if (!route.queue) Validations.of(route.deadLetterQueue).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: isDeadLetterQueue });
    Validations.of(route.deadLetterQueue).acknowledge({ id: 'Serverless::Serverless-SQSRedrivePolicy', reason: isDeadLetterQueue });
  }
  for (const subscription of observability.topic?.node.findAll().filter((child) => child instanceof sns.CfnSubscription) ?? []) {
    Validations.of(subscription).acknowledge({
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason: 'An alarm e-mail that cannot be delivered has no one to be redriven to; the alarm state stays in CloudWatch and on the dashboard.',
    });
  }
}

/** The large-event bucket's findings: object keys under a prefix, and access logging. */
function acknowledgeLargeEventStore({ largeEvents, poller, redrive }: CxoneEventBridgeStack): void {
  const stack = Stack.of(largeEvents);
  const bucketId = stack.resolve(stack.getLogicalId(largeEvents.bucket.node.defaultChild as CfnResource));
  const policyOf = (fn: lambda.IFunction) => fn.role?.node.tryFindChild('DefaultPolicy') ?? fn;
  const prefixes = { poller: ['claim-checks', 'parked'], redrive: ['claim-checks', 'parked'] };
  for (const [fn, ownPrefixes] of [
    [poller.function, prefixes.poller],
    [redrive.function, prefixes.redrive],
  ] as const) {
    for (const prefix of ownPrefixes) {
      Validations.of(policyOf(fn)).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}/*]`,
        reason: `Object keys under ${prefix}/ are made per event (tenant, agent, event id or time); the key prefix is the narrowest resource, and the actions are only those the function uses.`,
      });
    }
  }
  Validations.of(largeEvents.bucket).acknowledge({
    id: 'AwsSolutions::AwsSolutions-S1',
    reason:
      "Only the bridge's own functions write here and every write is counted in metrics (EventsClaimChecked, EventsParked); enable CloudTrail data events for S3 where an audit trail of reads is required, instead of a second bucket of access logs per tenant.",
  });
}

/** CDK grants lambda:InvokeFunction on `<function ARN>:*` (its versions and aliases) next to the ARN itself. */
function acknowledgeQualifiedInvoke(scope: IConstruct, fn: lambda.IFunction): void {
  const stack = Stack.of(fn);
  const logicalId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnResource));
  Validations.of(scope).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
    reason: 'lambda:InvokeFunction on <function ARN>:* is how CDK grants invoking the versions and aliases of this one function.',
  });
}

/** DescribeExecution needs execution ARNs, and a login's execution names are only known at run time. */
function acknowledgeExecutionLookups(discovery: AgentDiscovery): void {
  const stack = Stack.of(discovery);
  // cdk-nag prints pseudo parameters as <AWS::Name> and concrete values as they are.
  const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  const resource = `arn:<AWS::Partition>:states:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:execution:${discovery.executionsArn.split(':execution:')[1]}`;
  Validations.of(discovery.function.role ?? discovery).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
    reason:
      "states:DescribeExecution on the executions of the one sessions state machine: discovery reads a login's deterministic names (<base>, -rN, -gN) to find its latest execution, and those names exist only at run time.",
  });
}
