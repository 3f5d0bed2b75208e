import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMute, type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { admin, getToken, poll } from './sim-client.js';

const mute = buildMute({ hosts: { iisHost: 'H', vcHost: 'H' }, muted: true });

describe('fault injection on get-next-event', () => {
  let sim: CxoneSimulator;
  let token: string;
  let nextAgent = 4_000_001;

  beforeAll(async () => {
    sim = await startCxoneSimulator({ agents: 1, seed: 5 });
    token = await getToken(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  /** A logged-in agent with one Mute queued behind its drained login events. */
  const agentWithQueuedEvent = async () => {
    const agentId = String(nextAgent++);
    const login = sim.loginAgent(agentId);
    const drained = await poll(sim, token, login.apiSessionId, 0);
    sim.enqueueEvents(agentId, [mute]);
    return { agentId, cursor: drained.json.sessionId as string };
  };

  it('answers scripted 503s with Retry-After and keeps the queued events', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();
    sim.injectFault({ agentId, count: 2, fault: { status: 503, retryAfterSeconds: 7 } });

    const first = await poll(sim, token, cursor, 0);
    const second = await poll(sim, token, cursor, 0);
    const third = await poll(sim, token, cursor, 0);

    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(third.json.events).toEqual([mute]);
  });

  it('answers 429 with Retry-After', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();
    sim.injectFault({ agentId, count: 1, fault: { status: 429, retryAfterSeconds: 2 } });

    const res = await poll(sim, token, cursor, 0);

    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('drops the connection without a response and loses no event', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();
    sim.injectFault({ agentId, count: 1, fault: { drop: true } });
    const dropped = sim.stats().polls.dropped;

    const failure = await poll(sim, token, cursor, 0).then(
      () => undefined,
      (error: unknown) => error,
    );
    const retry = await poll(sim, token, cursor, 0);

    expect(failure).toBeInstanceOf(TypeError);
    expect(sim.stats().polls.dropped).toBe(dropped + 1);
    expect(retry.status).toBe(200);
    expect(retry.json.events).toEqual([mute]);
  });

  it('answers a malformed 200 body without consuming the queue', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();
    sim.injectFault({ agentId, count: 1, fault: { body: '{"sessionId": "trunc' } });

    const malformed = await poll(sim, token, cursor, 0);
    const retry = await poll(sim, token, cursor, 0);

    expect(malformed.status).toBe(200);
    expect(malformed.text).toBe('{"sessionId": "trunc');
    expect(retry.json.events).toEqual([mute]);
  });

  it('answers 401 mid-stream when scripted, then serves the same sessionId', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();
    sim.injectFault({ agentId, count: 1, fault: { status: 401 } });

    expect((await poll(sim, token, cursor, 0)).status).toBe(401);
    expect((await poll(sim, token, cursor, 0)).json.events).toEqual([mute]);
  });

  it('serves a slow poll normally after the delay', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();
    sim.injectFault({ agentId, count: 1, fault: { delayMs: 200 } });

    const res = await poll(sim, token, cursor, 0);

    expect(res.status).toBe(200);
    expect(res.json.events).toEqual([mute]);
  });

  it('limits a fault to the agent it names', async () => {
    const target = await agentWithQueuedEvent();
    const other = await agentWithQueuedEvent();
    sim.injectFault({ agentId: target.agentId, probability: 1, fault: { status: 500 } });

    const otherRes = await poll(sim, token, other.cursor, 0);
    const targetRes = await poll(sim, token, target.cursor, 0);
    sim.clearFaults();
    const afterClear = await poll(sim, token, target.cursor, 0);

    expect(otherRes.status).toBe(200);
    expect(targetRes.status).toBe(500);
    expect(afterClear.json.events).toEqual([mute]);
  });

  it('draws probabilistic faults reproducibly from the seed', async () => {
    const outcomes = async (seed: number) => {
      const seeded = await startCxoneSimulator({ agents: 1, seed });
      try {
        const seededToken = await getToken(seeded);
        const login = seeded.loginAgent(seeded.agentIds[0] ?? '');
        const cursor = (await poll(seeded, seededToken, login.apiSessionId, 0)).json.sessionId;
        seeded.injectFault({ probability: 0.5, fault: { status: 502 } });
        const statuses: number[] = [];
        for (let i = 0; i < 24; i++) statuses.push((await poll(seeded, seededToken, cursor, 0)).status);
        return statuses;
      } finally {
        await seeded.close();
      }
    };

    const [a, b] = [await outcomes(99), await outcomes(99)];

    expect(a).toEqual(b);
    expect(a).toContain(502);
    expect(a).toContain(304);
  });

  it('manages faults through the admin API and rejects invalid rules with 400', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();

    const added = await admin(sim, 'POST', '/faults', { agentId, count: 1, fault: { status: 504 } });
    const listed = await admin(sim, 'GET', '/faults');
    const faulted = await poll(sim, token, cursor, 0);
    const invalid = await admin(sim, 'POST', '/faults', { count: 1, fault: {} });
    await admin(sim, 'POST', '/faults', { probability: 1, fault: { status: 500 } });
    const cleared = await admin(sim, 'DELETE', '/faults');
    const served = await poll(sim, token, cursor, 0);

    expect(added.status).toBe(201);
    expect(listed.json.faults).toEqual([expect.objectContaining({ agentId, remaining: 1 })]);
    expect(faulted.status).toBe(504);
    expect(invalid.status).toBe(400);
    expect(cleared.status).toBe(200);
    expect(served.json.events).toEqual([mute]);
  });

  it('counts polls by outcome', async () => {
    const before = sim.stats().polls;
    const { agentId, cursor } = await agentWithQueuedEvent();
    sim.injectFault({ agentId, count: 1, fault: { status: 503 } });

    await poll(sim, token, cursor, 0);
    const ok = await poll(sim, token, cursor, 0);
    await poll(sim, token, ok.json.sessionId, 0);
    await poll(sim, token, ok.json.sessionId, 99);

    const after = sim.stats().polls;
    // The drain poll of the login plus the served poll.
    expect(after['200'] - before['200']).toBe(2);
    expect(after['5xx'] - before['5xx']).toBe(1);
    expect(after['304'] - before['304']).toBe(1);
    expect(after['4xx'] - before['4xx']).toBe(1);
  });
  it('faults every poll of a window of simulated time, opening after its start', async () => {
    const { agentId, cursor } = await agentWithQueuedEvent();
    // At the default 60x, an hour of simulated time is a real minute: open for this whole test.
    sim.injectFault({ agentId, forSeconds: 3600, fault: { status: 503 } });
    const first = await poll(sim, token, cursor, 0);
    const second = await poll(sim, token, cursor, 0);
    expect([first.status, second.status]).toEqual([503, 503]);

    sim.clearFaults();
    sim.injectFault({ agentId, afterSeconds: 3600, forSeconds: 60, fault: { status: 503 } });
    const beforeItOpens = await poll(sim, token, cursor, 0);
    expect(beforeItOpens.status).toBe(200);
    expect(beforeItOpens.json.events).toEqual([mute]);
    sim.clearFaults();
  });

  it("refuses a window of scope 'all' that names an agent", () => {
    expect(() => sim.injectFault({ agentId: '4000001', forSeconds: 60, scope: 'all', fault: { status: 503 } })).toThrow(/leave agentId out/);
  });
});
