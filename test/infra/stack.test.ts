import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RETRYABLE_ERROR_NAMES } from '../../contract/errors.js';
import { HAND_OVER_MAX_ATTEMPTS, POLL_ENTRY_MAX_ATTEMPTS } from '../../contract/history-budget.js';
import { LoopSignal, SIGNAL_RESULT_PATH } from '../../contract/loop-signals.js';
import { PollStatus } from '../../contract/poll-state.js';
import { BACK_OFF, LAMBDA_NOT_RUNNING_RETRY, mayStillRunRetry, POLL_RETRY, type StateRetry } from '../../contract/retry-policy.js';
import { FAULT_RESULT_PATH, LAMBDA_ERRORS_MAY_STILL_RUN, LAMBDA_ERRORS_NOT_RUNNING, StateName } from '../../contract/state-machine.js';
import { parseBridgeConfig } from '../../infra/config.js';
import { CHECKPOINT_STORE_ACTIONS } from '../../infra/constructs/session-store.js';
import { readTemplate } from '../../local/twin/synthesized-stack.js';
import { synthesizeForTest, TEST_CONFIG } from './stack-fixture.js';

const { template, report } = synthesizeForTest();
const resolved = readTemplate(template.toJSON() as never);
const definition = resolved.stateMachine.definition as unknown as { StartAt: string; States: Record<string, Record<string, unknown>> };
const pollState = definition.States[StateName.Poll] as {
  TimeoutSeconds: number;
  Retry: { ErrorEquals: string[]; JitterStrategy?: string; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds?: number }[];
  Catch: { ErrorEquals: string[]; Next: string; ResultPath: string | null }[];
  Resource: string;
  Next: string;
};
const poller = resolved.functions.find((fn) => fn.path.includes('/SessionPoller/'));
const refresher = resolved.functions.find((fn) => fn.path.includes('/SharedToken/'));
const pollerTimeout = poller?.timeoutSeconds ?? 0;

