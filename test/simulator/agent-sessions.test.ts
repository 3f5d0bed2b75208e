import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { api, getToken, poll, typeOf } from './sim-client.js';

const AGENTS = ['2103457', '2103458', '2103459', '2103460', '2103461', '2103462', '2103463'] as const;

describe('agent sessions', () => {
  let sim: CxoneSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startCxoneSimulator({ agents: [...AGENTS] });
    token = await getToken(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('starts a session with 202 {sessionId} and answers 409 to a second start', async () => {
    const first = await api(sim, token, 'POST', '/agent-sessions', { stationPhoneNumber: '8015550143', asAgentId: 2103458 });
    const second = await api(sim, token, 'POST', '/agent-sessions', { stationPhoneNumber: '8015550143', asAgentId: 2103458 });

    expect(first.status).toBe(202);
    expect(first.json.sessionId).toMatch(/^[A-Za-z0-9+/=]{80}$/);
    expect(second.status).toBe(409);
    const events = (await poll(sim, token, first.json.sessionId, 0)).json.events;
    expect(events[0]).toMatchObject({ Type: 'AgentSessionStart', AgentId: '2103458', StationPhoneNumber: '8015550143' });
  });

  it('accepts start parameters in the query string', async () => {
    const res = await api(sim, token, 'POST', '/agent-sessions?stationId=77001&asAgentId=2103459');
    expect(res.status).toBe(202);
  });

  it('starts the API user own session when asAgentId is absent', async () => {
    const res = await api(sim, token, 'POST', '/agent-sessions', { stationPhoneNumber: '8015550143' });
    const events = (await poll(sim, token, res.json.sessionId, 0)).json.events;
    expect(events[0]).toMatchObject({ AgentId: AGENTS[0] });
  });

  it('rejects a start without stationId or stationPhoneNumber with 400', async () => {
    const res = await api(sim, token, 'POST', '/agent-sessions', { asAgentId: 2103460 });
    expect(res.status).toBe(400);
  });

  it('answers 404 to a start for an unknown agent', async () => {
    const res = await api(sim, token, 'POST', '/agent-sessions', { stationPhoneNumber: '1', asAgentId: 9 });
    expect(res.status).toBe(404);
  });

  it('joins an existing session with 202 {sessionId}', async () => {
    sim.loginAgent('2103460');
    const res = await api(sim, token, 'POST', '/agent-sessions/join', { asAgentId: 2103460 });

    expect(res.status).toBe(202);
    const events = (await poll(sim, token, res.json.sessionId, 0)).json.events;
    expect(events.map(typeOf)[0]).toBe('AgentSessionStart');
  });

  it('answers 409 to a join when the agent has no session', async () => {
    const res = await api(sim, token, 'POST', '/agent-sessions/join', { asAgentId: 2103461 });
    expect(res.status).toBe(409);
  });

  it('restates the session on the first poll after a join once events were delivered', async () => {
    const login = sim.loginAgent('2103462');
    const drained = await poll(sim, token, login.apiSessionId, 0);
    expect(drained.status).toBe(200);

    const joined = await api(sim, token, 'POST', '/agent-sessions/join?asAgentId=2103462');
    const first = await poll(sim, token, joined.json.sessionId, 0);
    const desktopCursor = await poll(sim, token, drained.json.sessionId, 0);

    expect(first.json.events.map(typeOf)).toEqual(['AgentSessionStart', 'AgentLeg', 'AgentState']);
    // The join made the earlier cursor stale: it now gets a snapshot too.
    expect(desktopCursor.json.events.map(typeOf)[0]).toBe('AgentSessionStart');
  });

  it('ends a session with 202, then 409 for a second end and 404 for an unknown id', async () => {
    const login = sim.loginAgent('2103463');
    const path = `/agent-sessions/${encodeURIComponent(login.apiSessionId)}`;

    const ended = await api(sim, token, 'DELETE', path);
    const again = await api(sim, token, 'DELETE', path);
    const unknown = await api(sim, token, 'DELETE', `/agent-sessions/${'A'.repeat(80)}`);

    expect(ended.status).toBe(202);
    expect(again.status).toBe(409);
    expect(unknown.status).toBe(404);
    const events = (await poll(sim, token, login.apiSessionId, 0)).json.events;
    expect(events.map(typeOf).at(-1)).toBe('AgentSessionEnd');
  });

  it('sets the agent state with 202 and emits AgentState with the reason', async () => {
    const login = sim.loginAgent('2103461');
    const drained = await poll(sim, token, login.apiSessionId, 0);
    const path = `/agent-sessions/${encodeURIComponent(drained.json.sessionId)}/state`;

    const res = await api(sim, token, 'POST', path, { state: 'Unavailable', reason: 'Break' });
    const events = (await poll(sim, token, drained.json.sessionId, 0)).json.events;

    expect(res.status).toBe(202);
    expect(events).toEqual([expect.objectContaining({ Type: 'AgentState', CurrentState: 'Unavailable', CurrentOutReason: 'Break' })]);
  });

  it.each([
    ['an invalid state', 'valid', { state: 'Sleeping' }, 400],
    ['an unknown session', 'unknown', { state: 'Available' }, 404],
    ['an ended session', 'ended', { state: 'Available' }, 409],
  ] as const)('answers set-state for %s with its status', async (_case, kind, body, status) => {
    const agentId = kind === 'ended' ? '2103463' : '2103461';
    const cursor = kind === 'unknown' ? 'B'.repeat(80) : (sim.deliveredBatches({ agentId }).at(-1)?.responseSessionId ?? '');
    const res = await api(sim, token, 'POST', `/agent-sessions/${encodeURIComponent(cursor)}/state`, body);
    expect(res.status).toBe(status);
  });
});

describe('agents/states', () => {
  let sim: CxoneSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startCxoneSimulator({ agents: 3 });
    token = await getToken(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('lists every agent with the real-time fields', async () => {
    sim.loginAgent('2103457');
    const res = await api(sim, token, 'GET', '/agents/states');

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ totalRecords: 3, lastPollTime: expect.any(String), _links: expect.any(Object) });
    const [loggedIn, loggedOut] = res.json.agentStates;
    expect(loggedIn).toMatchObject({
      agentId: 2103457,
      agentStateName: 'Available',
      isActive: true,
      teamId: expect.any(Number),
      teamName: expect.any(String),
      sessionStartTime: expect.any(String),
      lastUpdateTime: expect.any(String),
    });
    expect(loggedOut).toMatchObject({ agentId: 2103458, agentStateName: 'LoggedOut', isActive: false, sessionStartTime: null });
  });

  it('answers a delta poll with 304 when nothing changed and with the changed agent otherwise', async () => {
    const first = await api(sim, token, 'GET', '/agents/states');
    const since = encodeURIComponent(first.json.lastPollTime);
    const unchanged = await api(sim, token, 'GET', `/agents/states?updatedSince=${since}`);

    sim.loginAgent('2103458');
    const changed = await api(sim, token, 'GET', `/agents/states?updatedSince=${since}`);

    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    expect(changed.status).toBe(200);
    expect(changed.json.agentStates.map((r: { agentId: number }) => r.agentId)).toEqual([2103458]);
  });

  it('keeps sessionStartTime stable for one login and changes it for the next', async () => {
    const row = async () => (await api(sim, token, 'GET', '/agents/2103459/states')).json.agentStates[0];
    sim.loginAgent('2103459');
    const a = await row();
    sim.enqueueEvents('2103459', [{ IISHost: 'H', VCHost: 'H', Type: 'Mute', AgentMuted: 'True' }]);
    const b = await row();
    sim.logoutAgent('2103459');
    sim.loginAgent('2103459');
    const c = await row();

    expect(a.sessionStartTime).toBe(b.sessionStartTime);
    expect(c.sessionStartTime).not.toBe(a.sessionStartTime);
    expect(a).toHaveProperty('lastPollTime');
  });

  it('rejects an updatedSince that is not a date with 400', async () => {
    expect((await api(sim, token, 'GET', '/agents/states?updatedSince=yesterday')).status).toBe(400);
  });
});
