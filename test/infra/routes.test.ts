import { readdirSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseBridgeConfig } from '../../infra/config.js';
import { SCHEMAS_DIRECTORY } from '../../infra/constructs/event-schema-registry.js';
import { ROUTE_TARGET_KINDS, withRoutesFile } from '../../infra/routes-config.js';
import { readTemplate } from '../../local/twin/synthesized-stack.js';
import { ROUTES_FIXTURE } from './routes-fixture.js';
import { synthesizeForTest, TEST_CONFIG } from './stack-fixture.js';

const { template, report } = synthesizeForTest({ routes: ROUTES_FIXTURE, alarmEmail: 'ops@example.com', archiveRetentionDays: 90 });
const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const resources = Object.entries(json.Resources);
const ruleNamed = (name: string) => {
  const found = resources.find(([, resource]) => resource.Type === 'AWS::Events::Rule' && resource.Properties.Name === `acme-${name}`);
  if (!found) throw new Error(`no rule acme-${name}`);
  return { logicalId: found[0], props: found[1].Properties as { EventPattern: unknown; Targets: Record<string, unknown>[]; EventBusName: unknown } };
};
/** The logical id in `{ "Fn::GetAtt": [id, attribute] }`. */
const getAttId = (value: unknown) => (value as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0] ?? '';
const dlqOf = (target: Record<string, unknown>) => getAttId((target.DeadLetterConfig as { Arn: unknown }).Arn);