describe('poller function', () => {
  it('runs Node.js 24 on arm64 with a timeout above a full 60 s hold plus publishing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 128,
      Timeout: Match.anyValue(),
    });
    expect(pollerTimeout).toBeGreaterThanOrEqual(60 + 30);
  });

  it('is configured by environment with no secret in it', () => {
    const environment = poller?.environment ?? {};
    expect(environment.TOKEN_SECRET_ID).toBe(resolved.createdSecrets[0]?.arn);
    expect(environment).toMatchObject({
      TENANT: 'acme',
      CXONE_ISSUER_URL: 'https://cxone.niceincontact.com',
      EVENT_SOURCE: 'cxone.agent-events',
      POLL_TIMEOUT_SECONDS: '60',
      EVENT_BUS_NAME: 'cxone-agent-events-acme',
    });
    expect(environment.CXONE_SECRET_ID).toMatch(/:secret:cxone-eventbridge\/acme$/);
    // Secrets are referenced by ARN, never carried in the environment.
    expect(Object.keys(environment).some((key) => /PASSWORD|ACCESS_KEY|CLIENT_SECRET|ACCESS_TOKEN/.test(key))).toBe(false);
    expect(environment.TOKEN_SECRET_ID).toMatch(/^arn:aws:secretsmanager:/);
  });

  it("keeps Lambda's per-invocation start and report records out of its log group (system log level WARN), and its own INFO lines and EMF metrics in", () => {
    const functions = template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { LoggingConfig?: Record<string, unknown> } }>;
    expect(functions[poller?.logicalId ?? '']?.Properties.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: expect.anything(), SystemLogLevel: 'WARN' });
    // The application log level stays Lambda's INFO: EMF lines have no "level", so Lambda counts them as INFO.
    expect(poller?.environment.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    const others = Object.entries(functions).filter(([logicalId]) => logicalId !== poller?.logicalId);
    expect(others.length).toBeGreaterThan(0);
    for (const [, fn] of others) expect(fn.Properties.LoggingConfig?.SystemLogLevel).toBeUndefined();
  });

  it('brings the platform records back with pollerSystemLogLevel INFO', () => {
    const withReports = synthesizeForTest({ pollerSystemLogLevel: 'INFO' }).template;
    withReports.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Polls CXone'),
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', SystemLogLevel: 'INFO' }),
    });
  });

  it('may put events only on our bus, read only our two secrets, put only claim checks and parked items, use only its checkpoint items and write only its own log group', () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SessionPollerRole') }] } });
    const statements = Object.values(policies).flatMap(
      (policy) => (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements).toEqual(
      expect.arrayContaining([
        { Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AgentEventsBus/), 'Arn'] } },
        {
          Action: expect.toSatisfy((actions: string[]) => [...actions].sort().join() === 'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue'),
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:cxone-eventbridge/acme-??????']] },
        },
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SessionPollerLogs/), 'Arn'] },
        },
        {
          Action: expect.toSatisfy((actions: string[]) => [...actions].sort().join() === 'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue'),
          Effect: 'Allow',
          Resource: { Ref: expect.stringMatching(/^SharedTokenSecret/) },
        },
        {
          Action: 's3:PutObject',
          Effect: 'Allow',
          Resource: [
            { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^LargeEventsBucket/), 'Arn'] }, '/claim-checks/*']] },
            { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^LargeEventsBucket/), 'Arn'] }, '/parked/*']] },
          ],
        },
        {
          // Item actions only, on the checkpoint table only: no Scan, no PutItem or DeleteItem, no table management.
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
          Effect: 'Allow',
          Resource: [{ 'Fn::GetAtt': [expect.stringMatching(/^SessionStoreTable/), 'Arn'] }],
        },
      ]),
    );
    expect(statements).toHaveLength(6);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
  });

  it('grants the poller exactly the DynamoDB operations its checkpoint store sends, so a new call cannot go ungranted', () => {
    const source = readFileSync(new URL('../../lambdas/poll-session/dynamodb-checkpoint-store.ts', import.meta.url), 'utf8');
    const sent = [...source.matchAll(/new (\w+)Command\(/g)].map(([, operation]) => `dynamodb:${operation}`);
    expect([...new Set(sent)].sort()).toEqual([...CHECKPOINT_STORE_ACTIONS].sort());
  });
});

describe('session checkpoint store', () => {
  it('is one on-demand table keyed pk/sk, with point-in-time recovery and AWS-managed encryption, kept when the stack goes', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it("is named in the poller's environment", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SESSION_TABLE_NAME: { Ref: Match.stringLikeRegexp('^SessionStoreTable') } }) },
    });
  });
});

