import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventTypeOf } from '../../contract/cxone-events.js';
import { toEnvelopeEntry } from '../../contract/envelope.js';
import { KNOWN_DETAIL_TYPES, publishedEventSchema, schemaFiles } from '../../contract/event-schemas.js';
import { pollerRestartedEntry } from '../../lambdas/discovery/restart-event.js';
import { SAMPLES_PATH, samplesAvailable } from '../simulator/sample-contract.js';
import { committedSchema, SCHEMAS_DIR, validatorOf } from './schema-validator.js';

const committed = committedSchema;

/** A sample CXone event as the bus delivers it: our envelope around it, EventBridge's fields outside. */
function publishedEvent(data: Record<string, unknown>, sequence: number) {
  const entry = toEnvelopeEntry(
    { sequence, platformSessionId: '698120331042', receivedAt: '2025-03-12T14:01:35.412Z', data },
    { tenant: 'acme', agentId: '2103457' },
    'cxone.agent-events',
  );
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    time: '2025-03-12T14:01:35Z',
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(entry.Detail) as unknown,
  };
}

describe('published event schemas', () => {
  it('are committed in schemas/ exactly as npm run schemas generates them', () => {
    const generated = schemaFiles();
    expect(
      readdirSync(SCHEMAS_DIR)
        .filter((name) => name.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(generated).sort());
    for (const [name, content] of Object.entries(generated)) expect(committed(name), `${name} is stale: run npm run schemas`).toBe(content);
  });

  it('are JSON Schema draft 4 documents, one per detail type, titled by it', () => {
    for (const type of KNOWN_DETAIL_TYPES) {
      expect(JSON.parse(committed(`${type}.json`))).toMatchObject({ $schema: 'http://json-schema.org/draft-04/schema#', title: type, type: 'object' });
    }
  });

  it('allow fields CXone may add later and reject an event of another type', () => {
    const validate = validatorOf('AgentState');
    const event = publishedEvent({ Type: 'AgentState', CurrentState: 'Available', BrandNewField: 'x' }, 1);
    expect(validate({ ...event, 'replay-name': 'r1' }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...event, 'detail-type': 'AgentLeg' })).toBe(false);
    const detail = event.detail as { metadata: object; data: object };
    expect(validate({ ...event, detail: { ...detail, metadata: { ...detail.metadata, sequence: 0 } } })).toBe(false);
  });
});

describe('the PollerRestarted event discovery publishes', () => {
  const entry = pollerRestartedEntry(
    {
      agentId: '2103457',
      execution: 'acme-2103457-20250312T140001000Z-r1',
      previous: { name: 'acme-2103457-20250312T140001000Z-g3', status: 'ABORTED', stopDate: new Date('2025-03-12T15:02:03Z') },
    },
    { tenant: 'acme', eventSource: 'cxone.agent-events', now: Date.parse('2025-03-12T15:10:00Z') },
  );
  const event = {
    version: '0',
    id: 'x',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    time: '2025-03-12T15:10:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(entry.Detail) as { metadata: object; data: object },
  };

  it('validates against its committed schema, without a sequence number', () => {
    const validate = validatorOf(entry.DetailType);
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    expect(event.detail.metadata).not.toHaveProperty('sequence');
    expect(event.detail.data).toEqual({
      execution: 'acme-2103457-20250312T140001000Z-r1',
      session: 'acme-2103457-20250312T140001000Z',
      previousExecution: 'acme-2103457-20250312T140001000Z-g3',
      previousStatus: 'ABORTED',
      previousStopDate: '2025-03-12T15:02:03.000Z',
    });
  });

  it('rejects a restart after a poller that succeeded', () => {
    expect(validatorOf(entry.DetailType)({ ...event, detail: { ...event.detail, data: { ...event.detail.data, previousStatus: 'SUCCEEDED' } } })).toBe(false);
  });
});

describe.runIf(samplesAvailable)('sample events against their schemas', () => {
  const samples = JSON.parse(readFileSync(SAMPLES_PATH, 'utf8')) as Record<string, unknown>[];

  it.each(samples.map((sample, index) => [index + 1, eventTypeOf(sample), sample] as const))('sample %i (%s) validates', (sequence, type, sample) => {
    expect(KNOWN_DETAIL_TYPES).toContain(type);
    const event = publishedEvent(sample, sequence);
    const validate = validatorOf(type);
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    // The zod schema the file came from agrees.
    expect(publishedEventSchema(type).safeParse(event).success).toBe(true);
  });

  it('rejects a sample whose values are not strings where CXone sends strings', () => {
    const sample = samples.find((candidate) => eventTypeOf(candidate) === 'CallContactEvent') as Record<string, unknown>;
    const validate = validatorOf('CallContactEvent');
    expect(validate(publishedEvent({ ...sample, ContactID: 698127455501 }, 1))).toBe(false);
  });
});
