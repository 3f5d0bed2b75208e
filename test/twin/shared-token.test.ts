import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { waitFor } from './zero-loss.js';

/** One token per tenant: the scheduled refresher asks CXone, the pollers share what it stored. */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const onBus: EventBridgeEvent[] = [];
const AGENTS = 15;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: AGENTS, seed: 8 });
  twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 } });
  twin.bus.onEvent((accepted) => onBus.push(accepted.event));
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

describe('the shared CXone token', () => {
  it('keeps token requests flat however many sessions poll at once', async () => {
    // Prepare: the refresher has run once as the twin started.
    const tokensAtStart = simulator.stats().tokenRequests;
    expect(tokensAtStart).toBe(1);
    // Act: every agent logs in and gets a poller of its own, in its own execution environment.
    for (const agentId of simulator.agentIds) simulator.loginAgent(agentId);
    await Promise.all(simulator.agentIds.map((agentId) => twin.startSession(agentId)));
    await waitFor(() => onBus.length >= AGENTS * 5, 30_000, 'every login on the bus');
    await waitFor(() => (twin.lambdaStats.results.get('NO_EVENTS') ?? 0) >= AGENTS, 30_000, 'a quiet poll per session');
    // Assess: one more request at most (the session command's own), none from the pollers.
    expect(twin.lambdaStats.coldStarts).toBeGreaterThanOrEqual(AGENTS);
    expect(simulator.stats().tokenRequests - tokensAtStart).toBeLessThanOrEqual(1);
  });

  it('lets a poller fall back to its own token when the shared one is rejected', async () => {
    // Act: CXone revokes every token; the next polls answer 401.
    simulator.expireTokens();
    const before = simulator.stats().tokenRequests;
    const agentId = simulator.agentIds[0] as string;
    // A poll already held by CXone answers with the old token's grant: wait for the pollers' own
    // token requests (their next polls met the 401) before sending the event.
    await waitFor(() => simulator.stats().tokenRequests > before, 30_000, 'a poller asking for its own token after the 401');
    const seen = onBus.length;
    simulator.enqueueEvents(agentId, [{ IISHost: 'S', VCHost: 'S', Type: 'Mute', AgentMuted: 'True' }]);
    await waitFor(() => onBus.slice(seen).some((event) => event['detail-type'] === 'Mute'), 30_000, 'the event after the 401');
    // Assess: polling went on with the poller's own token; nothing failed.
    expect([...twin.stepFunctions.executions.values()].every((execution) => execution.status === 'RUNNING')).toBe(true);
  });
});
