import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { BACK_OFF } from '../../contract/retry-policy.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import {
  busyEvents,
  DEGRADED,
  detailOf,
  executionsOf,
  lifecycleOf,
  type OutageRun,
  percentile,
  RECOVERED,
  RESYNCED,
  recordBus,
  sleepSimulated,
  takeCxoneDown,
} from './outage-run.js';
import { accountFor, cxoneEvents, waitFor } from './zero-loss.js';

/**
 * CXone down for longer than every retry budget, in the middle of busy sessions, on the twin's
 * time scale (each simulated second lasts MS_PER_SECOND real ms for Wait states and Retry
 * intervals): every session keeps its execution running, announces PollingDegraded, backs off for
 * as long as the outage lasts, announces PollingRecovered once CXone answers again, and resumes with
 * its own cursor. Nothing is lost; nothing is published twice; sequences have no gap.
 */
const MS_PER_SECOND = 10;
const SESSIONS = 10;
let simulator: CxoneSimulator;
let twin: LocalTwin;
let received: OutageRun['received'];
let nextAgentId = 3300001;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 43 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1 },
    timeScale: 1000 / MS_PER_SECOND,
  });
  received = recordBus(twin);
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

/** The back-off (seconds) of every BACK_OFF the agent's executions returned. */
const backOffsOf = (agentId: string) =>
  executionsOf(twin, agentId).flatMap((execution) =>
    execution.history.flatMap((event) => {
      const output = (event as { type: string; state?: { name: string; output?: { status?: string; backOffSeconds?: number; fault?: unknown } } }).state
        ?.output;
      return event.type === 'StateExited' && output?.status === 'BACK_OFF' && output.fault === undefined && output.backOffSeconds !== undefined
        ? [output.backOffSeconds]
        : [];
    }),
  );
const delivered = (agentId: string) => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined);

describe.each([5, 60])('CXone down (503 and connection resets) for %i minutes of simulated time', (minutes) => {
  it('keeps every session polling through it and resumes each with its cursor, losing nothing', { timeout: 240_000 }, async () => {
    // Prepare: busy sessions, all delivered so far.
    const agentIds = Array.from({ length: SESSIONS }, () => String(nextAgentId++));
    for (const agentId of agentIds) {
      simulator.loginAgent(agentId);
      await twin.startSession(agentId);
      simulator.enqueueEvents(agentId, busyEvents(agentId, 'before', 5));
    }
    await waitFor(() => agentIds.every(delivered), 60_000, 'events before the outage delivered');

    // Act: CXone goes down while the agents keep working (their events queue at CXone).
    takeCxoneDown(simulator);
    const downAt = Date.now();
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 5));
    await sleepSimulated(minutes * 60, MS_PER_SECOND);
    const runningAtTheEnd = agentIds.map((agentId) => executionsOf(twin, agentId).at(-1)?.status);
    const backAt = Date.now();
    simulator.clearFaults();
    await waitFor(() => agentIds.every((agentId) => lifecycleOf(received, agentId, RECOVERED).length > 0), 60_000, 'every session recovered');
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'after', 5));
    await waitFor(() => agentIds.every(delivered), 60_000, 'events after the outage delivered');
    for (const agentId of agentIds) simulator.logoutAgent(agentId);
    await waitFor(
      () => agentIds.every((agentId) => executionsOf(twin, agentId).every((execution) => execution.status !== 'RUNNING')),
      60_000,
      'sessions ended',
    );

    // Assess: running through the outage, degraded then recovered, each once.
    expect(runningAtTheEnd).toEqual(agentIds.map(() => 'RUNNING'));
    const recoveredAfter: number[] = [];
    for (const agentId of agentIds) {
      expect(
        executionsOf(twin, agentId)
          .map((execution) => execution.status)
          .every((status) => status === 'SUCCEEDED'),
      ).toBe(true);
      const [degraded, ...moreDegraded] = lifecycleOf(received, agentId, DEGRADED);
      const [recovered, ...moreRecovered] = lifecycleOf(received, agentId, RECOVERED);
      expect(moreDegraded).toEqual([]);
      expect(moreRecovered).toEqual([]);
      expect(degraded && recovered && degraded.at <= recovered.at).toBe(true);
      expect(detailOf(degraded?.event as never).data).toMatchObject({
        reason: expect.stringMatching(/^CxoneUnavailableError: CXone get-next-event (answered HTTP 503|failed: network error)/),
        faultClass: 'transient',
      });
      expect(detailOf(recovered?.event as never).data).toMatchObject({ faults: expect.any(Number), degradedForSeconds: expect.any(Number) });
      expect(recovered?.at).toBeGreaterThanOrEqual(backAt);
      recoveredAfter.push(((recovered?.at ?? backAt) - backAt) / MS_PER_SECOND);
      expect(lifecycleOf(received, agentId, RESYNCED)).toEqual([]);
      // Polls again with its own cursor: no batch after the first (the join's snapshot) is a snapshot, and each continues the last.
      const batches = simulator.deliveredBatches({ agentId });
      expect(batches.slice(1).filter((batch) => batch.snapshot)).toEqual([]);
      for (let index = 1; index < batches.length; index++) expect(batches[index]?.requestSessionId).toBe(batches[index - 1]?.responseSessionId);
      // Gap-free sequence, each event once.
      const sequences = cxoneEvents(received.map(({ event }) => event))
        .map(detailOf)
        .filter((detail) => detail.metadata.agentId === agentId)
        .map((detail) => detail.metadata.sequence);
      expect(sequences).toEqual(sequences.map((_, index) => index + 1));
    }
    const figures = accountFor(simulator, twin, cxoneEvents(received.map(({ event }) => event)), agentIds);
    expect(figures).toMatchObject({ lost: 0, duplicates: 0, parked: 0, duplicatesWithoutEarlierId: 0 });
    expect(figures.onBus).toBe(figures.emitted);
    // A session comes back within its longest back-off: no wait the loop chose was longer than the cap.
    const waits = agentIds.flatMap((agentId) => backOffsOf(agentId));
    expect(waits.length).toBeGreaterThanOrEqual(SESSIONS);
    expect(Math.max(...waits)).toBeLessThanOrEqual(BACK_OFF.capSeconds);
    console.info(
      `[outage ${minutes} min] ${SESSIONS} sessions, ${figures.emitted} events, lost ${figures.lost}; CXone back to every session polling again: ` +
        `p50 ${percentile(recoveredAfter, 50).toFixed(0)} s, max ${Math.max(...recoveredAfter).toFixed(0)} s simulated; outage lasted ${((backAt - downAt) / MS_PER_SECOND / 60).toFixed(1)} min simulated`,
    );
  });
});