describe('session state machine', () => {
  it('is a Standard workflow in JSONPath with logs and tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ IncludeExecutionData: false, Level: 'ERROR' }),
    });
    expect(definition).not.toHaveProperty('QueryLanguage', 'JSONata');
  });

  it('loops Poll → Poll: the poll task is its own Next, with no Choice and no Wait on the 200 and 304 paths', () => {
    expect(definition.StartAt).toBe(StateName.Poll);
    expect(pollState.Next).toBe(StateName.Poll);
    expect(Object.values(definition.States).map((state) => state.Type)).not.toContain('Choice');
    expect(definition.States[StateName.WaitBeforePublishRetry]).toMatchObject({ Type: 'Wait', Next: StateName.Poll });
    expect(definition.States[StateName.SessionEnded]).toMatchObject({ Type: 'Succeed' });
  });

  it('synthesizes the previous Task → Choice loop only when asked (loopShape choice), for the benchmark', () => {
    const previous = readTemplate(synthesizeForTest({ loopShape: 'choice' }).template.toJSON() as never).stateMachine
      .definition as unknown as typeof definition;
    const task = previous.States[StateName.Poll] as typeof pollState & { Parameters: Record<string, unknown> };
    expect(task.Next).toBe(StateName.RouteOnStatus);
    expect(task.Parameters.loop).toBe('choice');
    expect(task.Catch.map((catcher) => catcher.ErrorEquals[0])).toEqual(['ConfigurationError', 'States.ALL']);
    const route = previous.States[StateName.RouteOnStatus] as {
      Type: string;
      Default: string;
      Choices: { Variable: string; StringEquals: string; Next: string }[];
    };
    expect(route).toMatchObject({ Type: 'Choice', Default: StateName.Poll });
    expect(route.Choices).toEqual([
      { Variable: '$.status', StringEquals: PollStatus.Ended, Next: StateName.SessionEnded },
      { Variable: '$.status', StringEquals: PollStatus.PublishPending, Next: StateName.WaitBeforePublishRetry },
      { Variable: '$.status', StringEquals: PollStatus.HandOver, Next: StateName.HandOver },
      { Variable: '$.status', StringEquals: PollStatus.BackOff, Next: StateName.WaitBeforeNextPoll },
    ]);
  });

  it('gives the poll task a timeout above the function timeout', () => {
    expect(pollState.TimeoutSeconds).toBeGreaterThan(pollerTimeout);
    expect(pollState.Resource).toBe(poller?.arn);
  });

  it('retries transient and Lambda invocation errors a few times, an attempt that may still run only after the function timeout, never States.ALL', () => {
    const expected: [readonly string[], StateRetry][] = [
      [RETRYABLE_ERROR_NAMES, POLL_RETRY],
      [LAMBDA_ERRORS_NOT_RUNNING, LAMBDA_NOT_RUNNING_RETRY],
      [LAMBDA_ERRORS_MAY_STILL_RUN, mayStillRunRetry(pollerTimeout)],
    ];
    expect(pollState.Retry).toEqual(
      expected.map(([errors, retrier]) => ({
        ErrorEquals: [...errors],
        IntervalSeconds: retrier.intervalSeconds,
        BackoffRate: retrier.backoffRate,
        MaxAttempts: retrier.maxAttempts,
        ...(retrier.maxDelaySeconds === undefined ? {} : { MaxDelaySeconds: retrier.maxDelaySeconds }),
        ...(retrier.jitter === 'FULL' ? { JitterStrategy: 'FULL' } : {}),
      })),
    );
    const retried = pollState.Retry.flatMap((candidate) => candidate.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining([...RETRYABLE_ERROR_NAMES]));
    expect(retried).toEqual(
      expect.arrayContaining([
        'Lambda.Unknown',
        'Lambda.ClientExecutionTimeoutException',
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
        'Sandbox.Timedout',
        'States.Timeout',
      ]),
    );
    expect(new Set(retried).size).toBe(retried.length);
    expect(retried).not.toContain('States.ALL');
    expect(pollState.Retry.every((candidate) => candidate.MaxAttempts <= 6)).toBe(true);
  });

  it('routes the loop signals to their states, a bad input to the Fail state and every other error back into the poll task in fault mode', () => {
    // Catchers match in order: the signals and ConfigurationError before States.ALL.
    expect(pollState.Catch).toEqual([
      { ErrorEquals: ['ConfigurationError'], ResultPath: '$.error', Next: StateName.PollingFailed },
      { ErrorEquals: [LoopSignal.SessionEnded], ResultPath: null, Next: StateName.SessionEnded },
      { ErrorEquals: [LoopSignal.HandOverDue], ResultPath: null, Next: StateName.HandOver },
      { ErrorEquals: [LoopSignal.BackOff], ResultPath: SIGNAL_RESULT_PATH, Next: StateName.WaitBeforeNextPoll },
      { ErrorEquals: [LoopSignal.PublishBackOff], ResultPath: SIGNAL_RESULT_PATH, Next: StateName.WaitBeforePublishRetry },
      { ErrorEquals: ['States.ALL'], ResultPath: FAULT_RESULT_PATH, Next: StateName.Poll },
    ]);
    expect(new Set(pollState.Catch.flatMap((catcher) => catcher.ErrorEquals))).toEqual(
      new Set(['ConfigurationError', ...Object.values(LoopSignal), 'States.ALL']),
    );
    expect(definition.States[StateName.PollingFailed]).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('never retries a loop signal', () => {
    expect(pollState.Retry.flatMap((retrier) => retrier.ErrorEquals)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^Loop\./)]));
  });

  it('waits the back-off the fault mode chose, then polls again', () => {
    expect(definition.States[StateName.WaitBeforeNextPoll]).toEqual(
      expect.objectContaining({ Type: 'Wait', SecondsPath: '$.backOffSeconds', Next: StateName.Poll }),
    );
  });

  it('passes $$.State.RetryCount so failed attempts count against the history budget, whose model matches the definition', () => {
    expect((pollState as unknown as { Parameters: Record<string, string> }).Parameters['retryCount.$']).toBe('$$.State.RetryCount');
    const handOverRetries = (definition.States[StateName.HandOver] as { Retry: { MaxAttempts: number }[] }).Retry;
    expect(1 + handOverRetries.reduce((sum, retrier) => sum + retrier.MaxAttempts, 0)).toBe(HAND_OVER_MAX_ATTEMPTS);
    expect(POLL_ENTRY_MAX_ATTEMPTS).toBe(1 + pollState.Retry.reduce((sum, retrier) => sum + retrier.MaxAttempts, 0));
    // The only states the loop passes through: one task, two Waits, no Choice (the model counts each kind).
    const types = Object.values(definition.States).map((state) => state.Type);
    expect(types.filter((type) => type === 'Task')).toHaveLength(2);
    expect(types.filter((type) => type === 'Wait')).toHaveLength(2);
    expect(types.filter((type) => type === 'Choice')).toHaveLength(0);
  });

  it('may invoke only the poller function', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('SessionsStateMachineRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'lambda:InvokeFunction',
            Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('SessionPollerFunction'), 'Arn'] }, Match.anyValue()],
          }),
        ]),
      },
    });
  });

  it('is a valid Amazon States Language definition', async () => {
    const { default: aslValidator } = await import('asl-validator');
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });
});

