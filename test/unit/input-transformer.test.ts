import { describe, expect, it } from 'vitest';
import { applyInputTransformer, readJsonPath, validateInputTransformer } from '../../rules/input-transformer.js';

// The EC2 example of the EventBridge user guide's "Transforming input" page.
const event = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING', count: 3, tags: { a: '1' } },
};
const paths = { timestamp: '$.time', instance: '$.detail.instance-id', state: '$.detail.state' };
const context = { ruleArn: 'arn:aws:events:us-east-2:123456789012:rule/example', ruleName: 'example', ingestionTime: '2015-11-11T21:29:55Z' };
const apply = (template: string, map: Record<string, string> = paths) => applyInputTransformer({ InputPathsMap: map, InputTemplate: template }, event, context);

describe('input transformer', () => {
  it.each([
    ['a simple string', '"instance <instance> is in <state>"', '"instance i-0123456789 is in RUNNING"'],
    ['simple JSON', '{\n  "instance" : <instance>,\n  "state": <state>\n}', '{"instance":"i-0123456789","state":"RUNNING"}'],
    [
      'JSON with strings and variables',
      '{"instance" : <instance>, "state": "<state>", "instanceStatus": "instance \\"<instance>\\" is in <state>"}',
      '{"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \\"i-0123456789\\" is in RUNNING"}',
    ],
    [
      'a mix of variables and static data',
      '{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}',
      '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}',
    ],
    ['reserved variables in a string', '"<aws.events.rule-name> triggered"', '"example triggered"'],
  ])('renders %s as the user guide shows', (_, template, expected) => {
    expect(apply(template)).toBe(expected);
  });

  it('inserts the reserved variables: rule, ingestion time, the event without detail, the whole event', () => {
    const output = JSON.parse(
      apply(
        '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "e": <aws.events.event>, "json": <aws.events.event.json>}',
      ),
    );
    expect(output).toMatchObject({ ruleArn: context.ruleArn, ruleName: 'example', at: '2015-11-11T21:29:55Z', json: event });
    expect(output.e).toEqual({ ...event, detail: undefined });
    expect(output.e).not.toHaveProperty('detail');
  });

  it('keeps numbers and objects as JSON where the placeholder is a value, and as text inside a string', () => {
    const map = { count: '$.detail.count', tags: '$.detail.tags' };
    expect(apply('{"n": <count>, "t": <tags>, "s": "<count> items"}', map)).toBe('{"n":3,"t":{"a":"1"},"s":"3 items"}');
  });

  it('creates no variable for a path the event lacks: null as a JSON value, nothing inside a string', () => {
    expect(apply('{"missing": <gone>, "text": "[<gone>]"}', { gone: '$.detail.nope' })).toBe('{"missing":null,"text":"[]"}');
  });

  it('does not escape inserted values (as EventBridge), so a quote in a value breaks the JSON it is put in', () => {
    const output = applyInputTransformer({ InputPathsMap: { v: '$.detail.v' }, InputTemplate: '{"v": "<v>"}' }, { detail: { v: 'say "hi"' } }, context);
    expect(output).toBe('{"v": "say "hi""}');
  });

  it('reads array indices and wildcards', () => {
    expect(readJsonPath(event, '$.resources[0]')).toEqual({ found: true, value: event.resources[0] });
    expect(readJsonPath(event, '$.detail.tags.*')).toEqual({ found: true, value: ['1'] });
    expect(readJsonPath(event, '$.resources[3]')).toEqual({ found: false });
    expect(readJsonPath(event, '$')).toEqual({ found: true, value: event });
  });

  it.each([
    [{ InputPathsMap: { 'bad name': '$.a' }, InputTemplate: '<bad name>' }, /letters, digits/],
    [{ InputPathsMap: { a: 'detail.a' }, InputTemplate: '<a>' }, /not a JSON path/],
    [{ InputPathsMap: { a: '$.a' }, InputTemplate: '<b>' }, /<b> is neither/],
    [{ InputPathsMap: { a: '$.a' }, InputTemplate: '{"a": <a>' }, /must be JSON/],
    [{ InputPathsMap: { a: '$.a' }, InputTemplate: '{<a>: 1}' }, /object key/],
    [{ InputTemplate: '' }, /1–8192 characters/],
  ])('rejects %j', (transformer, message) => {
    expect(() => validateInputTransformer(transformer)).toThrow(message);
  });
});
