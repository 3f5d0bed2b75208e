import { afterPollEvents, CAUGHT_ENTRY_MAX_EVENTS, HAND_OVER_AT_HISTORY_EVENTS, HistoryEvents, pollEntryEvents } from '../../contract/history-budget.js';
import { type LegacyPollState, nextGenerationName, type PollState, PollStatus } from '../../contract/poll-state.js';

/** Statuses after which the loop goes round again (and so may hand over instead). */
const LOOPING: ReadonlySet<string> = new Set([PollStatus.Events, PollStatus.NoEvents, PollStatus.Resynced, PollStatus.PublishPending, PollStatus.BackOff]);
/** Statuses after which the loop waits before the next poll. */
const WAITING: ReadonlySet<string> = new Set([PollStatus.PublishPending, PollStatus.BackOff]);
/** Statuses after which the self-looping task leaves the loop through a signal (contract/loop-signals.ts). */
const LEAVING: ReadonlySet<string> = new Set([PollStatus.PublishPending, PollStatus.BackOff, PollStatus.HandOver, PollStatus.Ended]);

export interface InvocationPath {
  /** `$$.State.RetryCount`: failed attempts before this one in the same entry. */
  retryCount: number;
  /** This invocation is the fault mode: the entry before it ended in the Catch. */
  caught: boolean;
  executionName: string;
  /** The loop the definition runs: the self-looping task, or the previous Task + Choice. */
  loop: 'self' | 'choice';
}

/**
 * Adds what this invocation's path costs in history events (contract/history-budget.ts) and, once
 * the execution has used its budget, turns a looping status into a hand-over: whatever the path
 * (polls, failed publishes, back-off waits, retried attempts), the next generation takes over long
 * before Step Functions' 25,000-event limit.
 */
export function spendHistory<S extends PollState | LegacyPollState>(state: S, path: InvocationPath): S {
  const status = state.status ?? PollStatus.NoEvents;
  if (status === PollStatus.HandOver) return { ...state, historyEvents: 0 };
  let used = state.historyEvents === 0 ? HistoryEvents.executionStarted : state.historyEvents;
  if (path.caught) used += CAUGHT_ENTRY_MAX_EVENTS;
  used += pollEntryEvents(path.retryCount) + afterPollEvents(LEAVING.has(status), WAITING.has(status), path.loop);
  if (LOOPING.has(status) && used >= HAND_OVER_AT_HISTORY_EVENTS) {
    // The next generation starts with the state as is (cursor, degraded record); it polls at once.
    const { backOffSeconds: _wait, ...rest } = state;
    return { ...rest, status: PollStatus.HandOver, polls: 0, historyEvents: 0, nextExecutionName: nextGenerationName(path.executionName) } as S;
  }
  return { ...state, historyEvents: used };
}
