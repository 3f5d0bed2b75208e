import { describe, expect, it } from 'vitest';
import type { AgentStateRecord, AgentStatesDelta } from '../../lambdas/cxone/agent-api.js';
import {
  type AgentFilter,
  type DiscoveryDeps,
  discoverSessions,
  EPOCH_CURSOR,
  isReconcileDue,
  type PollerRestart,
} from '../../lambdas/discovery/discover-sessions.js';
import { type DiscoveryCursor, MAX_CURSOR_CHARACTERS, parseDiscoveryCursor, serializeDiscoveryCursor } from '../../lambdas/discovery/discovery-cursor.js';
import { sessionNameOf } from '../../lambdas/sessions/execution-name.js';
import type { ExecutionStatus } from '../../lambdas/sessions/poller-restart.js';
import type { SessionExecutions } from '../../lambdas/sessions/start-agent-session.js';

const LOGIN = '2025-03-12T14:00:01.000Z';
const BASE = 'acme-1-20250312T140001000Z';
const loggedIn = (agentId: string, teamId = '10'): AgentStateRecord => ({
  agentId,
  teamId,
  isActive: true,
  agentStateName: 'Available',
  sessionStartTime: LOGIN,
});
const noFilter: AgentFilter = { includeAgentIds: [], excludeAgentIds: [], includeTeamIds: [], excludeTeamIds: [] };
const TEN_MINUTES = 600_000;
const NOW = Date.parse('2025-03-12T15:00:00Z');

/** Executions by name, as Step Functions would keep them; names are unique forever. */
function fakeStepFunctions(initial: Record<string, ExecutionStatus> = {}) {
  const executions = new Map(Object.entries(initial));
  const starts: string[] = [];
  let failNextStarts = 0;
  const api: SessionExecutions = {
    runningSessionNames: async () => new Set([...executions].filter(([, status]) => status === 'RUNNING').map(([name]) => sessionNameOf(name))),
    start: async (name) => {
      if (failNextStarts > 0) {
        failNextStarts -= 1;
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }
      starts.push(name);
      if (executions.has(name)) return { executionArn: `arn:${name}`, started: false };
      executions.set(name, 'RUNNING');
      return { executionArn: `arn:${name}`, started: true };
    },
    describe: async (name) => {
      const status = executions.get(name);
      return status ? { name, status, ...(status === 'RUNNING' ? {} : { stopDate: new Date(NOW - 60_000) }) } : undefined;
    },
  };
  const failStarts = (count: number) => {
    failNextStarts = count;
  };
  return { api, executions, starts, failStarts };
}

