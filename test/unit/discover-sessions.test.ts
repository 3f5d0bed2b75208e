import { describe, expect, it } from 'vitest';
import type { AgentStateRecord, AgentStatesDelta } from '../../lambdas/cxone/agent-api.js';
import { type AgentFilter, discoverSessions, EPOCH_CURSOR } from '../../lambdas/discovery/discover-sessions.js';
import type { SessionExecutions } from '../../lambdas/sessions/start-agent-session.js';

const loggedIn = (agentId: string, teamId = '10'): AgentStateRecord => ({ agentId, teamId, isActive: true, agentStateName: 'Available', sessionStartTime: '2025-03-12T14:00:01.000Z' });
const noFilter: AgentFilter = { includeAgentIds: [], excludeAgentIds: [], includeTeamIds: [], excludeTeamIds: [] };

function fakes(delta: AgentStatesDelta, running: string[] = []) {
  const joined: string[] = [];
  const started: string[] = [];
  let cursor: string | undefined;
  const executions: SessionExecutions = {
    runningSessionNames: async () => new Set(running),
    start: async (name) => {
      started.push(name);
      return { executionArn: `arn:${name}`, started: true };
    },
  };
  return {
    joined,
    started,
    savedCursor: () => cursor,
    deps: (filter: AgentFilter = noFilter) => ({
      tenant: 'acme',
      cxone: {
        getAgentStatesSince: async (since: string) => {
          expect(since).toBe(EPOCH_CURSOR);
          return delta;
        },
        joinSession: async (agentId: string) => {
          joined.push(agentId);
          return `cursor-${agentId}`;
        },
      },
      executions,
      cursor: {
        load: async () => undefined,
        save: async (value: string) => {
          cursor = value;
        },
      },
      filter,
    }),
  };
}

describe('discoverSessions', () => {
  it('starts logged-in agents, skips logged-out ones and moves the cursor', async () => {
    const f = fakes({ agentStates: [loggedIn('1'), { ...loggedIn('2'), isActive: false, agentStateName: 'LoggedOut' }], lastPollTime: '2025-03-12T14:01:00Z' });
    const outcome = await discoverSessions(f.deps());
    expect(f.joined).toEqual(['1']);
    expect(outcome.started).toEqual(['acme-1-20250312T140001000Z']);
    expect(f.savedCursor()).toBe('2025-03-12T14:01:00Z');
  });

  it('leaves a login whose poller runs alone, without joining', async () => {
    const f = fakes({ agentStates: [loggedIn('1')], lastPollTime: 'x' }, ['acme-1-20250312T140001000Z']);
    const outcome = await discoverSessions(f.deps());
    expect(f.joined).toEqual([]);
    expect(outcome).toMatchObject({ started: [], alreadyRunning: 1 });
  });

  it.each<[string, Partial<AgentFilter>, string[]]>([
    ['an agent id exclusion', { excludeAgentIds: ['2'] }, ['1', '3']],
    ['a team exclusion', { excludeTeamIds: ['20'] }, ['1']],
    ['an agent id inclusion', { includeAgentIds: ['3'] }, ['3']],
    ['a team inclusion', { includeTeamIds: ['20'] }, ['2', '3']],
    ['an exclusion over an inclusion', { includeTeamIds: ['20'], excludeAgentIds: ['3'] }, ['2']],
  ])('applies %s', async (_, filter, expected) => {
    const f = fakes({ agentStates: [loggedIn('1', '10'), loggedIn('2', '20'), loggedIn('3', '20')], lastPollTime: 'x' });
    const outcome = await discoverSessions(f.deps({ ...noFilter, ...filter }));
    expect(f.joined).toEqual(expected);
    expect(outcome.excluded).toBe(3 - expected.length);
  });

  it('keeps the cursor when CXone reports no change (304)', async () => {
    const f = fakes({ agentStates: [] });
    const outcome = await discoverSessions(f.deps());
    expect(outcome.cursor).toBe(EPOCH_CURSOR);
    expect(f.savedCursor()).toBeUndefined();
  });

  it('goes on with the other agents when one cannot be joined', async () => {
    const f = fakes({ agentStates: [loggedIn('1'), loggedIn('2')], lastPollTime: 'x' });
    const deps = f.deps();
    deps.cxone.joinSession = async (agentId: string) => {
      if (agentId === '1') throw new Error('no session to join');
      return 'cursor';
    };
    const outcome = await discoverSessions(deps);
    expect(outcome.failed).toEqual([{ agentId: '1', reason: 'Error: no session to join' }]);
    expect(outcome.started).toEqual(['acme-2-20250312T140001000Z']);
  });
});
