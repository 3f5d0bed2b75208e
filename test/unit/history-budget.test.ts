import { describe, expect, it } from 'vitest';
import {
  CAUGHT_ENTRY_MAX_EVENTS,
  HAND_OVER_AT_HISTORY_EVENTS,
  HAND_OVER_TAIL_EVENTS,
  HISTORY_EVENT_LIMIT,
  POLL_ENTRY_MAX_ATTEMPTS,
  pollEntryEvents,
  SIGNAL_ENTRY_EVENTS,
} from '../../contract/history-budget.js';
import { type PollState, PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import { spendHistory } from '../../lambdas/poll-session/history-budget.js';

const executionName = 'acme-2103457-20250312T140001000Z';
const start = (): PollState => PollStateSchema.parse({ v: 2, agentId: '2103457', sessionId: 'c', status: PollStatus.NoEvents });

describe('history budget', () => {
  it('counts a normal poll as its task entry alone: the task is its own Next', () => {
    const first = spendHistory({ ...start(), status: PollStatus.NoEvents }, { retryCount: 0, caught: false, executionName, loop: 'self' });
    expect(first.historyEvents).toBe(1 + 5);
    const next = spendHistory({ ...first, status: PollStatus.Events }, { retryCount: 2, caught: false, executionName, loop: 'self' });
    expect(next.historyEvents).toBe(6 + 2 + 3 * 3);
  });

  it('counts the Choice after every poll of the previous loop', () => {
    const first = spendHistory({ ...start(), status: PollStatus.NoEvents }, { retryCount: 0, caught: false, executionName, loop: 'choice' });
    expect(first.historyEvents).toBe(1 + 5 + 2);
  });

  it("counts a caught entry at its most: the first attempt and every retrier's (bridge errors 2, Lambda errors that leave nothing running 6, that may still run 2)", () => {
    expect(POLL_ENTRY_MAX_ATTEMPTS).toBe(11);
    expect(CAUGHT_ENTRY_MAX_EVENTS).toBe(2 + 3 * 11);
  });

  it('counts the caught entry at its most, the fault-mode entry, the entry that signals the back-off and the Wait', () => {
    const state = spendHistory(
      { ...start(), historyEvents: 100, status: PollStatus.BackOff, backOffSeconds: 30 },
      { retryCount: 0, caught: true, executionName, loop: 'self' },
    );
    expect(state.historyEvents).toBe(100 + CAUGHT_ENTRY_MAX_EVENTS + pollEntryEvents(0) + SIGNAL_ENTRY_EVENTS + 2);
    expect(state.status).toBe(PollStatus.BackOff);
  });

  it('counts the entry that signals the end of a session', () => {
    const state = spendHistory({ ...start(), historyEvents: 100, status: PollStatus.Ended }, { retryCount: 0, caught: false, executionName, loop: 'self' });
    expect(state.historyEvents).toBe(100 + pollEntryEvents(0) + SIGNAL_ENTRY_EVENTS);
  });

  it.each([PollStatus.BackOff, PollStatus.PublishPending, PollStatus.NoEvents, PollStatus.Events, PollStatus.Resynced])(
    'hands over instead of looping on %s once the budget is used',
    (status) => {
      const state = spendHistory(
        { ...start(), historyEvents: HAND_OVER_AT_HISTORY_EVENTS - 3, polls: 17, status, backOffSeconds: 9 },
        { retryCount: 0, caught: false, executionName, loop: 'self' },
      );
      expect(state).toMatchObject({ status: PollStatus.HandOver, nextExecutionName: `${executionName}-g2`, polls: 0, historyEvents: 0 });
      expect(state).not.toHaveProperty('backOffSeconds');
    },
  );

  it('lets an ending session end', () => {
    const state = spendHistory(
      { ...start(), historyEvents: HISTORY_EVENT_LIMIT, status: PollStatus.Ended },
      { retryCount: 0, caught: false, executionName, loop: 'self' },
    );
    expect(state.status).toBe(PollStatus.Ended);
  });

  it('hands over before 25,000 events in the worst case: every poll fails through all retries and backs off', () => {
    // Every entry makes all its attempts and is caught, the fault mode itself needs all its retries:
    // the most history one back-off round can write. Events are counted as AWS would write them.
    let state: PollState = start();
    let actual = 1; // ExecutionStarted
    let rounds = 0;
    for (;;) {
      const retryCount = POLL_ENTRY_MAX_ATTEMPTS - 1; // the fault-mode entry's own failed attempts before it succeeded
      actual += CAUGHT_ENTRY_MAX_EVENTS + pollEntryEvents(retryCount) + SIGNAL_ENTRY_EVENTS + 2;
      state = spendHistory({ ...state, status: PollStatus.BackOff, backOffSeconds: 300 }, { retryCount, caught: true, executionName, loop: 'self' });
      rounds += 1;
      if (state.status === PollStatus.HandOver) break;
      expect(state.historyEvents).toBeGreaterThanOrEqual(actual);
    }
    actual += SIGNAL_ENTRY_EVENTS + HAND_OVER_TAIL_EVENTS; // the entry that signals the hand-over, the hand-over task with every retry, the end
    expect(actual).toBeLessThan(HISTORY_EVENT_LIMIT);
    expect(rounds).toBeGreaterThan(100);
  });
});