describe('routes', () => {
  it('puts one rule per route on our bus, named <tenant>-<route>', () => {
    for (const route of ROUTES_FIXTURE) expect(ruleNamed(route.name).props.EventBusName).toEqual({ Ref: expect.stringMatching(/^AgentEventsBus/) });
  });

  it('builds the pattern from the shorthand, always for our source', () => {
    expect(ruleNamed('agent-state-webhook').props.EventPattern).toEqual({ source: ['cxone.agent-events'], 'detail-type': ['AgentState'] });
    expect(ruleNamed('wfm-basic').props.EventPattern).toEqual({ source: ['cxone.agent-events'], detail: { metadata: { agentId: ['2103457'] } } });
    expect(ruleNamed('all-to-queue').props.EventPattern).toEqual({ source: ['cxone.agent-events'] });
    expect(ruleNamed('ended-calls-crm').props.EventPattern).toEqual(ROUTES_FIXTURE[1]?.eventPattern);
  });

  it('gives every target an explicit retry policy and a dead-letter queue of its own', () => {
    const dlqs = new Set<string>();
    for (const route of ROUTES_FIXTURE) {
      const [target] = ruleNamed(route.name).props.Targets;
      expect(target, route.name).toBeDefined();
      if (route.target.type === 'eventBus') expect(target).not.toHaveProperty('RetryPolicy');
      else expect(target?.RetryPolicy, route.name).toEqual({ MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) });
      dlqs.add(dlqOf(target as Record<string, unknown>));
    }
    expect(dlqs.size).toBe(ROUTES_FIXTURE.length);
    expect(ruleNamed('agent-state-webhook').props.Targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 });
    expect(ruleNamed('ended-calls-crm').props.Targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 });
  });

  it('keeps dead-letter queues encrypted, TLS-only, writable by EventBridge for that rule only, and alarmed', () => {
    const { logicalId, props } = ruleNamed('sessions-to-lambda');
    const dlq = dlqOf(props.Targets[0] as Record<string, unknown>);
    expect(json.Resources[dlq]?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId, 'Arn'] } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('sends API destinations through a rate-limited HTTPS destination with the transformed payload', () => {
    const [target] = ruleNamed('agent-state-webhook').props.Targets;
    expect(target?.InputTransformer).toEqual({
      InputPathsMap: { agent: '$.detail.metadata.agentId', state: '$.detail.data.CurrentState', at: '$.detail.data.StartTimeUTC' },
      InputTemplate: '{"agentId": <agent>, "state": <state>, "since": <at>, "rule": <aws.events.rule-name>}',
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://hooks.example.com/cxone/agent-state',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 20,
      ConnectionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Routesagentstatewebhook'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://crm.example.com/api/calls',
      HttpMethod: 'PUT',
      InvocationRateLimitPerSecond: 10,
    });
    // EventBridge assumes a role that may invoke this one destination only.
    const roleArn = getAttId(target?.RoleArn);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleArn }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'events:InvokeApiDestination',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutesagentstatewebhookApiDestination'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('authenticates with API key, Basic or OAuth client credentials whose secret is only referenced', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: '{{resolve:secretsmanager:cxone-eventbridge/acme/webhook:SecretString:apiKey::}}' },
      },
    });
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'BASIC',
      AuthParameters: {
        BasicAuthParameters: { Username: 'bridge', Password: '{{resolve:secretsmanager:cxone-eventbridge/acme/wfm:SecretString:password::}}' },
      },
    });
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
      AuthParameters: {
        OAuthParameters: {
          AuthorizationEndpoint: 'https://crm.example.com/oauth/token',
          HttpMethod: 'POST',
          ClientParameters: { ClientID: 'cxone-bridge', ClientSecret: '{{resolve:secretsmanager:cxone-eventbridge/acme/crm:SecretString:clientSecret::}}' },
          OAuthHttpParameters: {
            BodyParameters: [
              { Key: 'grant_type', Value: 'client_credentials', IsValueSecret: false },
              { Key: 'scope', Value: 'calls.write', IsValueSecret: false },
            ],
          },
        },
      },
    });
  });

  it('delivers to SQS (a queue it creates, or an existing FIFO one with a group id)', () => {
    const [created] = ruleNamed('all-to-queue').props.Targets;
    const queueId = getAttId(created?.Arn);
    expect(json.Resources[queueId]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqOf(created as Record<string, unknown>), 'Arn'] }, maxReceiveCount: 5 },
    });
    const [fifo] = ruleNamed('contacts-to-fifo').props.Targets;
    expect(fifo).toMatchObject({ Arn: 'arn:aws:sqs:eu-west-1:123456789012:contacts.fifo', SqsParameters: { MessageGroupId: 'cxone' } });
  });

  it('delivers to a Lambda function by ARN and lets EventBridge invoke it for this rule only', () => {
    const { logicalId, props } = ruleNamed('sessions-to-lambda');
    expect(props.Targets[0]).toMatchObject({ Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:sessions' });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:sessions',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalId, 'Arn'] },
    });
  });

  it('forwards to another bus with a role that may put events on that bus only', () => {
    const [target] = ruleNamed('everything-to-analytics').props.Targets;
    expect(target).toMatchObject({ Arn: 'arn:aws:events:eu-west-1:210987654321:event-bus/analytics' });
    const role = getAttId(target?.RoleArn);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: 'arn:aws:events:eu-west-1:210987654321:event-bus/analytics' }] },
    });
  });

  it('writes no plaintext secret into the template', () => {
    const text = JSON.stringify(json);
    for (const match of text.matchAll(/"(?:ApiKeyValue|Password|ClientSecret)":"([^"]*)"/g)) expect(match[1]).toMatch(/^\{\{resolve:secretsmanager:/);
  });
});

describe('archive', () => {
  it('archives every event of our source for the configured retention', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AgentEventsBus'), 'Arn'] },
      EventPattern: { source: ['cxone.agent-events'] },
      RetentionDays: 90,
      ArchiveName: 'cxone-agent-events-acme-archive',
    });
    template.hasOutput('ArchiveArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AgentEventsBusArchive'), 'Arn'] } });
  });
});

