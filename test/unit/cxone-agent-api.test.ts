import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CxoneAgentApi } from '../../lambdas/cxone/agent-api.js';
import { createCxoneAuth, createCxoneClient } from '../../lambdas/cxone/client-factory.js';
import { fetchWithDeadline } from '../../lambdas/cxone/http.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';

/** The CXone client against the simulator over real HTTP. */
let simulator: CxoneSimulator;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 4, seed: 3 });
});
afterAll(async () => simulator?.close());
afterEach(() => simulator.clearFaults());

function client(): CxoneAgentApi {
  return createCxoneClient(simulator);
}

describe('CxoneAgentApi against the simulator', () => {
  it('discovers the tenant API, reuses its token and joins a session', async () => {
    const api = client();
    const tokensBefore = simulator.stats().tokenRequests;
    simulator.loginAgent('2103457');
    const cursor = await api.joinSession('2103457');
    const outcome = await api.getNextEvent(cursor, 0, 5_000);
    expect(outcome.kind).toBe('events');
    expect(outcome.kind === 'events' && outcome.response.events[0]).toMatchObject({ Type: 'AgentSessionStart', AgentId: '2103457' });
    expect(outcome.kind === 'events' && outcome.response.sessionId).toHaveLength(80);
    expect(simulator.stats().tokenRequests - tokensBefore).toBe(1);
  });

  it('reads every page of a paged agent list by following _links.next', async () => {
    const whole = await client().getAgentStatesSince(new Date(0).toISOString());
    const paged = await client().getAgentStatesSince(new Date(0).toISOString(), { pageSize: 1 });
    expect(whole.agentStates).toHaveLength(4);
    expect(paged.agentStates.map((state) => state.agentId)).toEqual(whole.agentStates.map((state) => state.agentId));
    expect(paged.lastPollTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('answers no-events on 304 and keeps the cursor valid', async () => {
    const api = client();
    simulator.loginAgent('2103458');
    const first = await api.getNextEvent(await api.joinSession('2103458'), 0, 5_000);
    const cursor = first.kind === 'events' ? first.response.sessionId : '';
    expect(await api.getNextEvent(cursor, 1, 5_000)).toEqual({ kind: 'no-events' });
    simulator.enqueueEvents('2103458', [{ Type: 'Mute', AgentMuted: 'True', IISHost: 'H', VCHost: 'H' }]);
    const next = await api.getNextEvent(cursor, 1, 5_000);
    expect(next.kind === 'events' && next.response.events).toEqual([{ Type: 'Mute', AgentMuted: 'True', IISHost: 'H', VCHost: 'H' }]);
  });

  it('reports session-ended on 409 after the final batch', async () => {
    const api = client();
    simulator.loginAgent('2103459');
    const first = await api.getNextEvent(await api.joinSession('2103459'), 0, 5_000);
    simulator.logoutAgent('2103459');
    const cursor = first.kind === 'events' ? first.response.sessionId : '';
    const final = await api.getNextEvent(cursor, 1, 5_000);
    expect(final.kind === 'events' && final.response.events.at(-1)).toMatchObject({ Type: 'AgentSessionEnd' });
    const after = final.kind === 'events' ? final.response.sessionId : '';
    expect(await api.getNextEvent(after, 1, 5_000)).toEqual({ kind: 'session-ended' });
  });

  it('refreshes an expired token once and retries the same poll', async () => {
    const api = client();
    await api.getAgentState('2103460');
    simulator.expireTokens();
    const before = simulator.stats().tokenRequests;
    await expect(api.getAgentState('2103460')).resolves.toMatchObject({ agentId: '2103460' });
    expect(simulator.stats().tokenRequests - before).toBe(1);
  });

  it.each([
    [{ status: 503, retryAfterSeconds: 7 }, 'CxoneUnavailableError', 7],
    [{ status: 429 }, 'CxoneUnavailableError', undefined],
    [{ drop: true as const }, 'CxoneUnavailableError', undefined],
    [{ status: 400 }, 'CxoneRequestRejectedError', undefined],
    [{ status: 403 }, 'CxoneRequestRejectedError', undefined],
    [{ status: 404 }, 'CxoneSessionNotFoundError', undefined],
    [{ status: 200, body: '<html>gateway error</html>' }, 'CxoneContractViolationError', undefined],
    [{ status: 200, body: '{"events":"not a list"}' }, 'CxoneContractViolationError', undefined],
  ])('maps a get-next-event fault %j to %s', async (fault, errorName, retryAfter) => {
    const api = client();
    simulator.loginAgent('2103460');
    const cursor = await api.joinSession('2103460');
    simulator.injectFault({ agentId: '2103460', count: 1, fault });
    const error = await api.getNextEvent(cursor, 0, 5_000).then(
      () => undefined,
      (caught: unknown) => caught as Error & { retryAfterSeconds?: number },
    );
    simulator.logoutAgent('2103460');
    expect(error?.name).toBe(errorName);
    expect(error?.retryAfterSeconds).toBe(retryAfter);
    expect(error?.message).not.toContain(simulator.credentials.accessKeySecret);
  });

  it('fails a poll that outlives its deadline as retryable', async () => {
    const api = client();
    simulator.loginAgent('2103460');
    const cursor = await api.joinSession('2103460');
    simulator.injectFault({ agentId: '2103460', count: 1, fault: { delayMs: 3_000, status: 304 } });
    await expect(api.getNextEvent(cursor, 0, 500)).rejects.toMatchObject({
      name: 'CxoneUnavailableError',
      message: expect.stringMatching(/no answer within \d+ ms/),
    });
    simulator.logoutAgent('2103460');
  });

  it.each([
    ['a connection reset in the middle of a 200 body', { midBody: 'reset' as const }, 5_000, /get-next-event body failed: network error/],
    ['a 200 body still arriving at the deadline', { midBody: 'stall' as const }, 800, /get-next-event body failed: deadline passed/],
  ])('fails %s as retryable, keeping the cause', async (_, fault, deadlineMs, message) => {
    const api = client();
    simulator.loginAgent('2103461');
    const cursor = await api.joinSession('2103461');
    simulator.injectFault({ agentId: '2103461', count: 1, fault });
    const error = await api.getNextEvent(cursor, 0, deadlineMs).catch((caught: unknown) => caught as Error);
    simulator.logoutAgent('2103461');
    expect(error).toMatchObject({ name: 'CxoneUnavailableError', message: expect.stringMatching(message) });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(['TypeError', 'TimeoutError', 'AbortError']).toContain(((error as Error).cause as Error).name);
  });

  it('fails a TLS handshake that cannot succeed as retryable', async () => {
    const plainHttp = new URL(simulator.issuerUrl);
    const error = await fetchWithDeadline(new URL(`https://127.0.0.1:${plainHttp.port}/`), {}, 5_000, 'CXone probe').catch(
      (caught: unknown) => caught as Error,
    );
    expect(error).toMatchObject({ name: 'CxoneUnavailableError', message: 'CXone probe failed: network error' });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('rejects wrong credentials as a terminal auth error without echoing them', async () => {
    const api = createCxoneClient({ issuerUrl: simulator.issuerUrl, credentials: { ...simulator.credentials, accessKeySecret: 'wrong-secret-value' } });
    const error = await api.getAgentState('2103457').catch((caught: unknown) => caught as Error);
    expect(error).toMatchObject({ name: 'CxoneAuthFailedError' });
    expect((error as Error).message).not.toContain('wrong-secret-value');
  });

  it('refuses plain http to a non-loopback issuer', () => {
    expect(() => createCxoneAuth({ issuerUrl: 'http://cxone.example.com', credentials: simulator.credentials })).toThrow(/https/);
  });
});
