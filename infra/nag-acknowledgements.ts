import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import type { CxoneEventBridgeStack } from './stack.js';

/**
 * The cdk-nag findings we accept, each on the one construct it concerns and for the exact finding,
 * with the reason. Anything new fails synth and the cdk-nag test.
 */
export function applyNagAcknowledgements({ poller, sessions, deadLetters, sharedToken, discovery }: CxoneEventBridgeStack): void {
  const stateMachineRole = sessions.stateMachine.role.node.tryFindChild('DefaultPolicy') ?? sessions.stateMachine.role;
  acknowledgeQualifiedInvoke(stateMachineRole, poller.function);
  if (discovery) acknowledgeQualifiedInvoke(discovery.schedulerRole, discovery.function);
  Validations.of(stateMachineRole).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs vended delivery (logs:*LogDelivery, DescribeLogGroups, PutResourcePolicy) and X-Ray tracing (xray:PutTraceSegments and friends) support no resource-level permissions.',
    },
  );
  Validations.of(sessions.stateMachine).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SF1',
    reason:
      'Logs at ERROR without execution data: ALL would write two entries per poll for every agent around the clock and copy customer payloads into logs; execution history keeps the full trail.',
  });
  Validations.of(deadLetters.queue).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason: 'This queue is itself the dead-letter store for events that could not be published; it is read by operators, not by a consumer that could fail.',
  });
  Validations.of(sharedToken.secret).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SMG4',
    reason: 'This secret holds a short-lived CXone access token that the token refresher rewrites on its own schedule; a Secrets Manager rotation would fight it.',
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