describe('schema registry', () => {
  it('registers the draft-4 JSON Schema of every detail type under <source>@<type>', () => {
    template.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'cxone-eventbridge-acme' });
    const files = readdirSync(SCHEMAS_DIRECTORY).filter((name) => name.endsWith('.json'));
    const schemas = resources.filter(([, resource]) => resource.Type === 'AWS::EventSchemas::Schema').map(([, resource]) => resource.Properties);
    expect(schemas.map((schema) => schema.SchemaName).sort()).toEqual(files.map((name) => `cxone.agent-events@${name.slice(0, -5)}`).sort());
    for (const schema of schemas) {
      expect(schema).toMatchObject({ Type: 'JSONSchemaDraft4', RegistryName: { 'Fn::GetAtt': [expect.stringMatching(/^SchemasRegistry/), 'RegistryName'] } });
      expect(JSON.parse(schema.Content as string)).toMatchObject({
        $schema: 'http://json-schema.org/draft-04/schema#',
        title: (schema.SchemaName as string).split('@')[1],
      });
    }
  });
});

describe('dashboard', () => {
  const body = JSON.stringify(
    json.Resources[resources.find(([, resource]) => resource.Type === 'AWS::CloudWatch::Dashboard')?.[0] ?? '']?.Properties.DashboardBody,
  );

  it.each([
    'Active sessions',
    'Session executions',
    'Polls by outcome',
    'Events published per detail type',
    'Publish failures and parked events',
    'Poll latency',
    'Lambda duration',
    'Lambda concurrency',
    'Lambda throttles and errors',
    'Route deliveries',
    'Route failed deliveries',
    'Dead-letter queues',
    'Alarms',
  ])('shows %s', (title) => {
    expect(body).toContain(`\\"title\\":\\"${title}`);
  });

  it('reads the metrics the poller emits and EventBridge publishes per route', () => {
    for (const metric of [
      'PollOutcomes',
      'PollLatency',
      'EventsPublishedByType',
      'PublishFailures',
      'EventsParked',
      'ExecutionsStarted',
      'ConcurrentExecutions',
      'Throttles',
    ])
      expect(body).toContain(metric);
    // The rule's name, as EventBridge's metrics carry it; a custom-bus rule's Ref is `<bus>|<rule>`.
    expect(body).toContain('\\"RuleName\\",\\"acme-agent-state-webhook\\"');
    expect(body).toContain('FailedInvocations');
  });
});

