import { LoopSignal, LoopSignalError } from '../../contract/loop-signals.js';
import { type LegacyPollState, POLL_STATE_VERSION, type PollState, PollStatus } from '../../contract/poll-state.js';

/**
 * The signal this entry into the poll task must raise instead of polling, if any (see
 * contract/loop-signals.ts). The poll task loops on itself; a poll whose outcome is rare (the session
 * ended, a hand-over is due, a back-off) returns its state as before, and the next entry, finding that
 * status in its input, raises the signal at once, before any I/O, for the Catch to route.
 * - With `$.fault` the Catch sent this entry to the fault mode: it runs.
 * - With `$.signal` the loop has just waited after a back-off signal: it polls.
 * - HAND_OVER naming this very execution is the next generation's input: it polls.
 * - A state of the build before version 2 was routed by that build's Choice already (it reaches the
 *   task only as "poll now"): it polls, and the poll migrates it.
 */
export function loopSignalFor(state: PollState | LegacyPollState, executionName: string): LoopSignalError | undefined {
  if (state.v !== POLL_STATE_VERSION || state.fault || ('signal' in state && state.signal)) return undefined;
  switch (state.status) {
    case PollStatus.Ended:
      return new LoopSignalError(LoopSignal.SessionEnded, 'the agent session is over');
    case PollStatus.HandOver:
      return state.nextExecutionName && state.nextExecutionName !== executionName
        ? new LoopSignalError(LoopSignal.HandOverDue, `next generation ${state.nextExecutionName}`)
        : undefined;
    case PollStatus.BackOff:
      return new LoopSignalError(LoopSignal.BackOff, `back off ${state.backOffSeconds ?? 0} s`);
    case PollStatus.PublishPending:
      return new LoopSignalError(LoopSignal.PublishBackOff, 'events wait in the store');
    default:
      return undefined;
  }
}

/** The state without the back-off catcher's marker: it is read once, at the entry after the Wait. */
export function withoutSignal<T extends object>(state: T): T {
  if (!('signal' in state)) return state;
  const { signal: _waited, ...rest } = state;
  return rest as T;
}
