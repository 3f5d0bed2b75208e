import { describe, expect, it } from 'vitest';
import { ROUTES_FIXTURE } from './routes-fixture.js';
import { synthesizeForTest } from './stack-fixture.js';

// A changed logical id makes CloudFormation create a new resource and delete the old one: a queue loses its
// messages, a secret or parameter its value, the bus its archive, the state machine its running executions.
// These ids are pinned so that moving constructs around (ids, scopes, helpers) can never replace them.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html
const PINNED: Record<string, string[]> = {
  'AWS::SQS::Queue': [
    'DeadLettersQueue631681B1',
    'RoutesagentstatewebhookDeadLetterQueue868B3B8B',
    'RoutesalltoqueueDeadLetterQueueCBFC1514',
    'RoutesalltoqueueQueueA7CD295E',
    'RoutescontactstofifoDeadLetterQueue734975F5',
    'RoutesendedcallscrmDeadLetterQueue2DF972BF',
    'RouteseverythingtoanalyticsDeadLetterQueue898F917B',
    'RoutessessionstolambdaDeadLetterQueue9ACB7F5A',
    'RouteswfmbasicDeadLetterQueueAFFE631E',
  ],
  'AWS::SecretsManager::Secret': ['SharedTokenSecretA0E575B2'],
  'AWS::SSM::Parameter': ['DiscoveryCursorD350D3E0'],
  // Claim checks and parked items (the only copy of an event until the redrive puts it on the bus).
  'AWS::S3::Bucket': ['LargeEventsBucketB7F20D94'],
  'AWS::Events::EventBus': ['AgentEventsBus4F79E2D0'],
  'AWS::Events::Archive': ['AgentEventsBusArchive4DA735AE'],
  'AWS::Events::Connection': ['RoutesagentstatewebhookConnectionA0683D06', 'RoutesendedcallscrmConnection1FD9CA88', 'RouteswfmbasicConnectionC6815B98'],
  'AWS::EventSchemas::Registry': ['SchemasRegistry000E509D'],
  'AWS::StepFunctions::StateMachine': ['SessionsStateMachine4948E70C'],
  // The per-session checkpoints: cursors and events not yet on the bus.
  'AWS::DynamoDB::Table': ['SessionStoreTableCDBD7017'],
  'AWS::Logs::LogGroup': [
    'DiscoveryLogs4A803E29',
    'ParkedEventRedriveLogs798775D8',
    'SessionPollerLogs1E596705',
    'SessionsLogsBE1067F1',
    'SharedTokenRefresherLogsADA63885',
  ],
};

describe('stateful resources keep their logical ids', () => {
  const { template } = synthesizeForTest({ routes: ROUTES_FIXTURE, alarmEmail: 'ops@example.com', archiveRetentionDays: 90 });
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;

  for (const [type, ids] of Object.entries(PINNED)) {
    it(type, () => {
      const present = Object.entries(resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([id]) => id);
      expect(present).toEqual(expect.arrayContaining(ids));
    });
  }
});
