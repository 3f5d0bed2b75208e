import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { AboveZeroAlarm } from '../../infra/constructs/above-zero-alarm.js';
import { BridgeFunction } from '../../infra/constructs/bridge-function.js';
import { CxoneAccess } from '../../infra/constructs/cxone-access.js';
import { DeadLetterQueue, EncryptedQueue } from '../../infra/constructs/encrypted-queue.js';
import { LargeEventStore } from '../../infra/constructs/large-event-store.js';
import type { ValidationReport } from './stack-fixture.js';

// Each building block in a bare stack: what it promises on its own, and that it acknowledges its own
// cdk-nag findings (a bare stack holding only it has none left), so the stack needs no list of its own.

/**
 * A bare stack, with both cdk-nag packs as the app runs them unless `nag` is false (synth then fails on
 * any finding); bundling is skipped (these tests check the template, not the bundle).
 */
function bareStack({ nag = true } = {}): Stack {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cxone-blocks-test-')), context: { 'aws:cdk:bundling-stacks': [] } });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return new Stack(app, 'Bare', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/**
 * Unacknowledged cdk-nag findings in the stack's app, as `<rule> at <construct path>`, both packs. Read
 * from the validation report of a synth, where acknowledgements take effect; synth fails when there are any.
 */
function nagFindings(stack: Stack): string[] {
  const app = stack.node.root as App;
  try {
    app.synth();
  } catch {
    // The report is written before synth fails on a finding.
  }
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) => violation.violatingConstructs.map((at) => `${violation.ruleName} at ${at.constructPath}`)),
  );
}

const queueOf = (template: Template) =>
  Object.values(template.findResources('AWS::SQS::Queue')) as { Properties: Record<string, unknown>; DeletionPolicy?: string }[];

describe('EncryptedQueue', () => {
  it('encrypts with an SQS-managed key, keeps messages 14 days and refuses requests without TLS', () => {
    const stack = bareStack({ nag: false });
    new EncryptedQueue(stack, 'Queue');
    const template = Template.fromStack(stack);
    expect(queueOf(template)).toEqual([expect.objectContaining({ Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 } })]);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
  });

  it('takes a redrive policy, a message size and a removal policy, but never weaker encryption or retention', () => {
    const stack = bareStack();
    const deadLetters = new DeadLetterQueue(stack, 'DeadLetters');
    new EncryptedQueue(stack, 'Queue', {
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
      maxMessageSizeBytes: 1024 * 1024,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::SQS::Queue', {
      DeletionPolicy: 'Retain',
      Properties: {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
        MaximumMessageSize: 1024 * 1024,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetters'), 'Arn'] }, maxReceiveCount: 5 },
      },
    });
  });

  it('is flagged by cdk-nag for having no dead-letter queue when it has none', () => {
    // Proves the next test can fail: the findings a dead-letter queue acknowledges are real.
    const stack = bareStack();
    new EncryptedQueue(stack, 'Queue');
    expect(nagFindings(stack)).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3 at Bare/Queue/Resource', 'Serverless-SQSRedrivePolicy at Bare/Queue/Resource']),
    );
  });
});

