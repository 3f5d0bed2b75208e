import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCallContactEvent, buildMute, type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { api, getToken, poll, typeOf, waitUntil } from './sim-client.js';

const CURSOR_FORMAT = /^[A-Za-z0-9+/=]{80}$/;

describe('get-next-event', () => {
  let sim: CxoneSimulator;
  let token: string;
  let nextAgent = 3_000_001;

  beforeAll(async () => {
    sim = await startCxoneSimulator({ agents: ['2103457'], seed: 11 });
    token = await getToken(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  /** Logs a fresh agent in (desktop login) and drains its login events; returns the current cursor. */
  const loggedInAgent = async (): Promise<{ agentId: string; cursor: string; loginEvents: Record<string, unknown>[] }> => {
    const agentId = String(nextAgent++);
    const login = sim.loginAgent(agentId);
    const first = await poll(sim, token, login.apiSessionId, 0);
    expect(first.status).toBe(200);
    return { agentId, cursor: first.json.sessionId, loginEvents: first.json.events };
  };

  const mute = (muted: boolean) => buildMute({ hosts: { iisHost: 'H', vcHost: 'H' }, muted });

  it('delivers the login events in order, starting with AgentSessionStart', async () => {
    const { loginEvents, agentId } = await loggedInAgent();

    expect(loginEvents.map((e) => `${typeOf(e)}:${e.Status ?? e.CurrentState ?? ''}`)).toEqual([
      'AgentSessionStart:',
      'AgentLeg:Dialing',
      'AgentState:LoggedIn',
      'AgentLeg:Active',
      'AgentState:Available',
    ]);
    expect(loginEvents[0]).toMatchObject({ AgentId: agentId, SessionId: expect.stringMatching(/^\d+$/) });
  });

  it('returns a new 80-character opaque sessionId on every 200', async () => {
    const { agentId, cursor } = await loggedInAgent();
    const seen = new Set<string>([cursor]);
    let current = cursor;
    for (let i = 0; i < 10; i++) {
      sim.enqueueEvents(agentId, [mute(i % 2 === 0)]);
      const res = await poll(sim, token, current, 0);
      expect(res.status).toBe(200);
      const next: string = res.json.sessionId;
      expect(next).toMatch(CURSOR_FORMAT);
      // base64(base64(43 random bytes)), as in the Studio example.
      expect(Buffer.from(Buffer.from(next, 'base64').toString('utf8'), 'base64')).toHaveLength(43);
      expect(seen.has(next)).toBe(false);
      seen.add(next);
      current = next;
    }
  });

  it('decodes a percent-encoded sessionId in the path', async () => {
    const { agentId, cursor } = await loggedInAgent();
    sim.enqueueEvents(agentId, [mute(true)]);
    const everyCharEscaped = [...cursor].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

    const res = await api(sim, token, 'GET', `/agent-sessions/${everyCharEscaped}/get-next-event?timeout=0`);

    expect(res.status).toBe(200);
  });

  it('issues sessionIds with + / = in url-hostile mode and accepts them URL-encoded', async () => {
    const hostile = await startCxoneSimulator({ agents: 1, sessionIdFormat: 'url-hostile' });
    try {
      const hostileToken = await getToken(hostile);
      const agentId = hostile.agentIds[0] ?? '';
      let current = hostile.loginAgent(agentId).apiSessionId;
      let sawSpecial = false;
      for (let i = 0; i < 20 && !sawSpecial; i++) {
        expect(current).toMatch(CURSOR_FORMAT);
        expect(current.endsWith('==')).toBe(true);
        sawSpecial = /[+/]/.test(current);
        hostile.enqueueEvents(agentId, [mute(true)]);
        const res = await poll(hostile, hostileToken, current, 0);
        expect(res.status).toBe(200);
        current = res.json.sessionId;
      }
      expect(sawSpecial).toBe(true);
    } finally {
      await hostile.close();
    }
  });

  it('answers 304 with an empty body after the timeout', async () => {
    const { cursor } = await loggedInAgent();

    const res = await poll(sim, token, cursor, 1);

    expect(res.status).toBe(304);
    expect(res.text).toBe('');
  });

  it('keeps the same sessionId valid after a 304', async () => {
    const { agentId, cursor } = await loggedInAgent();
    expect((await poll(sim, token, cursor, 0)).status).toBe(304);
    sim.enqueueEvents(agentId, [mute(true)]);

    const res = await poll(sim, token, cursor, 0);

    expect(res.status).toBe(200);
    expect(res.json.events).toEqual([mute(true)]);
  });

  it.each(['61', '-1', '1.5', 'abc', ''])('rejects timeout=%s with 400', async (timeout) => {
    const { cursor } = await loggedInAgent();
    expect((await poll(sim, token, cursor, timeout)).status).toBe(400);
  });

  it('rejects a poll without timeout with 400', async () => {
    const { cursor } = await loggedInAgent();
    const res = await api(sim, token, 'GET', `/agent-sessions/${encodeURIComponent(cursor)}/get-next-event`);
    expect(res.status).toBe(400);
  });

  it('answers 404 to a sessionId it never issued', async () => {
    const neverIssued = Buffer.from(randomBytes(43).toString('base64')).toString('base64');
    expect((await poll(sim, token, neverIssued, 0)).status).toBe(404);
  });

  it('answers 401 without a Bearer token', async () => {
    const { cursor } = await loggedInAgent();
    const res = await api(sim, undefined, 'GET', `/agent-sessions/${encodeURIComponent(cursor)}/get-next-event?timeout=0`);
    expect(res.status).toBe(401);
  });

  it('matches the path case-insensitively and accepts any version segment', async () => {
    const { agentId, cursor } = await loggedInAgent();
    sim.enqueueEvents(agentId, [mute(true)]);

    const res = await fetch(`${sim.apiEndpoint}/InContactAPI/services/v31.0/Agent-Sessions/${encodeURIComponent(cursor)}/Get-Next-Event?timeout=0`, {
      headers: { Authorization: `Bearer ${token}` },
    });

    expect(res.status).toBe(200);
  });

  it('releases a held poll as soon as an event is queued', async () => {
    const { agentId, cursor } = await loggedInAgent();
    const pending = poll(sim, token, cursor, 30);
    await waitUntil(() => sim.stats().heldPolls === 1, 'the poll is held');

    sim.enqueueEvents(agentId, [mute(true), mute(false)]);
    const res = await pending;

    expect(res.status).toBe(200);
    expect(res.json.events).toEqual([mute(true), mute(false)]);
  });

  it('keeps held events queued when the client disconnects', async () => {
    const { agentId, cursor } = await loggedInAgent();
    const aborter = new AbortController();
    const pending = poll(sim, token, cursor, 30, aborter.signal).catch((error: unknown) => error);
    await waitUntil(() => sim.stats().heldPolls === 1, 'the poll is held');
    const gone = sim.stats().polls.clientGone;

    aborter.abort();
    await pending;
    await waitUntil(() => sim.stats().polls.clientGone === gone + 1, 'the server sees the disconnect');
    sim.enqueueEvents(agentId, [mute(true)]);
    const res = await poll(sim, token, cursor, 0);

    expect(res.status).toBe(200);
    expect(res.json.events).toEqual([mute(true)]);
  });

  it('answers an older held poll 304 when a second poll arrives, counts the overlap, and serves the newer one', async () => {
    const { agentId, cursor } = await loggedInAgent();
    const overlapsBefore = sim.stats().overlappingPolls;
    const older = poll(sim, token, cursor, 30);
    await waitUntil(() => sim.stats().heldPolls === 1, 'the first poll is held');
    const newer = poll(sim, token, cursor, 30);

    expect((await older).status).toBe(304);
    expect(sim.stats().overlappingPolls).toBe(overlapsBefore + 1);
    sim.enqueueEvents(agentId, [mute(true)]);
    const res = await newer;
    expect(res.status).toBe(200);
    expect(res.json.events).toEqual([mute(true)]);
  });

  it('answers an older sessionId with AgentSessionStart and a snapshot of the current state', async () => {
    const { agentId, cursor: c1 } = await loggedInAgent();
    const call = buildCallContactEvent({
      hosts: { iisHost: 'H', vcHost: 'H' },
      contactId: '555000111',
      status: 'Active',
      ani: '8015550100',
      dnis: '8885550100',
      skillId: '4187652',
      startedAt: Date.now(),
      changedAt: Date.now(),
    });
    sim.enqueueEvents(agentId, [call, mute(true)]);
    const second = await poll(sim, token, c1, 0);
    expect(second.status).toBe(200);
    const emittedBefore = sim.emittedEvents().length;

    const stale = await poll(sim, token, c1, 0);

    expect(stale.status).toBe(200);
    expect(stale.json.sessionId).toMatch(CURSOR_FORMAT);
    expect(stale.json.sessionId).not.toBe(second.json.sessionId);
    expect(stale.json.events.map(typeOf)).toEqual(['AgentSessionStart', 'AgentLeg', 'AgentState', 'CallContactEvent']);
    expect(stale.json.events[1]).toMatchObject({ Status: 'Active' });
    expect(stale.json.events[2]).toMatchObject({ CurrentState: 'Available' });
    expect(stale.json.events[3]).toEqual(call);
    // Restatements are flagged in the delivered log and never enter the emitted log.
    expect(sim.emittedEvents()).toHaveLength(emittedBefore);
    expect(sim.deliveredBatches({ agentId }).at(-1)?.snapshot).toBe(true);
    // The snapshot's new cursor continues the stream.
    expect((await poll(sim, token, stale.json.sessionId, 0)).status).toBe(304);
  });

  it('puts queued events after the snapshot, so nothing queued is lost on a resync', async () => {
    const { agentId, cursor: c1 } = await loggedInAgent();
    sim.enqueueEvents(agentId, [mute(true)]);
    await poll(sim, token, c1, 0);
    sim.enqueueEvents(agentId, [mute(false)]);

    const stale = await poll(sim, token, c1, 0);

    expect(stale.json.events.map(typeOf)).toEqual(['AgentSessionStart', 'AgentLeg', 'AgentState', 'Mute']);
    expect(stale.json.events.at(-1)).toEqual(mute(false));
  });

  it('answers 409 after the session ended, with AgentSessionEnd only in the final batch', async () => {
    const { agentId, cursor } = await loggedInAgent();
    sim.enqueueEvents(agentId, [mute(true)]);
    const before = await poll(sim, token, cursor, 0);
    const ended = await api(sim, token, 'DELETE', `/agent-sessions/${encodeURIComponent(before.json.sessionId)}`);
    expect(ended.status).toBe(202);

    const last = await poll(sim, token, before.json.sessionId, 5);
    const after = await poll(sim, token, last.json.sessionId, 5);
    const olderCursor = await poll(sim, token, cursor, 0);

    expect(last.status).toBe(200);
    expect(last.json.events.map((e: Record<string, unknown>) => `${typeOf(e)}:${e.Status ?? ''}`)).toEqual(['AgentLeg:Disconnected', 'AgentSessionEnd:']);
    expect(after.status).toBe(409);
    expect(olderCursor.status).toBe(409);
    const batches = sim.deliveredBatches({ agentId });
    const withEnd = batches.filter((b) => b.events.some((e) => typeOf(e.event) === 'AgentSessionEnd'));
    expect(withEnd).toEqual([batches.at(-1)]);
  });

  it('delivers at most maxBatch events per 200 and keeps the rest queued', async () => {
    const small = await startCxoneSimulator({ agents: 1, maxBatch: 2 });
    try {
      const smallToken = await getToken(small);
      const login = small.loginAgent(small.agentIds[0] ?? '');

      const first = await poll(small, smallToken, login.apiSessionId, 0);
      const second = await poll(small, smallToken, first.json.sessionId, 0);
      const third = await poll(small, smallToken, second.json.sessionId, 0);

      expect([first, second, third].map((r) => r.json.events.length)).toEqual([2, 2, 1]);
      expect(third.json.events[0]).toMatchObject({ Type: 'AgentState', CurrentState: 'Available' });
    } finally {
      await small.close();
    }
  });

  it('echoes the CorrelationId header', async () => {
    const { cursor } = await loggedInAgent();
    const res = await fetch(`${sim.apiBaseUrl}/agent-sessions/${encodeURIComponent(cursor)}/get-next-event?timeout=0`, {
      headers: { Authorization: `Bearer ${token}`, CorrelationId: 'corr-123' },
    });
    expect(res.headers.get('correlationid')).toBe('corr-123');
  });
});