describe('continue-as-new', () => {
  it('hands over by starting its own next generation under the name the poller chose', () => {
    expect(definition.States[StateName.HandOver]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'Name.$': '$.nextExecutionName', 'Input.$': '$' },
      Next: StateName.HandedOver,
    });
  });

  it('treats a name already taken as a hand-over that already happened', () => {
    const catchers = (definition.States[StateName.HandOver] as { Catch: { ErrorEquals: string[]; Next: string }[] }).Catch;
    expect(catchers[0]).toMatchObject({ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], Next: StateName.HandedOver });
  });

  it('may start executions of this state machine only', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'cxone-agent-sessions-acme' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'states:StartExecution',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:stateMachine:cxone-agent-sessions-acme']] },
          },
        ]),
      },
    });
  });

  it('passes the execution name to the poller, which decides when to hand over', () => {
    expect((pollState as unknown as { Parameters: unknown }).Parameters).toEqual({
      'state.$': '$',
      'executionName.$': '$$.Execution.Name',
      'retryCount.$': '$$.State.RetryCount',
      loop: 'self',
    });
    expect(poller?.environment.HAND_OVER_AFTER_POLLS).toBe('2000');
  });
});

describe('shared CXone token', () => {
  it('is renewed by a scheduled function that may read the credentials and write only the token secret', () => {
    expect(refresher?.environment).toMatchObject({ TOKEN_SECRET_ID: resolved.createdSecrets[0]?.arn, CXONE_ISSUER_URL: 'https://cxone.niceincontact.com' });
    expect(resolved.schedules).toContainEqual({ name: expect.any(String), expression: 'rate(5 minutes)', targetArns: [refresher?.arn] });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SharedTokenRefresherRole') }] } });
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const writes = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('secretsmanager:Put')));
    expect(writes).toEqual([expect.objectContaining({ Resource: { Ref: expect.stringMatching(/^SharedTokenSecret/) } })]);
  });
});

