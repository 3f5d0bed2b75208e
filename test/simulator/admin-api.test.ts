import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { admin, getToken, poll, typeOf } from './sim-client.js';

const customEvent = { IISHost: 'H', VCHost: 'H', type: 'CustomEvent', eventName: 'Probe', data: 'x' };

describe('admin API', () => {
  let sim: CxoneSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startCxoneSimulator({ agents: ['2103457', '2103458'], timeScale: 6_000 });
    token = await getToken(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('logs an agent in and answers 409 to a second login', async () => {
    const login = await admin(sim, 'POST', '/agents/2103457/login', { stationPhoneNumber: '8015550143' });
    const again = await admin(sim, 'POST', '/agents/2103457/login', {});

    expect(login.status).toBe(200);
    expect(login.json).toMatchObject({
      agentId: '2103457',
      sessionId: expect.stringMatching(/^\d+$/),
      apiSessionId: expect.stringMatching(/^[A-Za-z0-9+/=]{80}$/),
      sessionStartTime: expect.any(String),
    });
    expect(again.status).toBe(409);
  });

  it('enqueues exact events, records them with timestamps and logs their delivery', async () => {
    const apiSessionId = (await admin(sim, 'POST', '/agents/2103458/login', {})).json.apiSessionId;
    const before = Date.now();

    const queued = await admin(sim, 'POST', '/agents/2103458/events', { events: [customEvent] });
    const delivered = await poll(sim, token, apiSessionId, 0);
    const emitted = await admin(sim, 'GET', '/emitted?agentId=2103458');
    const batches = await admin(sim, 'GET', '/delivered?agentId=2103458');

    expect(queued.status).toBe(202);
    expect(delivered.json.events.at(-1)).toEqual(customEvent);
    const record = emitted.json.events.at(-1);
    expect(record).toMatchObject({ agentId: '2103458', sessionId: expect.stringMatching(/^\d+$/), event: customEvent });
    expect(record.emittedAt).toBeGreaterThanOrEqual(before);
    expect(record.deliveredAt).toBeGreaterThanOrEqual(record.emittedAt);
    expect(typeof record.emittedAtPerf).toBe('number');
    expect(batches.json.batches.at(-1)).toMatchObject({ snapshot: false, responseSessionId: delivered.json.sessionId });
  });

  it.each([
    ['a body without events', '/agents/2103458/events', { events: [] }, 400],
    ['an event without Type', '/agents/2103458/events', { events: [{ Foo: 'x' }] }, 400],
    ['a malformed agent id', '/agents/abc/login', {}, 400],
    ['an unknown route', '/nothing', {}, 404],
  ] as const)('rejects %s', async (_case, path, body, status) => {
    expect((await admin(sim, 'POST', path, body)).status).toBe(status);
  });

  it('answers 409 to events for an agent without a session', async () => {
    const res = await admin(sim, 'POST', '/agents/2109999/events', { events: [customEvent] });
    expect(res.status).toBe(409);
  });

  it('logs out with AgentSessionEnd, or RemoteAgentSessionEnd when remote', async () => {
    const res = await admin(sim, 'POST', '/agents/2103457/logout', { remote: true });
    const again = await admin(sim, 'POST', '/agents/2103457/logout', {});

    expect(res.status).toBe(200);
    expect(again.status).toBe(409);
    const last = sim.emittedEvents({ agentId: '2103457' }).at(-1)?.event ?? {};
    expect(last).toMatchObject({ Type: 'RemoteAgentSessionEnd', Message: 'RemoteLogoff' });
  });

  it('lists agents and reports stats', async () => {
    const agents = await admin(sim, 'GET', '/agents');
    const stats = await admin(sim, 'GET', '/stats');

    expect(agents.json.agents.map((a: { agentId: string }) => a.agentId)).toEqual(expect.arrayContaining(['2103457', '2103458']));
    expect(stats.json).toMatchObject({
      polls: expect.objectContaining({ '200': expect.any(Number), '304': expect.any(Number), dropped: 0 }),
      eventsEmitted: expect.any(Number),
      eventsDelivered: expect.any(Number),
      tokenRequests: 1,
    });
  });

  it('starts and stops the scenario, and logout-all ends every session', async () => {
    const started = await admin(sim, 'POST', '/scenario/start');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const all = await admin(sim, 'POST', '/logout-all');
    const stopped = await admin(sim, 'POST', '/scenario/stop');

    expect(started.json).toEqual({ running: true });
    expect(all.status).toBe(200);
    expect(all.json.loggedOut).toBeGreaterThan(0);
    expect(stopped.json).toEqual({ running: false });
    expect(sim.agents().every((a) => !a.loggedIn)).toBe(true);
    const lastPerSession = new Map(sim.emittedEvents().map((e) => [e.sessionId, e.event]));
    for (const event of lastPerSession.values()) expect(typeOf(event)).toMatch(/AgentSessionEnd$/);
  });
});
