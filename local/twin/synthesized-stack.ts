import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { BridgeConfig } from '../../infra/config.js';
import type { RouteTargetKind } from '../../infra/routes-config.js';
import { CxoneEventBridgeStack } from '../../infra/stack.js';
import type { InputTransformer } from '../../rules/input-transformer.js';
import { EVENTBRIDGE_DEFAULT_TARGET_RETRY } from '../aws/aws-limits.js';
import type { LocalTableDefinition } from '../aws/local-dynamodb.js';
import type { LocalRuleTarget, LocalTargetKind } from '../eventbridge/targets.js';

/** The local account and region every twin resource lives in. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

export interface SynthesizedFunction {
  logicalId: string;
  arn: string;
  /** The construct path, e.g. CxoneEventBridge-local/SessionPoller/Function/Resource. */
  path: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
  /**
   * Which of Lambda's platform records reach the log group: INFO (Lambda's default) writes a start
   * and a report record per invocation, WARN none.
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
   */
  systemLogLevel: string;
}

export interface SynthesizedRule {
  name: string;
  eventBusName: string;
  eventPattern: unknown;
  enabled: boolean;
  targetIds: string[];
  /** The rule's ARN, as `<aws.events.rule-arn>` gives it. */
  arn: string;
  /** Its targets, with what the twin needs to deliver to them. */
  targets: LocalRuleTarget[];
}

/** A scheduled rule: the twin invokes its function targets on that rate. */
export interface SynthesizedSchedule {
  name: string;
  /** `rate(5 minutes)` and the like. */
  expression: string;
  targetArns: string[];
}

export interface SynthesizedQueue {
  logicalId: string;
  url: string;
  maxMessageSize: number;
}

/** What the twin takes from the real template: nothing about these is re-declared locally. */
export interface SynthesizedStack {
  template: Template;
  stateMachine: { logicalId: string; arn: string; definition: StateMachineDefinition };
  functions: SynthesizedFunction[];
  eventBusNames: string[];
  rules: SynthesizedRule[];
  schedules: SynthesizedSchedule[];
  queues: SynthesizedQueue[];
  /** Secrets the stack creates (by logical id), which the twin must hold too. */
  createdSecrets: { logicalId: string; arn: string }[];
  /** The twin's physical ids (Ref) of the stack's buckets, secrets and tables, by logical id: what CloudFormation would report for them. */
  physicalIds: Record<string, string>;
  /** SSM parameters the stack creates, with their initial values. */
  parameters: { name: string; value: string }[];
  /** DynamoDB tables the stack creates: name, keys and billing as the template declares them. */
  tables: LocalTableDefinition[];
  /** Names of the S3 buckets the stack creates (the twin's S3 creates them empty). */
  buckets: string[];
}

export interface ReadTemplateOptions {
  /** Base of local queue URLs (the local AWS endpoint), so SQS calls reach it. */
  queueUrlBase?: string;
}

/**
 * Synthesizes the production stack (bundling skipped) and resolves the CloudFormation intrinsics
 * in what the twin needs: the state-machine definition, each function's timeout and environment,
 * the buses and the rules.
 */
