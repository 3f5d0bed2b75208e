import type { RouteInput } from '../../infra/routes-config.js';

/** One route of each target type, as a user would configure them. */
export const ROUTES_FIXTURE: RouteInput[] = [
  {
    name: 'agent-state-webhook',
    description: 'Agent state changes to a webhook',
    detailTypes: ['AgentState'],
    inputTransformer: {
      inputPathsMap: { agent: '$.detail.metadata.agentId', state: '$.detail.data.CurrentState', at: '$.detail.data.StartTimeUTC' },
      inputTemplate: '{"agentId": <agent>, "state": <state>, "since": <at>, "rule": <aws.events.rule-name>}',
    },
    target: {
      type: 'apiDestination',
      endpoint: 'https://hooks.example.com/cxone/agent-state',
      rateLimitPerSecond: 20,
      connection: { type: 'apiKey', headerName: 'x-api-key', secretName: 'cxone-eventbridge/acme/webhook' },
      retry: { maximumRetryAttempts: 10, maximumEventAgeSeconds: 3600 },
    },
  },
  {
    name: 'ended-calls-crm',
    eventPattern: { source: ['cxone.agent-events'], 'detail-type': ['CallContactEvent'], detail: { data: { Status: ['Disconnected'], FinalState: ['True'] } } },
    target: {
      type: 'apiDestination',
      endpoint: 'https://crm.example.com/api/calls',
      method: 'PUT',
      connection: {
        type: 'oauthClientCredentials',
        tokenUrl: 'https://crm.example.com/oauth/token',
        clientId: 'cxone-bridge',
        secretName: 'cxone-eventbridge/acme/crm',
        scope: 'calls.write',
      },
    },
  },
  {
    name: 'wfm-basic',
    agentIds: ['2103457'],
    target: {
      type: 'apiDestination',
      endpoint: 'https://wfm.example.com/events',
      connection: { type: 'basic', username: 'bridge', secretName: 'cxone-eventbridge/acme/wfm' },
    },
  },
  { name: 'all-to-queue', target: { type: 'sqs' } },
  {
    name: 'contacts-to-fifo',
    detailTypes: ['CallContactEvent'],
    target: { type: 'sqs', queueArn: 'arn:aws:sqs:eu-west-1:123456789012:contacts.fifo', messageGroupId: 'cxone' },
  },
  {
    name: 'sessions-to-lambda',
    detailTypes: ['AgentSessionStart', 'AgentSessionEnd'],
    target: { type: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:sessions' },
  },
  { name: 'everything-to-analytics', target: { type: 'eventBus', eventBusArn: 'arn:aws:events:eu-west-1:210987654321:event-bus/analytics' } },
];
