import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { cxoneEvents, type EventDetail, waitFor } from './zero-loss.js';

/**
 * Two invocations of one execution must never run at once: two concurrent long polls on one CXone
 * session split its events between them. When the Invoke call fails on the caller's side while the
 * function runs on (Lambda.ClientExecutionTimeoutException), the real synthesized definition retries
 * only after the poller's longest run. The twin scales Retry intervals but not the handler's real run:
 * at 5x the retry waits (1 + 40 + 10) / 5 ≈ 10 real seconds, the detached run about 0.5 s (its hold
 * until the events come); the quick retry this replaced (2 s, full jitter: under 0.4 real seconds)
 * started while it held.
 */
let simulator: CxoneSimulator;
let twin: LocalTwin;
const onBus: EventBridgeEvent[] = [];

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 11 });
  twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 }, timeScale: 5 });
  twin.bus.onEvent((accepted) => onBus.push(accepted.event));
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

describe('an invocation Step Functions stopped waiting for, still running', () => {
  const agentId = '2103458';
  const detailsOf = () => cxoneEvents(onBus).map((event) => event.detail as EventDetail);

  it('is retried only after it ended: one invocation at a time, every event once and in order', { timeout: 120_000 }, async () => {
    // Prepare: a session polling normally.
    simulator.loginAgent(agentId);
    await twin.startSession(agentId);
    await waitFor(() => (twin.lambdaStats.results.get('NO_EVENTS') ?? 0) >= 2, 30_000, 'first polls');

    // Act: the next invocation runs on (holding its long poll) while Step Functions gets the client's timeout.
    twin.faults.detachNextInvocation({ agentId });
    await waitFor(() => twin.lambdaStats.errors.get('Lambda.ClientExecutionTimeoutException') === 1, 30_000, 'the detached invocation');
    // Events arrive while it holds its 1 s long poll: it publishes them after Step Functions gave up on it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const events = Array.from({ length: 12 }, (_, n) => ({ IISHost: 'H', VCHost: 'H', type: 'CustomEvent', eventName: `step-${n}`, data: `payload ${n}` }));
    simulator.enqueueEvents(agentId, events);
    const before = (twin.lambdaStats.results.get('NO_EVENTS') ?? 0) + (twin.lambdaStats.results.get('EVENTS') ?? 0);
    await waitFor(
      () => detailsOf().filter((detail) => (detail.data as { type?: string }).type === 'CustomEvent').length >= events.length,
      60_000,
      'the events',
    );
    await waitFor(() => (twin.lambdaStats.results.get('NO_EVENTS') ?? 0) + (twin.lambdaStats.results.get('EVENTS') ?? 0) >= before + 2, 60_000, 'polls after');

    // Assess
    expect(twin.maxConcurrentPollsPerAgent()).toBe(1);
    const details = detailsOf();
    expect(details.filter((detail) => (detail.data as { type?: string }).type === 'CustomEvent').map((detail) => detail.data)).toEqual(events);
    expect(details.map((detail) => detail.metadata.sequence)).toEqual(details.map((_, index) => index + 1));
    expect(new Set(details.map((detail) => detail.metadata.eventId)).size).toBe(details.length);
    expect(twin.faults.pending()).toBe(0);
  });
});