describe('alarms', () => {
  const alarms = resources.filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm').map(([, resource]) => resource.Properties);

  it('alarm on failed executions, parked and waiting events, every DLQ, throttles, errors of the scheduled functions, concurrency and failed deliveries', () => {
    const names = alarms.map(
      (alarm) => alarm.MetricName ?? (alarm.Metrics as { Expression?: string }[] | undefined)?.find((metric) => metric.Expression)?.Expression,
    );
    expect(names.filter((name) => name === 'failed + timedOut')).toHaveLength(1);
    expect(names.filter((name) => name === 'EventsParked')).toHaveLength(1);
    expect(names.filter((name) => name === 'ParkedItemsWaiting')).toHaveLength(1);
    expect(names.filter((name) => name === 'ApproximateNumberOfMessagesVisible')).toHaveLength(ROUTES_FIXTURE.length);
    expect(names.filter((name) => name === 'Throttles')).toHaveLength(4);
    expect(names.filter((name) => name === 'Errors')).toHaveLength(3);
    expect(names.filter((name) => name === 'FailedInvocations')).toHaveLength(ROUTES_FIXTURE.length);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'ConcurrentExecutions',
      Threshold: 800,
      Statistic: 'Maximum',
    });
    for (const fn of ['SharedToken', 'Discovery']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(fn) } }],
        Period: 300,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 0,
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: Match.arrayWith([{ Name: 'RuleName', Value: 'acme-ended-calls-crm' }]),
      Threshold: 0,
    });
  });

  it('mails every alarm through an SNS topic encrypted with a rotated key CloudWatch may use', () => {
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ObservabilityAlarmTopic/) }]);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObservabilityAlarmTopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]),
      },
    });
  });

  it('creates no topic without an alarm e-mail', () => {
    const plain = synthesizeForTest().template;
    plain.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('cdk-nag with every route type', () => {
  it.each(['AwsSolutions', 'Serverless'])('%s reports no unacknowledged finding', (pack) => {
    const plugin = report.pluginReports.find((candidate) => candidate.pluginName === pack);
    expect(plugin?.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(plugin?.conclusion).toBe('success');
  });

  it('acknowledges each finding on one construct, with a reason', () => {
    for (const finding of report.pluginReports.flatMap((plugin) => plugin.suppressedViolations)) {
      expect(finding.reason.length).toBeGreaterThan(40);
      expect(finding.violatingConstructs).toHaveLength(1);
    }
  });
});

describe('route configuration', () => {
  const route = ROUTES_FIXTURE[0] as Record<string, unknown>;
  const withRoute = (override: Record<string, unknown>) => ({ ...TEST_CONFIG, routes: [{ ...route, ...override }] });

  it.each([
    [{ target: { type: 'kinesis', streamArn: 'x' } }, 'routes[0].target.type', "Expected 'apiDestination' | 'sqs' | 'lambda' | 'eventBus'"],
    [{ target: { ...(route.target as object), endpoint: 'http://hooks.example.com/x' } }, 'routes[0].target.endpoint', 'must use https'],
    [{ detailTypes: undefined, eventPattern: { detail: { state: [{ prefix: 1 }] } } }, 'routes[0].eventPattern', 'prefix match pattern must be a string'],
    [{ detailTypes: undefined, eventPattern: { source: 'cxone.agent-events' } }, 'routes[0].eventPattern', 'Event pattern is not valid'],
    [{ inputTransformer: { inputTemplate: '{"a": <missing>}' } }, 'routes[0].inputTransformer.inputTemplate', '<missing>'],
    [{ inputTransformer: { inputPathsMap: { a: 'detail.x' }, inputTemplate: '<a>' } }, 'routes[0].inputTransformer.inputPathsMap', 'not a JSON path'],
    [{ inputTransformer: { inputPathsMap: { a: '$.x' }, inputTemplate: '{<a>: 1}' } }, 'routes[0].inputTransformer.inputTemplate', 'object key'],
    [{ name: 'Bad Name' }, 'routes[0].name', 'lowercase'],
    [
      { target: { type: 'apiDestination', endpoint: 'https://x.example.com', connection: { type: 'apiKey', headerName: 'k', apiKey: 'plaintext!' } } },
      'routes[0].target.connection',
      'apiKey',
    ],
  ])('rejects %j naming the field', (override, field, message) => {
    const attempt = () => parseBridgeConfig(withRoute(override));
    expect(attempt).toThrow(field);
    expect(attempt).toThrow(message);
  });

  it('rejects two routes of the same name and a transformer on a bus target', () => {
    expect(() => parseBridgeConfig({ ...TEST_CONFIG, routes: [route, route] })).toThrow(/used twice[\s\S]*routes\[1\]\.name/);
    expect(() => parseBridgeConfig(withRoute({ target: { type: 'eventBus', eventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/x' } }))).toThrow(
      'routes[0].inputTransformer',
    );
  });

  it('takes routes as JSON text from the command line and adds those of a routes file', () => {
    expect(parseBridgeConfig({ ...TEST_CONFIG, routes: JSON.stringify([route]) }).routes[0]?.name).toBe('agent-state-webhook');
    expect(() => withRoutesFile(undefined, '/nonexistent/routes.json')).toThrow(/ENOENT/);
  });
});

describe('route target kinds', () => {
  it('has a fixture route of every kind, so a kind added without one fails here', () => {
    expect(new Set(ROUTES_FIXTURE.map((route) => route.target.type))).toEqual(new Set(ROUTE_TARGET_KINDS));
  });

  it("reads each route's target kind back from this template, as the twin delivers by it", () => {
    const { rules } = readTemplate(json as Parameters<typeof readTemplate>[0]);
    for (const route of ROUTES_FIXTURE) {
      const rule = rules.find((candidate) => candidate.name === `acme-${route.name}`);
      expect(
        rule?.targets.map((target) => target.kind),
        route.name,
      ).toEqual([route.target.type]);
    }
  });
});
