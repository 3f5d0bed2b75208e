import { describe, expect, it } from 'vitest';
import { LifecycleDetailType } from '../../contract/lifecycle.js';
import { type PollState, PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import { lifecycleEvents } from '../../lambdas/poll-session/lifecycle.js';

const NOW = Date.parse('2025-03-12T15:00:00Z');
const context = { tenant: 'acme', eventSource: 'cxone.agent-events', executionName: 'acme-1-x', heartbeatIntervalMs: 300_000, now: NOW };
const state = (overrides: Partial<PollState> = {}): PollState => PollStateSchema.parse({ agentId: '1', sessionId: 'c', announced: true, lastActivityAt: NOW - 1_000, ...overrides });
const typesOf = (entries: { DetailType: string }[]) => entries.map((entry) => entry.DetailType);

describe('lifecycleEvents', () => {
  it('announces polling once, on the first iteration', () => {
    const first = lifecycleEvents(state({ announced: false }), state({ announced: false, status: PollStatus.Events }), 3, context);
    expect(typesOf(first.entries)).toEqual([LifecycleDetailType.PollingStarted]);
    expect(first.state.announced).toBe(true);
    expect(lifecycleEvents(first.state, { ...first.state, status: PollStatus.Events }, 1, context).entries).toEqual([]);
  });

  it('tells why polling ended', () => {
    const { entries } = lifecycleEvents(state(), state({ status: PollStatus.Ended, endReason: 'agent-session-end', sequence: 42 }), 1, context);
    expect(typesOf(entries)).toEqual([LifecycleDetailType.PollingEnded]);
    const detail = JSON.parse(entries[0]?.Detail ?? '{}');
    expect(detail).toMatchObject({ metadata: { agentId: '1', tenant: 'acme', sequence: 42 }, data: { reason: 'agent-session-end', execution: 'acme-1-x' } });
  });

  it('reports a resync', () => {
    expect(typesOf(lifecycleEvents(state(), state({ status: PollStatus.Resynced, resyncs: 1 }), 0, context).entries)).toEqual([LifecycleDetailType.SessionResynced]);
  });

  it.each([
    ['4 minutes', 240_000, []],
    ['5 minutes', 300_000, [LifecycleDetailType.Heartbeat]],
  ])('after %s without events sends %j', (_, idleMs, expected) => {
    const { entries, state: after } = lifecycleEvents(state({ lastActivityAt: NOW - idleMs }), state({ lastActivityAt: NOW - idleMs, status: PollStatus.NoEvents }), 0, context);
    expect(typesOf(entries)).toEqual(expected);
    expect(after.lastActivityAt).toBe(expected.length ? NOW : NOW - idleMs);
  });

  it('counts events as activity', () => {
    const { entries, state: after } = lifecycleEvents(state({ lastActivityAt: NOW - 900_000 }), state({ lastActivityAt: NOW - 900_000, status: PollStatus.Events }), 2, context);
    expect(entries).toEqual([]);
    expect(after.lastActivityAt).toBe(NOW);
  });

  it('gives the same lifecycle event the same id when a retried task sends it again', () => {
    const once = lifecycleEvents(state(), state({ status: PollStatus.Ended }), 0, context).entries[0];
    const again = lifecycleEvents(state(), state({ status: PollStatus.Ended }), 0, { ...context, now: NOW + 5_000 }).entries[0];
    expect(JSON.parse(once?.Detail ?? '{}').metadata.eventId).toBe(JSON.parse(again?.Detail ?? '{}').metadata.eventId);
  });
});
