import type { AwsOperation } from '../aws/local-aws-server.js';
import type { LocalSqs } from '../aws/local-sqs.js';
import type { LocalTargets } from '../eventbridge/targets.js';
import type { LocalStepFunctions } from '../stepfunctions/local-step-functions.js';

/** A CloudFormation resource of the synthesized template. */
export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/**
 * What the metrics, alarms and dashboard read of the synthesized stack: the parts of the twin's
 * SynthesizedStack they use, declared here so this folder does not import the twin (npm start,
 * in the twin's folder, imports the dashboard).
 */
export interface ObservedStack {
  template: { Resources: Record<string, TemplateResource> };
  stateMachine: { arn: string };
  functions: { logicalId: string; arn: string }[];
  rules: { name: string; eventBusName: string; targets: { deadLetterQueueUrl?: string }[] }[];
  queues: { logicalId: string; url: string }[];
  /** Physical ids the twin gave resources it names itself (buckets, secrets, tables), by logical id. */
  physicalIds?: Record<string, string>;
}

/** Told of each Lambda invocation; `start` may refuse one by throwing, as a throttle does. */
export interface LambdaObserver {
  start(): void;
  end(durationMs: number, failed: boolean): void;
}

/** The parts of a running LocalTwin that are measured. */
export interface ObservedTwin {
  stack: ObservedStack;
  tenant: string;
  stepFunctions: LocalStepFunctions;
  sqs: LocalSqs;
  targets: LocalTargets;
  functionStats: Map<string, { observer?: LambdaObserver }>;
  operations: Record<string, AwsOperation>;
  aws: { endpoint: string };
}

/** Region and account of the stack, from its state machine's ARN. */
export function regionAndAccountOf(stack: ObservedStack): { region: string; account: string } {
  const [, , , region = 'us-east-1', account = '000000000000'] = stack.stateMachine.arn.split(':');
  return { region, account };
}
