import { describe, expect, it } from 'vitest';
import type { AcceptedEvent } from '../../local/eventbridge/local-event-bus.js';
import { LocalTargets } from '../../local/eventbridge/targets.js';
import { targetKindOf } from '../../local/twin/synthesized-stack.js';

const accepted = (rule: string): AcceptedEvent => ({
  event: {
    version: '0',
    id: '1',
    'detail-type': 'AgentState',
    source: 'cxone.agent-events',
    account: '000000000000',
    time: '2025-03-12T14:01:35Z',
    region: 'us-east-1',
    resources: [],
    detail: { data: {} },
  },
  eventBusName: 'bus',
  matchedRules: [rule],
  acceptedAt: 0,
  ingestionTime: '2025-03-12T14:01:35Z',
});

describe('route targets the twin does not call', () => {
  it('counts deliveries to an endpoint off this machine and to a Lambda function as recorded, not ok', async () => {
    // Prepare
    const sent: string[] = [];
    const targets = new LocalTargets({
      rules: [
        {
          name: 'remote-webhook',
          arn: 'arn:aws:events:us-east-1:000000000000:rule/bus/remote-webhook',
          targets: [
            {
              id: 't',
              arn: 'arn:aws:events:us-east-1:000000000000:api-destination/x',
              kind: 'apiDestination',
              apiDestination: { endpoint: 'https://hooks.example.com/x', httpMethod: 'POST' },
            },
          ],
        },
        {
          name: 'to-lambda',
          arn: 'arn:aws:events:us-east-1:000000000000:rule/bus/to-lambda',
          targets: [{ id: 't', arn: 'arn:aws:lambda:us-east-1:000000000000:function:f', kind: 'lambda' }],
        },
      ],
      sendToQueue: (url) => sent.push(url),
    });
    // Act
    targets.dispatch(accepted('remote-webhook'));
    targets.dispatch(accepted('to-lambda'));
    await targets.settled();
    // Assess
    expect(targets.stats.get('remote-webhook')).toEqual({ delivered: 0, recorded: 1, deadLettered: 0, failed: 0 });
    expect(targets.stats.get('to-lambda')).toEqual({ delivered: 0, recorded: 1, deadLettered: 0, failed: 0 });
    expect(targets.deliveries.map((delivery) => delivery.status)).toEqual(['recorded', 'recorded']);
    expect(sent).toEqual([]);
  });
});

describe('route target kinds in the twin', () => {
  it('calls a target no route kind describes other, and records what it delivers there', async () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:m';
    const targets = new LocalTargets({
      rules: [{ name: 'to-state-machine', arn: 'arn:aws:events:us-east-1:000000000000:rule/bus/s', targets: [{ id: 't', arn, kind: targetKindOf(arn) }] }],
      sendToQueue: () => undefined,
    });
    targets.dispatch(accepted('to-state-machine'));
    await targets.settled();
    expect(targets.deliveries.map(({ kind, status }) => ({ kind, status }))).toEqual([{ kind: 'other', status: 'recorded' }]);
  });
});