describe('CXone down from the first poll of a session', () => {
  it('announces PollingDegraded numbered 1 before any checkpoint exists, then PollingStarted and PollingRecovered after it', { timeout: 120_000 }, async () => {
    // Prepare: an agent logged in while CXone is down; its execution starts as discovery would start it.
    const agentId = String(nextAgentId++);
    simulator.loginAgent(agentId);
    // Every CXone endpoint, the join included, answers 503 (for far longer than the test).
    simulator.injectFault({ scope: 'all', forSeconds: 3_600, fault: { status: 503 } });
    twin.stepFunctions.startExecution(twin.stack.stateMachine.arn, `${twin.tenant}-${agentId}-20250312T140001000Z`, JSON.stringify({ agentId }));
    // Act: the first poll (the execution's own join) fails past the quick retries; then CXone is back.
    await waitFor(() => lifecycleOf(received, agentId, DEGRADED).length > 0, 60_000, 'PollingDegraded');
    simulator.clearFaults();
    await waitFor(() => lifecycleOf(received, agentId, RECOVERED).length > 0, 60_000, 'PollingRecovered');
    simulator.logoutAgent(agentId);
    await waitFor(() => executionsOf(twin, agentId).every((execution) => execution.status !== 'RUNNING'), 60_000, 'session ended');
    // Assess: one series, in the order published, with no gap.
    const series = received
      .filter(({ event }) => isLifecycleDetailType(event['detail-type']) && detailOf(event).metadata.agentId === agentId)
      .map(({ event }) => [event['detail-type'], (detailOf(event).metadata as { lifecycleSequence?: number }).lifecycleSequence]);
    expect(series.slice(0, 3)).toEqual([
      [DEGRADED, 1],
      ['CxoneEventBridge.PollingStarted', 2],
      [RECOVERED, 3],
    ]);
    expect(series.map(([, number]) => number)).toEqual(series.map((_, index) => index + 1));
    expect(executionsOf(twin, agentId).map((execution) => execution.status)).toEqual(['SUCCEEDED']);
  });
});

describe('the outage runs', () => {
  it('never ran two pollers for one session', () => {
    expect(twin.maxConcurrentPollsPerAgent()).toBe(1);
  });
});
