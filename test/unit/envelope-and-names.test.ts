import { describe, expect, it } from 'vitest';
import { canonicalJson, eventIdOf } from '../../lambdas/publishing/envelope.js';
import { executionNameFor } from '../../lambdas/sessions/execution-name.js';

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

  it('stays within 80 valid characters', () => {
    const name = executionNameFor('a'.repeat(24), '9'.repeat(60), 'not a date: weird/value');
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