function fakes(reads: AgentStatesDelta[], options: { stored?: DiscoveryCursor; executions?: Record<string, ExecutionStatus> } = {}) {
  const stepFunctions = fakeStepFunctions(options.executions);
  const joined: string[] = [];
  const readsSince: string[] = [];
  const announced: PollerRestart[] = [];
  let stored = options.stored;
  let now = NOW;
  const deps = (filter: AgentFilter = noFilter): DiscoveryDeps => ({
    tenant: 'acme',
    cxone: {
      getAgentStatesSince: async (since: string) => {
        readsSince.push(since);
        return reads.shift() ?? { agentStates: [] };
      },
      joinSession: async (agentId: string) => {
        joined.push(agentId);
        return `cursor-${agentId}`;
      },
    },
    executions: stepFunctions.api,
    cursor: {
      load: async () => stored,
      save: async (value) => {
        stored = value;
      },
    },
    filter,
    reconcileEveryMs: TEN_MINUTES,
    announceRestarts: async (restarts) => void announced.push(...restarts),
    now: () => now,
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { deps, stepFunctions, joined, readsSince, announced, stored: () => stored, advance };
}

const reconciledRecently = (lastPollTime: string, retry: DiscoveryCursor['retry'] = []): DiscoveryCursor => ({
  v: 1,
  lastPollTime,
  reconciledAt: new Date(NOW - 60_000).toISOString(),
  retry,
});

describe('discoverSessions', () => {
  it('reconciles against every agent on its first run and starts logged-in agents', async () => {
    const f = fakes([
      { agentStates: [loggedIn('1'), { ...loggedIn('2'), isActive: false, agentStateName: 'LoggedOut' }], lastPollTime: '2025-03-12T14:01:00Z' },
    ]);
    const outcome = await discoverSessions(f.deps());
    expect(f.readsSince).toEqual([EPOCH_CURSOR]);
    expect(outcome).toMatchObject({ mode: 'reconcile', started: [BASE] });
    // The execution joins the session itself on its first poll: discovery never rotates a cursor.
    expect(f.joined).toEqual([]);
    expect(f.stored()).toEqual({ v: 1, lastPollTime: '2025-03-12T14:01:00Z', reconciledAt: new Date(NOW).toISOString(), retry: [] });
  });

  it('reads the delta between reconciles and the full list again once the interval has passed', async () => {
    const f = fakes([
      { agentStates: [], lastPollTime: 'T1' },
      { agentStates: [], lastPollTime: 'T2' },
      { agentStates: [], lastPollTime: 'T3' },
    ]);
    await discoverSessions(f.deps());
    f.advance(TEN_MINUTES - 1);
    expect((await discoverSessions(f.deps())).mode).toBe('delta');
    f.advance(1);
    expect((await discoverSessions(f.deps())).mode).toBe('reconcile');
    expect(f.readsSince).toEqual([EPOCH_CURSOR, 'T1', EPOCH_CURSOR]);
  });

  it('reconciles when the stored cursor is of an older version (a bare lastPollTime)', async () => {
    const f = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'T2' }], { stored: { v: 1, lastPollTime: 'T1', retry: [] } });
    expect((await discoverSessions(f.deps())).mode).toBe('reconcile');
    expect(f.readsSince).toEqual([EPOCH_CURSOR]);
  });

  it('reconciles on the first run after one that could not read CXone', async () => {
    const f = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'T2' }], { stored: reconciledRecently('T1') });
    const deps = f.deps();
    const read = deps.cxone.getAgentStatesSince;
    deps.cxone.getAgentStatesSince = async () => {
      throw Object.assign(new Error('HTTP 503'), { name: 'CxoneUnavailableError' });
    };
    await expect(discoverSessions(deps)).rejects.toThrow('HTTP 503');
    expect(f.stored()).toEqual({ v: 1, lastPollTime: 'T1', retry: [] });
    deps.cxone.getAgentStatesSince = read;
    expect(await discoverSessions(deps)).toMatchObject({ mode: 'reconcile', started: [BASE] });
    expect(f.readsSince).toEqual([EPOCH_CURSOR]);
  });

  it('leaves a login whose poller runs alone, without joining', async () => {
    const f = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'x' }], { executions: { [`${BASE}-r1-g3`]: 'RUNNING' } });
    const outcome = await discoverSessions(f.deps());
    expect(f.joined).toEqual([]);
    expect(outcome).toMatchObject({ started: [], alreadyRunning: 1 });
  });

  it.each<[string, Record<string, ExecutionStatus>, string]>([
    ['a failed first poller', { [BASE]: 'FAILED' }, `${BASE}-r1`],
    ['a stopped later generation', { [BASE]: 'SUCCEEDED', [`${BASE}-g2`]: 'ABORTED' }, `${BASE}-r1`],
    ['a timed-out restart', { [BASE]: 'FAILED', [`${BASE}-r1`]: 'TIMED_OUT' }, `${BASE}-r2`],
    ['a failed generation of a restart', { [BASE]: 'FAILED', [`${BASE}-r1`]: 'SUCCEEDED', [`${BASE}-r1-g2`]: 'FAILED' }, `${BASE}-r2`],
  ])('restarts the login after %s under the next restart name', async (_, executions, expected) => {
    const f = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'x' }], { executions });
    const outcome = await discoverSessions(f.deps());
    expect(outcome.started).toEqual([expected]);
    expect(f.announced).toEqual([
      { agentId: '1', execution: expected, previous: expect.objectContaining({ status: expect.stringMatching(/FAILED|ABORTED|TIMED_OUT/) }) },
    ]);
    expect(f.announced[0]?.previous.stopDate).toBeInstanceOf(Date);
  });

  it('does not restart a login whose latest execution succeeded (the session ended)', async () => {
    const f = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'x' }], { executions: { [BASE]: 'SUCCEEDED', [`${BASE}-g2`]: 'SUCCEEDED' } });
    const outcome = await discoverSessions(f.deps());
    expect(outcome).toMatchObject({ started: [], ended: 1 });
    expect(f.stepFunctions.starts).toEqual([]);
    expect(f.announced).toEqual([]);
  });

  it('computes the same restart name in two racing runs, so Step Functions starts it once', async () => {
    const stepFunctions = fakeStepFunctions({ [BASE]: 'ABORTED' });
    const a = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'x' }]);
    const b = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'x' }]);
    // Both runs list the running executions before either starts one.
    const listedEmpty = async () => new Set<string>();
    const depsA = { ...a.deps(), executions: { ...stepFunctions.api, runningSessionNames: listedEmpty } };
    const depsB = { ...b.deps(), executions: { ...stepFunctions.api, runningSessionNames: listedEmpty } };
    const [first, second] = await Promise.all([discoverSessions(depsA), discoverSessions(depsB)]);
    expect(stepFunctions.starts).toEqual([`${BASE}-r1`, `${BASE}-r1`]);
    expect([...stepFunctions.executions.keys()]).toEqual([BASE, `${BASE}-r1`]);
    expect([first.started, second.started].flat()).toEqual([`${BASE}-r1`]);
  });

  it.each<[string, Partial<AgentFilter>, string[]]>([
    ['an agent id exclusion', { excludeAgentIds: ['2'] }, ['1', '3']],
    ['a team exclusion', { excludeTeamIds: ['20'] }, ['1']],
    ['an agent id inclusion', { includeAgentIds: ['3'] }, ['3']],
    ['a team inclusion', { includeTeamIds: ['20'] }, ['2', '3']],
    ['an exclusion over an inclusion', { includeTeamIds: ['20'], excludeAgentIds: ['3'] }, ['2']],
  ])('applies %s', async (_, filter, expected) => {
    const f = fakes([{ agentStates: [loggedIn('1', '10'), loggedIn('2', '20'), loggedIn('3', '20')], lastPollTime: 'x' }]);
    const outcome = await discoverSessions(f.deps({ ...noFilter, ...filter }));
    expect(f.stepFunctions.starts).toEqual(expected.map((agentId) => `acme-${agentId}-20250312T140001000Z`));
    expect(outcome.excluded).toBe(3 - expected.length);
  });

  it('keeps the cursor when CXone reports no change (304)', async () => {
    const f = fakes([{ agentStates: [] }], { stored: reconciledRecently('T1') });
    const outcome = await discoverSessions(f.deps());
    expect(outcome).toMatchObject({ mode: 'delta', cursor: 'T1' });
    expect(f.stored()?.lastPollTime).toBe('T1');
  });

  it('goes on with the other agents when one cannot be started, and retries it on the next run', async () => {
    const f = fakes(
      [
        { agentStates: [loggedIn('1'), loggedIn('2')], lastPollTime: 'T2' },
        { agentStates: [], lastPollTime: undefined },
      ],
      { stored: reconciledRecently('T1') },
    );
    const deps = f.deps();
    let refuse = true;
    const start = deps.executions.start;
    deps.executions = {
      ...deps.executions,
      start: async (name, input) => {
        if (input.agentId === '1' && refuse) throw Object.assign(new Error('HTTP 429'), { name: 'CxoneUnavailableError' });
        return start(name, input);
      },
    };
    const first = await discoverSessions(deps);
    expect(first.failed).toEqual([{ agentId: '1', reason: 'CxoneUnavailableError: HTTP 429' }]);
    expect(first.started).toEqual(['acme-2-20250312T140001000Z']);
    // The cursor moves on, and the agent it could not start rides along in the retry list.
    expect(f.stored()).toMatchObject({ lastPollTime: 'T2', retry: [{ agentId: '1', sessionStartTime: LOGIN, teamId: '10' }] });

    refuse = false;
    const second = await discoverSessions(deps);
    expect(second).toMatchObject({ mode: 'delta', changed: 0, started: [BASE], failed: [] });
    expect(f.stored()).toMatchObject({ lastPollTime: 'T2', retry: [] });
  });

  it('retries an agent whose StartExecution was throttled', async () => {
    const f = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'T2' }, { agentStates: [] }], { stored: reconciledRecently('T1') });
    f.stepFunctions.failStarts(1);
    expect((await discoverSessions(f.deps())).failed).toEqual([{ agentId: '1', reason: 'ThrottlingException: Rate exceeded' }]);
    expect((await discoverSessions(f.deps())).started).toEqual([BASE]);
  });

  it('drops a retry entry once the delta says the agent logged out', async () => {
    const loggedOut = { ...loggedIn('1'), isActive: false, agentStateName: 'LoggedOut' };
    const f = fakes([{ agentStates: [loggedOut], lastPollTime: 'T2' }], { stored: reconciledRecently('T1', [{ agentId: '1', sessionStartTime: LOGIN }]) });
    const outcome = await discoverSessions(f.deps());
    expect(outcome.started).toEqual([]);
    expect(f.stored()?.retry).toEqual([]);
  });

  it('keeps the restart when its event cannot be published, and says so', async () => {
    const f = fakes([{ agentStates: [loggedIn('1')], lastPollTime: 'x' }], { executions: { [BASE]: 'FAILED' } });
    const deps = f.deps();
    deps.announceRestarts = async () => {
      throw Object.assign(new Error('bus refused'), { name: 'RestartAnnouncementError' });
    };
    const outcome = await discoverSessions(deps);
    expect(outcome).toMatchObject({ started: [`${BASE}-r1`], announceError: 'RestartAnnouncementError: bus refused' });
  });
});

