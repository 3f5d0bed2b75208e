import { describe, expect, it } from 'vitest';
import { LoopSignal, LoopSignalError } from '../../contract/loop-signals.js';
import { LegacyPollStateSchema, type PollState, PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import { loopSignalFor } from '../../lambdas/poll-session/loop-signal.js';

const executionName = 'acme-2103457-20250312T140001000Z';
const state = (fields: Partial<PollState>): PollState => ({ ...PollStateSchema.parse({ v: 2, agentId: '2103457' }), ...fields });

describe('loop signals', () => {
  it.each([
    [PollStatus.Ended, {}, LoopSignal.SessionEnded],
    [PollStatus.HandOver, { nextExecutionName: `${executionName}-g2` }, LoopSignal.HandOverDue],
    [PollStatus.BackOff, { backOffSeconds: 30 }, LoopSignal.BackOff],
    [PollStatus.PublishPending, {}, LoopSignal.PublishBackOff],
  ] as const)('leaves the loop after a poll that returned %s', (status, fields, signal) => {
    // Act
    const raised = loopSignalFor(state({ status, ...fields }), executionName);

    // Assess
    expect(raised).toBeInstanceOf(LoopSignalError);
    expect(raised?.name).toBe(signal);
    // The runtime reports the stack as the Cause's trace: one line, no paths, no state.
    expect(raised?.stack).toBe(`${signal}: ${raised?.message}`);
  });

  it.each([PollStatus.Events, PollStatus.NoEvents, PollStatus.Resynced, undefined])('polls again after %s', (status) => {
    expect(loopSignalFor(state({ status }), executionName)).toBeUndefined();
  });

  it('polls after the back-off wait, which the Catch marks with the signal', () => {
    const waited = state({ status: PollStatus.BackOff, backOffSeconds: 30, signal: { Error: LoopSignal.BackOff, Cause: '{}' } });
    expect(loopSignalFor(waited, executionName)).toBeUndefined();
  });

  it('runs the fault mode when the Catch sent a fault, whatever the status', () => {
    const caught = state({ status: PollStatus.BackOff, backOffSeconds: 30, fault: { Error: 'CxoneUnavailableError', Cause: '{}' } });
    expect(loopSignalFor(caught, executionName)).toBeUndefined();
  });

  it('lets the next generation poll: its input names itself as the next execution', () => {
    const handedOver = state({ status: PollStatus.HandOver, nextExecutionName: executionName });
    expect(loopSignalFor(handedOver, executionName)).toBeUndefined();
  });

  it('lets a state of the build before version 2 poll: that build routed it already', () => {
    const legacy = { agentId: '2103457', sessionId: 'cursor', sequence: 4, pending: [], publishAttempts: 1, status: PollStatus.PublishPending };
    expect(loopSignalFor(LegacyPollStateSchema.parse(legacy), executionName)).toBeUndefined();
  });
});