describe('agent discovery', () => {
  const discovery = resolved.functions.find((fn) => fn.path.includes('/Discovery/'));

  it('runs every minute on EventBridge Scheduler', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }),
    });
    expect(resolved.schedules).toContainEqual({ name: expect.any(String), expression: 'rate(1 minute)', targetArns: [discovery?.arn] });
  });

  const discoveryStatements = () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^DiscoveryRole') }] } });
    return Object.values(policies).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
  };

  it('keeps its cursor in an SSM parameter and may start, list and describe executions of our state machine only', () => {
    expect(discovery?.environment).toMatchObject({
      CURSOR_PARAMETER_NAME: resolved.parameters[0]?.name,
      STATE_MACHINE_ARN: resolved.stateMachine.arn,
      TENANT: 'acme',
    });
    const states = discoveryStatements().filter((statement) => [statement.Action].flat().some((action) => action.startsWith('states:')));
    expect(states.flatMap((statement) => [statement.Action].flat()).sort()).toEqual([
      'states:DescribeExecution',
      'states:ListExecutions',
      'states:StartExecution',
    ]);
    for (const statement of states.filter((candidate) => candidate.Action !== 'states:DescribeExecution'))
      expect(statement.Resource).toEqual({ Ref: expect.stringMatching(/^SessionsStateMachine/) });
    const describe = states.find((statement) => statement.Action === 'states:DescribeExecution');
    expect(JSON.stringify(describe?.Resource)).toMatch(/:states:eu-west-1:123456789012:execution:cxone-agent-sessions-acme:\*"/);
  });

  it('reconciles every 10 minutes by default and announces restarts on our bus only', () => {
    expect(discovery?.environment).toMatchObject({
      RECONCILE_EVERY_MINUTES: '10',
      EVENT_SOURCE: 'cxone.agent-events',
      EVENT_BUS_NAME: 'cxone-agent-events-acme',
    });
    const puts = discoveryStatements().filter((statement) => [statement.Action].flat().includes('events:PutEvents'));
    expect(puts).toHaveLength(1);
    expect(puts[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AgentEventsBus/), 'Arn'] });
    const { template: often } = synthesizeForTest({ discoveryReconcileMinutes: '15' });
    expect(readTemplate(often.toJSON() as never).functions.find((fn) => fn.path.includes('/Discovery/'))?.environment.RECONCILE_EVERY_MINUTES).toBe('15');
  });

  it('passes agent and team filters from configuration', () => {
    const { template: filtered } = synthesizeForTest({ excludeAgentIds: '7,8', includeTeamIds: ['42'] });
    const fn = readTemplate(filtered.toJSON() as never).functions.find((candidate) => candidate.path.includes('/Discovery/'));
    expect(fn?.environment).toMatchObject({ EXCLUDE_AGENT_IDS: '7,8', INCLUDE_TEAM_IDS: '42', INCLUDE_AGENT_IDS: '' });
  });

  it('alarms when starts keep failing for five minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PollerStartFailures',
      Namespace: 'CxoneEventBridge',
      Dimensions: [{ Name: 'service', Value: 'cxone-eventbridge' }],
      Threshold: 0,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
    });
  });

  it('can be switched off', () => {
    const { template: off } = synthesizeForTest({ discoveryEnabled: 'false' });
    // Only the redrive's schedule is left.
    off.resourceCountIs('AWS::Scheduler::Schedule', 1);
    off.hasResourceProperties('AWS::Scheduler::Schedule', { Description: Match.stringLikeRegexp('^Re-publishes parked') });
    expect(off.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'PollerStartFailures' } })).toEqual({});
  });
});