describe('the stored discovery cursor', () => {
  it('reads the bare lastPollTime of an older version as a cursor with a reconcile due', () => {
    expect(parseDiscoveryCursor('2025-03-12T14:01:00.000Z')).toEqual({ v: 1, lastPollTime: '2025-03-12T14:01:00.000Z', retry: [] });
  });

  it('counts an unreadable value as lost', () => {
    expect(parseDiscoveryCursor('{"v":2}')).toBeUndefined();
    expect(parseDiscoveryCursor('{not json')).toBeUndefined();
  });

  it('round-trips through its stored form', () => {
    const cursor = reconciledRecently('T1', [{ agentId: '1', sessionStartTime: LOGIN, teamId: '10' }]);
    expect(parseDiscoveryCursor(serializeDiscoveryCursor(cursor))).toEqual(cursor);
  });

  it('gives up a retry list too long for the parameter for a reconcile on the next run', () => {
    const retry = Array.from({ length: 200 }, (_, index) => ({ agentId: String(1_000_000 + index), sessionStartTime: LOGIN }));
    const stored = serializeDiscoveryCursor(reconciledRecently('T1', retry));
    expect(stored.length).toBeLessThanOrEqual(MAX_CURSOR_CHARACTERS);
    const cursor = parseDiscoveryCursor(stored);
    expect(cursor).toEqual({ v: 1, lastPollTime: 'T1', retry: [] });
    expect(isReconcileDue(cursor, NOW, TEN_MINUTES)).toBe(true);
  });
});
