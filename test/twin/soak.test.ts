import { describe, expect, it } from 'vitest';
import type { CxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import type { LocalTwin } from '../../local/twin/local-twin.js';
import { runTwin } from '../../local/twin/twin-run.js';
import { accountFor, cxoneEvents, type EventDetail, parkedItems } from './zero-loss.js';

describe('soak: 50 sessions, many generations, faults sprinkled in', () => {
  it('loses nothing, keeps sequence gap-free across hand-overs and never runs two pollers for a session', async () => {
    // Prepare
    let simulator: CxoneSimulator | undefined;
    let twin: LocalTwin | undefined;
    const onBus: EventBridgeEvent[] = [];
    // Act: 20 s of 50 agents at 120x (2 simulated minutes a second), hand-over every 4 polls.
    const summary = await runTwin({
      agents: 50,
      durationSeconds: 20,
      timeScale: 120,
      seed: 50,
      pollTimeoutSeconds: 1,
      twinOptions: { config: { handOverAfterPolls: 4 }, waitMs: 50 },
      onReady: (context) => {
        simulator = context.simulator;
        twin = context.twin;
        twin.bus.onEvent((accepted) => onBus.push(accepted.event));
        simulator?.injectFault({ probability: 0.03, fault: { status: 503, retryAfterSeconds: 1 } });
        simulator?.injectFault({ probability: 0.02, fault: { drop: true } });
        simulator?.injectFault({ probability: 0.01, fault: { status: 200, body: 'upstream timeout' } });
        simulator?.injectFault({ probability: 0.01, fault: { status: 404 } });
        twin.bus.injectFault({ kind: 'entries', errorCode: 'ThrottlingException', every: 3 }, 40);
      },
    });
    if (!simulator || !twin) throw new Error('the run did not start');

    // Assess: every emitted event is on the bus or parked.
    const agentIds = [...new Set(simulator.emittedEvents().map((event) => event.agentId))];
    const figures = accountFor(simulator, twin, onBus, agentIds);
    expect(figures.emitted).toBeGreaterThan(500);
    expect(figures.lost).toBe(0);
    expect(figures.duplicatesWithoutEarlierId).toBe(0);
    expect(summary.sessions).toMatchObject({ failed: 0, running: 0 });

    // Several generations per session, each starting where the last ended.
    const executions = [...twin.stepFunctions.executions.values()];
    const generations = executions.filter((execution) => /-g\d+$/.test(execution.name));
    expect(generations.length).toBeGreaterThan(100);
    const logins = new Set(simulator.emittedEvents().map((event) => `${event.agentId}|${event.sessionId}`));
    expect(logins.size).toBeGreaterThanOrEqual(50);
    // Per session: sequence numbers 1..n with no gap, and every repeated number is the same event.
    const bySession = new Map<string, Map<number, Set<string>>>();
    const record = (agentId: string, platformSessionId: string | null, sequence: number, eventId: string) => {
      const key = `${agentId}|${platformSessionId}`;
      const sequences = bySession.get(key) ?? new Map<number, Set<string>>();
      sequences.set(sequence, (sequences.get(sequence) ?? new Set()).add(eventId));
      bySession.set(key, sequences);
    };
    for (const event of cxoneEvents(onBus)) {
      const { metadata } = event.detail as EventDetail;
      record(metadata.agentId, metadata.platformSessionId, metadata.sequence, metadata.eventId);
    }
    for (const item of parkedItems(twin)) {
      if (item.sequence !== undefined && item.eventId) record(item.agentId, item.platformSessionId, item.sequence, item.eventId);
    }
    expect(bySession.size).toBeGreaterThanOrEqual(50);
    for (const sequences of bySession.values()) {
      const numbers = [...sequences.keys()].sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, index) => index + 1));
      expect([...sequences.values()].every((ids) => ids.size === 1)).toBe(true);
    }
    expect(twin.maxConcurrentPollsPerAgent()).toBe(1);
  });
});