describe('large-event store and parked events', () => {
  const bucket = () => Object.values(template.findResources('AWS::S3::Bucket'))[0] as { Properties: Record<string, unknown>; DeletionPolicy: string };

  it('is one private, encrypted, retained bucket without versioning, reachable over TLS only', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(bucket().DeletionPolicy).toBe('Retain');
    expect(bucket().Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    expect(bucket().Properties.VersioningConfiguration).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(poller?.environment.LARGE_EVENT_BUCKET).toBe(resolved.buckets[0]);
  });

  it('expires claim checks after the configured days and never expires parked items', () => {
    const rules = (bucket().Properties.LifecycleConfiguration as { Rules: { Prefix?: string; ExpirationInDays?: number; Status: string }[] }).Rules;
    expect(rules.filter((rule) => rule.ExpirationInDays !== undefined)).toEqual([
      expect.objectContaining({ Prefix: 'claim-checks/', ExpirationInDays: 30, Status: 'Enabled' }),
    ]);
    const { template: forever } = synthesizeForTest({ claimCheckRetentionDays: 0 });
    const foreverRules = (
      Object.values(forever.findResources('AWS::S3::Bucket'))[0] as { Properties: { LifecycleConfiguration: { Rules: { ExpirationInDays?: number }[] } } }
    ).Properties.LifecycleConfiguration.Rules;
    expect(foreverRules.filter((rule) => rule.ExpirationInDays !== undefined)).toEqual([]);
  });

  it('re-publishes parked events on a schedule, with a function that may only list, read and delete parked items, write claim checks and put on our bus', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Description: Match.stringLikeRegexp('^Re-publishes parked'),
    });
    const redrive = resolved.functions.find((fn) => fn.path.includes('/ParkedEventRedrive/'));
    expect(redrive?.environment).toMatchObject({
      LARGE_EVENT_BUCKET: resolved.buckets[0],
      EVENT_BUS_NAME: 'cxone-agent-events-acme',
      EVENT_SOURCE: 'cxone.agent-events',
      TENANT: 'acme',
    });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ParkedEventRedriveRole') }] } });
    const actions = Object.values(policies)
      .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement)
      .flatMap((statement) => [statement.Action].flat())
      .sort();
    expect(actions).toEqual([
      'events:PutEvents',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('keeps the queue earlier versions parked into, retained and unused, so an upgrade loses none of its messages', () => {
    const queues = template.findResources('AWS::SQS::Queue') as Record<string, { DeletionPolicy?: string; Properties: Record<string, unknown> }>;
    const legacy = Object.entries(queues).find(([id]) => id.startsWith('DeadLettersQueue'));
    expect(legacy?.[1]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 } });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } };
    }[];
    expect(
      policies
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
        .flatMap((statement) => [statement.Action].flat())
        .some((action) => action.startsWith('sqs:Send')),
    ).toBe(false);
  });

  it('alarms as soon as anything is parked, and while parked items wait', () => {
    for (const metricName of ['EventsParked', 'ParkedItemsWaiting']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: 'CxoneEventBridge',
        Dimensions: [{ Name: 'service', Value: 'cxone-eventbridge' }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    template.hasOutput('LargeEventBucketName', { Value: { Ref: Match.stringLikeRegexp('^LargeEventsBucket') } });
  });
});

describe('outage alarms', () => {
  it('alarms when sessions poll in back-off, over a window longer than the longest back-off', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CxoneEventBridge',
      MetricName: 'PollBackOffs',
      Dimensions: [{ Name: 'service', Value: 'cxone-eventbridge' }],
      Statistic: 'Sum',
      Period: 600,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(600).toBeGreaterThan(BACK_OFF.capSeconds);
  });

  it('alarms apart when CXone refuses the credentials, over a window longer than the slow back-off', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'CxoneEventBridge', MetricName: 'PollsRefused', Period: 1200, Threshold: 0 });
    expect(1200).toBeGreaterThan(BACK_OFF.refusedCapSeconds);
  });

  it('shows degraded polling on the dashboard', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboards[0]);
    expect(body).toContain('Degraded polling');
    expect(body).toContain('PollBackOffs');
    expect(body).toContain('PollingRecoveries');
  });
});

