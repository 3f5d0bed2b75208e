import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canonicalJson, eventIdOf } from '../../contract/envelope.js';
import { nextGenerationName } from '../../contract/poll-state.js';
import { executionNameFor, parseExecutionName, parseIsoInstant, restartName, sessionNameOf } from '../../lambdas/sessions/execution-name.js';

describe('eventIdOf', () => {
  const identity = { tenant: 'acme', agentId: '2103457' };
  it('ignores key order and is UUID-shaped', () => {
    const a = eventIdOf({ platformSessionId: '1', data: { Type: 'AgentState', CurrentState: 'Available' } }, identity);
    const b = eventIdOf({ platformSessionId: '1', data: { CurrentState: 'Available', Type: 'AgentState' } }, identity);
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it.each([
    ['tenant', { tenant: 'other', agentId: '2103457' }, '1'],
    ['agent', { tenant: 'acme', agentId: '1' }, '1'],
    ['platform session', identity, '2'],
  ])('differs when the %s differs', (_, otherIdentity, session) => {
    const data = { Type: 'Mute', AgentMuted: 'True' };
    expect(eventIdOf({ platformSessionId: session, data }, otherIdentity)).not.toBe(eventIdOf({ platformSessionId: '1', data }, identity));
  });

  it('canonicalises nested arrays and objects', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });
});

describe('executionNameFor', () => {
  it('names an execution from tenant, agent and the login time', () => {
    expect(executionNameFor('acme', '2103457', '2025-03-12T14:00:01.000Z')).toBe('acme-2103457-20250312T140001000Z');
  });

  it('gives a new login a new name and the same login the same name', () => {
    const first = executionNameFor('acme', '2103457', '2025-03-12T14:00:01Z');
    expect(executionNameFor('acme', '2103457', '2025-03-12T14:00:01.000Z')).toBe(first);
    expect(executionNameFor('acme', '2103457', '2025-03-12T18:30:00Z')).not.toBe(first);
  });

  it('stays within 80 valid characters with a restart and a generation suffix', () => {
    const base = executionNameFor('a'.repeat(24), '9'.repeat(60), 'not a date: weird/value');
    const name = nextGenerationName(nextGenerationName(`${restartName(base, 9999)}-g99999997`));
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sessionNameOf(name)).toBe(base);
  });

  it.each([
    ['an offset-less time as UTC', '2025-03-12T14:00:01', '2025-03-12T14:00:01.000Z'],
    ['an offset', '2025-03-12T15:00:01+01:00', '2025-03-12T14:00:01.000Z'],
    ['a compact offset', '2025-03-12T09:00:01.5-0500', '2025-03-12T14:00:01.500Z'],
    ['microseconds', '2025-03-12T14:00:01.123456Z', '2025-03-12T14:00:01.123Z'],
    ['a date alone', '2025-03-12', '2025-03-12T00:00:00.000Z'],
  ])('reads %s', (_, value, expected) => {
    expect(new Date(parseIsoInstant(value) as number).toISOString()).toBe(expected);
  });

  it('hashes a time that is not ISO 8601 as written instead of reading it in the local zone', () => {
    expect(parseIsoInstant('3/12/2025 2:00:01 PM')).toBeUndefined();
    expect(executionNameFor('acme', '1', '3/12/2025 2:00:01 PM')).toMatch(/^acme-1-[0-9a-f]{16}$/);
  });

  // Lambda runs in UTC; a laptop may not. The name of one login must be the same in both.
  it.each(['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham'])('names a login the same in time zone %s', (zone) => {
    const script = `import('./lambdas/sessions/execution-name.ts').then((m) => console.log(JSON.stringify([
      new Date(2025, 2, 12).getTimezoneOffset(),
      m.executionNameFor('acme', '1', '2025-03-12T14:00:01'),
      m.executionNameFor('acme', '1', '2025-03-12 14:00:01.250'),
      m.executionNameFor('acme', '1', 'Wed Mar 12 2025 14:00:01'),
    ])))`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, TZ: zone },
      encoding: 'utf8',
    });
    const [offset, ...names] = JSON.parse(output) as [number, ...string[]];
    // The child really ran in that zone (UTC has offset 0, the others do not).
    expect(offset === 0).toBe(zone === 'UTC');
    expect(names).toEqual(['acme-1-20250312T140001000Z', 'acme-1-20250312T140001250Z', executionNameFor('acme', '1', 'Wed Mar 12 2025 14:00:01')]);
  });
});

describe('parseExecutionName', () => {
  it.each([
    ['acme-1-20250312T140001000Z', { base: 'acme-1-20250312T140001000Z', restart: 0, generation: 1 }],
    ['acme-1-20250312T140001000Z-g2', { base: 'acme-1-20250312T140001000Z', restart: 0, generation: 2 }],
    ['acme-1-20250312T140001000Z-r3', { base: 'acme-1-20250312T140001000Z', restart: 3, generation: 1 }],
    ['acme-1-20250312T140001000Z-r1-g12', { base: 'acme-1-20250312T140001000Z', restart: 1, generation: 12 }],
    ['acme-1-0123456789abcdef', { base: 'acme-1-0123456789abcdef', restart: 0, generation: 1 }],
  ])('takes %s apart', (name, parts) => {
    expect(parseExecutionName(name)).toEqual(parts);
    expect(sessionNameOf(name)).toBe(parts.base);
  });

  it('keeps restart and generation apart when a restarted poller hands over', () => {
    expect(nextGenerationName(restartName('acme-1-20250312T140001000Z', 1))).toBe('acme-1-20250312T140001000Z-r1-g2');
    expect(nextGenerationName('acme-1-20250312T140001000Z-r1-g2')).toBe('acme-1-20250312T140001000Z-r1-g3');
  });
});
