import { describe, expect, it } from 'vitest';
import { LifecycleDetailType, LifecycleMetadataSchema } from '../../contract/lifecycle.js';
import { type PollState, PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import { lifecycleEntries, lifecycleEvents } from '../../lambdas/poll-session/lifecycle.js';

const NOW = Date.parse('2025-03-12T15:00:00Z');
const timing = { heartbeatIntervalMs: 300_000, now: NOW };
const context = { tenant: 'acme', eventSource: 'cxone.agent-events', executionName: 'acme-1-x', platformSessionId: '6', now: NOW };
const state = (overrides: Partial<PollState> = {}): PollState =>
  PollStateSchema.parse({ v: 2, agentId: '1', announced: true, lastActivityAt: NOW - 1_000, ...overrides });
const typesOf = (events: { type: string }[]) => events.map((event) => event.type);

describe('lifecycleEvents', () => {
  it('announces polling once, on the first iteration', () => {
    const first = lifecycleEvents(state({ announced: false }), state({ announced: false, status: PollStatus.Events }), 3, timing);
    expect(typesOf(first.events)).toEqual([LifecycleDetailType.PollingStarted]);
    expect(first.state.announced).toBe(true);
    expect(lifecycleEvents(first.state, { ...first.state, status: PollStatus.Events }, 1, timing).events).toEqual([]);
  });

  it('tells why polling ended', () => {
    const { events, state: after } = lifecycleEvents(state(), state({ status: PollStatus.Ended, sequence: 42 }), 1, {
      ...timing,
      endReason: 'agent-session-end',
    });
    expect(typesOf(events)).toEqual([LifecycleDetailType.PollingEnded]);
    const detail = JSON.parse(lifecycleEntries(events, 7, after, context)[0]?.Detail ?? '{}');
    expect(detail).toMatchObject({
      metadata: { agentId: '1', tenant: 'acme', lifecycleSequence: 7, afterSequence: 42, platformSessionId: '6' },
      data: { reason: 'agent-session-end', execution: 'acme-1-x' },
    });
    expect(LifecycleMetadataSchema.strict().parse(detail.metadata)).toBeTruthy();
  });

  it('reports a resync', () => {
    expect(typesOf(lifecycleEvents(state(), state({ status: PollStatus.Resynced, resyncs: 1 }), 0, timing).events)).toEqual([
      LifecycleDetailType.SessionResynced,
    ]);
  });

  it.each([
    ['4 minutes', 240_000, []],
    ['5 minutes', 300_000, [LifecycleDetailType.Heartbeat]],
  ])('after %s without events sends %j', (_, idleMs, expected) => {
    const { events, state: after } = lifecycleEvents(
      state({ lastActivityAt: NOW - idleMs }),
      state({ lastActivityAt: NOW - idleMs, status: PollStatus.NoEvents }),
      0,
      timing,
    );
    expect(typesOf(events)).toEqual(expected);
    expect(after.lastActivityAt).toBe(expected.length ? NOW : NOW - idleMs);
  });

  it('counts events as activity', () => {
    const { events, state: after } = lifecycleEvents(
      state({ lastActivityAt: NOW - 900_000 }),
      state({ lastActivityAt: NOW - 900_000, status: PollStatus.Events }),
      2,
      timing,
    );
    expect(events).toEqual([]);
    expect(after.lastActivityAt).toBe(NOW);
  });

  it('numbers several lifecycle events of one iteration consecutively', () => {
    const { events, state: after } = lifecycleEvents(state({ announced: false }), state({ announced: false, status: PollStatus.Resynced }), 0, timing);
    const numbers = lifecycleEntries(events, 3, after, context).map((entry) => JSON.parse(entry.Detail).metadata.lifecycleSequence);
    expect(numbers).toEqual([3, 4]);
  });

  it('gives the same lifecycle event the same id when a retried task sends it again', () => {
    const ended = state({ status: PollStatus.Ended });
    const once = lifecycleEntries([{ type: LifecycleDetailType.PollingEnded }], 1, ended, context)[0];
    const again = lifecycleEntries([{ type: LifecycleDetailType.PollingEnded }], 2, ended, { ...context, now: NOW + 5_000 })[0];
    expect(JSON.parse(once?.Detail ?? '{}').metadata.eventId).toBe(JSON.parse(again?.Detail ?? '{}').metadata.eventId);
  });
});
