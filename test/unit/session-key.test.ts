import { describe, expect, it } from 'vitest';
import { executionNameFor, sessionNameOf } from '../../lambdas/sessions/execution-name.js';
import { type SessionExecutions, startPolling } from '../../lambdas/sessions/start-agent-session.js';

describe('sessionNameOf (the session key)', () => {
  const base = executionNameFor('acme', '2103457', '2025-03-12T14:00:01.000Z');

  it.each([
    [base, base],
    [`${base}-g2`, base],
    [`${base}-r1`, base],
    [`${base}-r3-g12`, base],
  ])('reads %s as the login %s', (name, key) => {
    expect(sessionNameOf(name)).toBe(key);
  });

  it('keeps a hashed long name whole', () => {
    const long = executionNameFor('a-very-long-tenant-name-that-overflows-the-limit', '2103457', 'not a date');
    expect(sessionNameOf(`${long}-r2-g3`)).toBe(long);
  });
});

describe('startPolling', () => {
  const login = { tenant: 'acme', agentId: '2103457', sessionStartTime: '2025-03-12T14:00:01.000Z' };
  const recording = () => {
    const inputs: unknown[] = [];
    const executions: SessionExecutions = {
      runningSessionNames: async () => new Set(),
      start: async (name, input) => {
        inputs.push(input);
        return { executionArn: `arn:${name}`, started: true };
      },
      describe: async () => undefined,
    };
    return { inputs, executions };
  };

  it('starts the execution with the agent only: the execution joins the session itself', async () => {
    const { inputs, executions } = recording();
    const cxone = { joinSession: async () => Promise.reject(new Error('must not join')) };
    await startPolling(login, cxone, executions, new Set());
    expect(inputs).toEqual([{ agentId: '2103457' }]);
  });

  it('passes the cursor when the bridge itself started the session on a station', async () => {
    const { inputs, executions } = recording();
    await startPolling({ ...login, sessionId: 'cursor-from-start' }, undefined, executions, new Set());
    expect(inputs).toEqual([{ agentId: '2103457', sessionId: 'cursor-from-start' }]);
  });
});