export function synthesizeStack(config: BridgeConfig, options: ReadTemplateOptions = {}): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'cxone-twin-'));
  try {
    // Path metadata lets the twin find each function's handler by construct path.
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });
    const stack = new CxoneEventBridgeStack(app, `CxoneEventBridge-${config.tenant}`, { config, env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
    const template = app.synth().getStackByName(stack.stackName).template as Template;
    return readTemplate(template, options);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Reads a synthesized template into the twin's terms. */
export function readTemplate(template: Template, options: ReadTemplateOptions = {}): SynthesizedStack {
  const resolve = intrinsicResolver(template, options.queueUrlBase ?? 'https://sqs.us-east-1.amazonaws.com');
  const entries = Object.entries(template.Resources);
  const ofType = (type: string) => entries.filter(([, resource]) => resource.Type === type);

  const machines = ofType('AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const [machineId, machine] = machines[0] as [string, Template['Resources'][string]];
  const definition = JSON.parse(resolve(machine.Properties?.DefinitionString) as string) as StateMachineDefinition;

  const functions = ofType('AWS::Lambda::Function').map(([logicalId, resource]) => {
    const props = resource.Properties ?? {};
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    return {
      logicalId,
      arn: resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] }) as string,
      path: String(resource.Metadata?.['aws:cdk:path'] ?? logicalId),
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      systemLogLevel: String((props.LoggingConfig as { SystemLogLevel?: unknown } | undefined)?.SystemLogLevel ?? 'INFO'),
      environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(resolve(value))])),
    };
  });

  const rules = ofType('AWS::Events::Rule')
    .filter(([, resource]) => resource.Properties?.EventPattern !== undefined)
    .map(([logicalId, resource]) => {
      const props = resource.Properties ?? {};
      const name = String(props.Name ?? logicalId);
      const eventBusName = String(resolve(props.EventBusName ?? 'default'));
      const targets = (props.Targets as Record<string, unknown>[] | undefined) ?? [];
      return {
        name,
        eventBusName,
        eventPattern: resolve(props.EventPattern),
        enabled: props.State !== 'DISABLED',
        targetIds: targets.map((target) => String(target.Id)),
        arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${eventBusName === 'default' ? '' : `${eventBusName}/`}${name}`,
        targets: targets.map((target) => readRuleTarget(target, template, resolve)),
      };
    });

  return {
    template,
    stateMachine: { logicalId: machineId, arn: resolve({ Ref: machineId }) as string, definition },
    functions,
    eventBusNames: ofType('AWS::Events::EventBus').map(([, resource]) => String(resource.Properties?.Name)),
    rules,
    schedules: [
      // EventBridge rules with a schedule, and EventBridge Scheduler schedules.
      ...ofType('AWS::Events::Rule')
        .filter(([, resource]) => typeof resource.Properties?.ScheduleExpression === 'string')
        .map(([logicalId, resource]) => ({
          name: String(resource.Properties?.Name ?? logicalId),
          expression: String(resource.Properties?.ScheduleExpression),
          targetArns: ((resource.Properties?.Targets as { Arn: unknown }[] | undefined) ?? []).map((target) => String(resolve(target.Arn))),
        })),
      ...ofType('AWS::Scheduler::Schedule').map(([logicalId, resource]) => ({
        name: String(resource.Properties?.Name ?? logicalId),
        expression: String(resource.Properties?.ScheduleExpression),
        targetArns: [String(resolve((resource.Properties?.Target as { Arn: unknown } | undefined)?.Arn))],
      })),
    ],
    createdSecrets: ofType('AWS::SecretsManager::Secret').map(([logicalId]) => ({ logicalId, arn: resolve({ Ref: logicalId }) as string })),
    buckets: ofType('AWS::S3::Bucket').map(([logicalId]) => resolve({ Ref: logicalId }) as string),
    physicalIds: Object.fromEntries(
      [...ofType('AWS::S3::Bucket'), ...ofType('AWS::SecretsManager::Secret'), ...ofType('AWS::DynamoDB::Table')].map(([logicalId]) => [
        logicalId,
        String(resolve({ Ref: logicalId })),
      ]),
    ),
    parameters: ofType('AWS::SSM::Parameter').map(([logicalId, resource]) => ({
      name: resolve({ Ref: logicalId }) as string,
      value: String(resource.Properties?.Value ?? ''),
    })),
    tables: ofType('AWS::DynamoDB::Table').map(([logicalId, resource]) => ({
      name: resolve({ Ref: logicalId }) as string,
      keySchema: resource.Properties?.KeySchema as LocalTableDefinition['keySchema'],
      attributeDefinitions: resource.Properties?.AttributeDefinitions as LocalTableDefinition['attributeDefinitions'],
      billingMode: String(resource.Properties?.BillingMode ?? 'PROVISIONED'),
    })),
    queues: ofType('AWS::SQS::Queue').map(([logicalId, resource]) => ({
      logicalId,
      url: resolve({ Ref: logicalId }) as string,
      maxMessageSize: Number(resource.Properties?.MaximumMessageSize ?? 1024 * 1024),
    })),
  };
}

/** Resolves Ref, Fn::GetAtt (Arn), Fn::Join and Fn::Sub to the names and ARNs the twin uses. */
function intrinsicResolver(template: Template, queueUrlBase: string): (value: unknown) => unknown {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'local',
  };
  const refOf = (logicalId: string): string => {
    if (logicalId in pseudo) return pseudo[logicalId] as string;
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`template references unknown resource ${logicalId}`);
    switch (resource.Type) {
      case 'AWS::Events::EventBus':
        return String(resource.Properties?.Name);
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${String(resource.Properties?.StateMachineName ?? logicalId)}`;
      case 'AWS::SQS::Queue':
        return `${queueUrlBase}/${LOCAL_ACCOUNT}/${logicalId}`;
      case 'AWS::S3::Bucket':
        // CloudFormation names a bucket from the stack and logical id, lowercase (S3 bucket naming rules).
        return String(resource.Properties?.BucketName ?? `local-${logicalId.toLowerCase()}`);
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends 6 random characters to a secret's ARN.
        return `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${logicalId}-twin00`;
      default:
        return logicalId;
    }
  };
  const arnOf = (logicalId: string): string => {
    const resource = template.Resources[logicalId];
    switch (resource?.Type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${refOf(logicalId)}`;
      case 'AWS::StepFunctions::StateMachine':
        return refOf(logicalId);
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${refOf(logicalId)}`;
      case 'AWS::Events::ApiDestination':
        return `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:api-destination/${String(resource.Properties?.Name ?? logicalId)}`;
      default:
        return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
    }
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return refOf(String(object.Ref));
    if ('Fn::GetAtt' in object) {
      const [logicalId, attribute] = object['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn') return arnOf(logicalId);
      if (attribute === 'Name') return refOf(logicalId);
      if (attribute === 'QueueName') return logicalId;
      if (attribute === 'QueueUrl') return refOf(logicalId);
      throw new Error(`the twin cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    if ('Fn::Sub' in object) {
      const text = Array.isArray(object['Fn::Sub']) ? String(object['Fn::Sub'][0]) : String(object['Fn::Sub']);
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => (name.endsWith('.Arn') ? arnOf(name.slice(0, -4)) : refOf(name)));
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
  };
  return resolve;
}

/**
 * How the twin tells a target's kind from its ARN (resource ARNs: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html).
 * One entry per route target kind, so `tsc` flags a kind added to infra/routes-config.ts until it has one.
 */
const TARGET_KIND_BY_ARN: Record<RouteTargetKind, (arn: string) => boolean> = {
  apiDestination: (arn) => arn.includes(':api-destination/'),
  sqs: (arn) => arn.startsWith('arn:aws:sqs:'),
  lambda: (arn) => arn.startsWith('arn:aws:lambda:'),
  eventBus: (arn) => arn.includes(':event-bus/'),
};

/** The route target kind a target's ARN names, or `other`. */
export function targetKindOf(arn: string): LocalTargetKind {
  return (Object.keys(TARGET_KIND_BY_ARN) as RouteTargetKind[]).find((kind) => TARGET_KIND_BY_ARN[kind](arn)) ?? 'other';
}

/** A rule target in the twin's terms: its kind, transformer, retry policy, DLQ, and the API destination behind it. */
function readRuleTarget(target: Record<string, unknown>, template: Template, resolve: (value: unknown) => unknown): LocalRuleTarget {
  const arn = String(resolve(target.Arn));
  const logicalIdOf = (value: unknown) => (value as { 'Fn::GetAtt'?: [string, string] } | null)?.['Fn::GetAtt']?.[0];
  const resourceOf = (value: unknown) => template.Resources[logicalIdOf(value) ?? ''];
  const kind = targetKindOf(arn);
  const transformer = target.InputTransformer as { InputPathsMap?: Record<string, string>; InputTemplate: string } | undefined;
  const retry = target.RetryPolicy as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
  const dlq = (target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
  const queue = resourceOf(target.Arn);
  const destination = resourceOf(target.Arn);
  const destinationProps = destination?.Type === 'AWS::Events::ApiDestination' ? (destination.Properties ?? {}) : undefined;
  const connection = destinationProps ? resourceOf(destinationProps.ConnectionArn) : undefined;
  const headers = (target.HttpParameters as { HeaderParameters?: Record<string, string> } | undefined)?.HeaderParameters;
  return {
    id: String(target.Id),
    arn,
    kind,
    inputTransformer: transformer
      ? ({ InputPathsMap: transformer.InputPathsMap, InputTemplate: transformer.InputTemplate } satisfies InputTransformer)
      : undefined,
    retryPolicy: retry
      ? {
          maximumRetryAttempts: retry.MaximumRetryAttempts ?? EVENTBRIDGE_DEFAULT_TARGET_RETRY.maximumRetryAttempts,
          maximumEventAgeSeconds: retry.MaximumEventAgeInSeconds ?? EVENTBRIDGE_DEFAULT_TARGET_RETRY.maximumEventAgeSeconds,
        }
      : undefined,
    deadLetterQueueUrl: resourceOf(dlq)?.Type === 'AWS::SQS::Queue' ? String(resolve({ Ref: logicalIdOf(dlq) })) : undefined,
    queueUrl: kind === 'sqs' && queue?.Type === 'AWS::SQS::Queue' ? String(resolve({ Ref: logicalIdOf(target.Arn) })) : undefined,
    apiDestination: destinationProps
      ? {
          endpoint: String(destinationProps.InvocationEndpoint),
          httpMethod: String(destinationProps.HttpMethod ?? 'POST'),
          rateLimitPerSecond: destinationProps.InvocationRateLimitPerSecond === undefined ? undefined : Number(destinationProps.InvocationRateLimitPerSecond),
          authorizationType: connection?.Properties?.AuthorizationType === undefined ? undefined : String(connection.Properties.AuthorizationType),
          headers,
        }
      : undefined,
  };
}