describe('DeadLetterQueue', () => {
  it('is an encrypted queue that acknowledges, on itself, that it has no dead-letter queue', () => {
    const stack = bareStack();
    new DeadLetterQueue(stack, 'DeadLetters');
    expect(queueOf(Template.fromStack(stack))).toEqual([
      expect.objectContaining({ Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 } }),
    ]);
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('AboveZeroAlarm', () => {
  const metric = new cloudwatch.Metric({ namespace: 'Test', metricName: 'Failures', statistic: 'Sum', period: Duration.minutes(1) });

  it('fires on the first period above zero, and treats a period without data as zero', () => {
    const stack = bareStack();
    new AboveZeroAlarm(stack, 'Alarm', { description: 'Something failed.', metric });
    const [alarm] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];
    expect(alarm?.Properties).toEqual({
      AlarmDescription: 'Something failed.',
      Namespace: 'Test',
      MetricName: 'Failures',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('waits for the given periods in a row, every one of them above zero', () => {
    const stack = bareStack();
    new AboveZeroAlarm(stack, 'Alarm', { description: 'Something keeps failing.', metric, periodsInARow: 5 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('BridgeFunction', () => {
  it.each(['stateMachine', 'schedule'] as const)('acknowledges its own findings when invoked by a %s', (invokedBy) => {
    const stack = bareStack();
    new BridgeFunction(stack, 'Fn', {
      entry: 'token-refresher/handler.ts',
      description: 'A bare function',
      timeout: Duration.seconds(10),
      environment: { COUNT: 3 },
      logRetention: logs.RetentionDays.ONE_WEEK,
      serviceName: 'test',
      invokedBy,
    });
    expect(nagFindings(stack)).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { COUNT: '3', POWERTOOLS_SERVICE_NAME: 'test', POWERTOOLS_LOG_LEVEL: 'INFO' } },
    });
  });
});

describe('CxoneAccess', () => {
  const build = () => {
    const stack = bareStack();
    const access = new CxoneAccess(stack, 'SharedToken', {
      tenant: 'acme',
      cxoneIssuerUrl: 'https://cxone.niceincontact.com',
      credentialsSecretName: 'cxone-eventbridge/acme',
      logRetention: logs.RetentionDays.ONE_MONTH,
      serviceName: 'test',
    });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    access.grantReadCredentials(reader);
    access.grantReadToken(reader);
    return { stack, access, template: Template.fromStack(stack) };
  };
  const statementsOf = (template: Template, rolePrefix: string) =>
    Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] } })).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
  const CREDENTIALS_ARN = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:cxone-eventbridge/acme-??????']],
  };
  const READ = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];

  it('creates the token secret only, under the logical id its construct id gives it, and references the credentials', () => {
    const { template } = build();
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toEqual([expect.stringMatching(/^SharedTokenSecret[0-9A-F]{8}$/)]);
  });

  it('lets a granted function read both secrets and nothing else of Secrets Manager', () => {
    const statements = statementsOf(build().template, 'Reader');
    expect(statements.map((statement) => ({ ...statement, Action: [statement.Action].flat().sort() }))).toEqual([
      { Action: READ, Effect: 'Allow', Resource: CREDENTIALS_ARN },
      { Action: READ, Effect: 'Allow', Resource: { Ref: expect.stringMatching(/^SharedTokenSecret/) } },
    ]);
  });

  it('lets only the refresher write the token', () => {
    const { template } = build();
    const writes = (prefix: string) =>
      statementsOf(template, prefix).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('secretsmanager:PutSecretValue')));
    expect(writes('SharedTokenRefresherRole')).toEqual([expect.objectContaining({ Resource: { Ref: expect.stringMatching(/^SharedTokenSecret/) } })]);
    expect(writes('Reader')).toEqual([]);
  });

  it('gives functions the issuer and the two secret ARNs as their CXone settings', () => {
    const { stack, access } = build();
    expect(stack.resolve(access.environment)).toEqual({
      CXONE_ISSUER_URL: 'https://cxone.niceincontact.com',
      CXONE_SECRET_ID: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:cxone-eventbridge/acme']] },
      TOKEN_SECRET_ID: { Ref: expect.stringMatching(/^SharedTokenSecret/) },
    });
  });

  it('renews the token on a schedule and acknowledges its own cdk-nag findings', () => {
    const { stack, template } = build();
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('LargeEventStore', () => {
  it('acknowledges the per-event key wildcards of each grant on the grantee, and its bucket findings on the bucket', () => {
    const stack = bareStack();
    const store = new LargeEventStore(stack, 'LargeEvents');
    const roles = ['Writer', 'Redrive', 'Reader'].map((id) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    const [writer, redrive, reader] = roles as [iam.Role, iam.Role, iam.Role];
    store.grantWriteClaimChecksAndParking(writer);
    store.grantRedrive(redrive);
    store.grantReadClaimChecks(reader);
    expect(nagFindings(stack)).toEqual([]);
    const resources = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: { Resource: unknown }[] } } }).Properties.PolicyDocument.Statement.flatMap((statement) =>
        [statement.Resource].flat(),
      ),
    );
    // Every object grant ends in one of the two prefixes: no grant on the whole bucket's objects.
    expect(JSON.stringify(resources)).not.toMatch(/"\/\*"/);
  });
});