describe('bus, logs and outputs', () => {
  it('creates a custom bus named after the tenant', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'cxone-agent-events-acme' });
  });

  it('keeps every log group for the configured retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as { Properties: { RetentionInDays?: number } }[];
    expect(groups.length).toBe(5);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('exports the state machine ARN for the session command', () => {
    template.hasOutput('SessionStateMachineArn', { Value: { Ref: Match.stringLikeRegexp('SessionsStateMachine') } });
  });
});

describe('cdk-nag AwsSolutions and Serverless', () => {
  it.each(['AwsSolutions', 'Serverless'])('%s reports no unacknowledged finding', (pack) => {
    const plugin = report.pluginReports.find((candidate) => candidate.pluginName === pack);
    expect(plugin?.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(plugin?.conclusion).toBe('success');
  });

  it('acknowledges each finding narrowly, with a reason', () => {
    const suppressed = report.pluginReports.flatMap((plugin) => plugin.suppressedViolations);
    expect(suppressed.map((finding) => finding.ruleName).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<DiscoveryFunction[0-9A-F]+\.Arn>:\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<LargeEventsBucket[0-9A-F]+\.Arn>\/claim-checks\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<LargeEventsBucket[0-9A-F]+\.Arn>\/claim-checks\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<LargeEventsBucket[0-9A-F]+\.Arn>\/parked\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<LargeEventsBucket[0-9A-F]+\.Arn>\/parked\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<ParkedEventRedriveFunction[0-9A-F]+\.Arn>:\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<SessionPollerFunction[0-9A-F]+\.Arn>:\*\]$/),
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:eu-west-1:123456789012:execution:cxone-agent-sessions-acme:*]',
      'AwsSolutions-S1',
      'AwsSolutions-SF1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
      'Serverless-EventBusDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaTracing',
      'Serverless-LambdaTracing',
      'Serverless-LambdaTracing',
      'Serverless-LambdaTracing',
      'Serverless-SQSRedrivePolicy',
    ]);
    for (const finding of suppressed) {
      expect(finding.reason.length).toBeGreaterThan(40);
      expect(finding.violatingConstructs).toHaveLength(1);
    }
  });
});

describe('configuration', () => {
  it.each([
    [{ cxoneIssuerUrl: 'http://cxone.example.com' }, 'cxoneIssuerUrl'],
    [{ pollTimeoutSeconds: 61 }, 'pollTimeoutSeconds'],
    [{ tenant: 'Not A Tenant' }, 'tenant'],
    [{ eventSource: 'aws.cxone' }, 'eventSource'],
    [{ pollerSystemLogLevel: 'ERROR' }, 'pollerSystemLogLevel must be one of DEBUG, INFO, WARN'],
  ])('rejects %j naming the field', (override, field) => {
    expect(() => parseBridgeConfig({ ...TEST_CONFIG, ...override })).toThrow(new RegExp(field));
  });

  it('allows plain http only for a loopback issuer', () => {
    expect(parseBridgeConfig({ ...TEST_CONFIG, cxoneIssuerUrl: 'http://127.0.0.1:8080' }).cxoneIssuerUrl).toBe('http://127.0.0.1:8080');
  });

  it('derives secret and bus names from the tenant', () => {
    expect(parseBridgeConfig(TEST_CONFIG)).toMatchObject({
      cxoneSecretName: 'cxone-eventbridge/acme',
      eventBusName: 'cxone-agent-events-acme',
      pollTimeoutSeconds: 60,
    });
  });
});
