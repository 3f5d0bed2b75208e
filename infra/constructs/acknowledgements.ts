import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

// The cdk-nag findings that grants raise on the grantee's policy, acknowledged by the construct that
// makes the grant, right where it makes it. Ids are `<pack>::<rule>[<finding>]`, as cdk-nag reports them.

/**
 * CDK grants lambda:InvokeFunction on `<function ARN>:*` (its versions and aliases) next to the ARN
 * itself; acknowledged on the policy of the principal that may invoke `fn`.
 */
export function acknowledgeQualifiedInvoke(principal: iam.IPrincipal, fn: lambda.IFunction): void {
  acknowledgeOnGrantPolicy(
    principal,
    `AwsSolutions::AwsSolutions-IAM5[Resource::<${logicalIdOf(fn.node.defaultChild as CfnResource)}.Arn>:*]`,
    'lambda:InvokeFunction on <function ARN>:* is how CDK grants invoking the versions and aliases of this one function.',
  );
}

/** Acknowledges a finding on the policy CDK writes a principal's grants to (its role's DefaultPolicy). */
export function acknowledgeOnGrantPolicy(principal: iam.IPrincipal, id: string, reason: string): void {
  if (!Construct.isConstruct(principal)) return;
  Validations.of(principal.node.tryFindChild('DefaultPolicy') ?? principal).acknowledge({ id, reason });
}

/** A resource's logical id as cdk-nag prints it in a finding (`<LogicalId.Arn>`). */
export function logicalIdOf(resource: CfnResource): string {
  const stack = Stack.of(resource);
  return stack.resolve(stack.getLogicalId(resource)) as string;
}
