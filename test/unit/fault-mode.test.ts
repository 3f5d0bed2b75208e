import { describe, expect, it } from 'vitest';
import type { EnvelopeEntry } from '../../contract/envelope.js';
import { RETRYABLE_ERROR_NAMES } from '../../contract/errors.js';
import { FaultClass, MAX_FAULT_REASON_LENGTH } from '../../contract/fault-state.js';
import { type PollState, PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import { BACK_OFF, LAMBDA_INIT_PHASE_LIMIT_SECONDS } from '../../contract/retry-policy.js';
import { LAMBDA_ERRORS_MAY_STILL_RUN, LAMBDA_ERRORS_NOT_RUNNING } from '../../contract/state-machine.js';
import { backOffAfterFault, backOffSeconds, classifyFault, faultReason, recoverIfDegraded } from '../../lambdas/poll-session/fault-mode.js';

const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: Array.from({ length: 200 }, (_, n) => `    at frame${n} (file.js:${n}:1)`) });

/** What is left of the fault-mode invocation's timeout when it starts: a 100 s function, 0.6 s in. */
const REMAINING_MS = 99_400;
/** The least back-off when an attempt may still run: the rest of the timeout, rounded up, and the Init limit. */
const WAIT_OUT_SECONDS = 100 + LAMBDA_INIT_PHASE_LIMIT_SECONDS;

function fakeContext(now = 1_700_000_000_000, remainingMs = REMAINING_MS) {
  const published: EnvelopeEntry[] = [];
  let clock = now;
  let lifecycleNumber = 0;
  return {
    published,
    advance: (ms: number) => {
      clock += ms;
    },
    context: {
      tenant: 'acme',
      eventSource: 'cxone.agent-events',
      executionName: 'acme-2103457-20250312T140001000Z',
      now: () => clock,
      random: () => 0.5,
      remainingTimeMs: () => remainingMs,
      reserveLifecycleNumbers: async (count: number) => {
        lifecycleNumber += count;
        return lifecycleNumber - count + 1;
      },
      putEvents: async (entries: EnvelopeEntry[]) => {
        published.push(...entries);
        return entries.map(() => ({}));
      },
    },
  };
}

const baseState = (): PollState =>
  PollStateSchema.parse({ v: 2, agentId: '2103457', sessionId: 'cursor-1', sequence: 12, polls: 40, announced: true, status: PollStatus.NoEvents });

describe('classifying what a poll ended with', () => {
  it.each([
    ['CxoneUnavailableError', FaultClass.Transient],
    ['CxoneContractViolationError', FaultClass.Transient],
    ['PublishFailedError', FaultClass.Transient],
    ['Lambda.Unknown', FaultClass.Transient],
    ['Lambda.ClientExecutionTimeoutException', FaultClass.Transient],
    ['Lambda.ServiceException', FaultClass.Transient],
    ['Lambda.TooManyRequestsException', FaultClass.Transient],
    ['Sandbox.Timedout', FaultClass.Transient],
    ['States.Timeout', FaultClass.Transient],
    ['CxoneAuthFailedError', FaultClass.Refused],
    ['CxoneRequestRejectedError', FaultClass.Refused],
    ['TypeError', FaultClass.Unexpected],
    ['Runtime.ImportModuleError', FaultClass.Unexpected],
    ['States.TaskFailed', FaultClass.Unexpected],
  ])('classifies %s as %s', (error, expected) => {
    expect(classifyFault({ Error: error, Cause: 'x' })).toBe(expected);
  });

  it("keeps only the error name and Lambda's message, on one bounded line", () => {
    const reason = faultReason({ Error: 'CxoneUnavailableError', Cause: lambdaCause('CxoneUnavailableError', 'CXone get-next-event answered HTTP 503') });
    expect(reason).toBe('CxoneUnavailableError: CXone get-next-event answered HTTP 503');
    const long = faultReason({ Error: 'TypeError', Cause: lambdaCause('TypeError', `x\n${'y'.repeat(5_000)}`) });
    expect(long.length).toBe(MAX_FAULT_REASON_LENGTH);
    expect(long).not.toMatch(/\n|at frame/);
  });

  it('takes a plain-text Cause as it is (States.* errors)', () => {
    expect(faultReason({ Error: 'States.Timeout', Cause: 'Task timed out' })).toBe('States.Timeout: Task timed out');
    expect(faultReason({ Error: 'Lambda.Unknown' })).toBe('Lambda.Unknown:');
  });
});

describe('back-off', () => {
  it('doubles the window from the base to the cap, with full jitter inside it', () => {
    const top = (faults: number, faultClass: FaultClass = FaultClass.Transient) => backOffSeconds(faults, faultClass, () => 0.999_999);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 50, 10_000].map((faults) => top(faults))).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    expect(top(20, FaultClass.Refused)).toBe(BACK_OFF.refusedCapSeconds);
    expect(backOffSeconds(30, FaultClass.Transient, () => 0)).toBe(BACK_OFF.minSeconds);
  });

  it('spreads sessions that failed together across the whole window', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const waits = Array.from({ length: 1_000 }, () => backOffSeconds(12, FaultClass.Transient, random));
    const perMinute = [0, 1, 2, 3, 4].map((minute) => waits.filter((wait) => wait > minute * 60 && wait <= (minute + 1) * 60).length);
    // Uniform over 300 s: about 200 per minute, none of the five minutes takes more than a third.
    for (const count of perMinute) expect(count).toBeGreaterThan(120);
    for (const count of perMinute) expect(count).toBeLessThan(333);
    expect(Math.max(...waits)).toBeLessThanOrEqual(300);
  });
});

describe('back-off while an attempt of this execution may still be running', () => {
  const faultAfter = (error: string) => ({ ...baseState(), fault: { Error: error, Cause: 'x' } });
  const drawingZero = (remainingMs = REMAINING_MS) => ({ ...fakeContext(undefined, remainingMs).context, random: () => 0 });

  it.each([...LAMBDA_ERRORS_MAY_STILL_RUN])(
    'waits out the poller function after %s: the rest of this invocation plus the Init limit, whatever the jitter draws',
    async (error) => {
      const { state } = await backOffAfterFault(faultAfter(error), drawingZero());
      expect(state.backOffSeconds).toBe(WAIT_OUT_SECONDS);
    },
  );

  it.each([...LAMBDA_ERRORS_NOT_RUNNING, 'TypeError', 'States.TaskFailed'])(
    'waits it out after %s too: a failed fault-mode invocation replaces the fault that sent it there',
    async (error) => {
      const { state } = await backOffAfterFault(faultAfter(error), drawingZero());
      expect(state.backOffSeconds).toBe(WAIT_OUT_SECONDS);
    },
  );

  it.each([...RETRYABLE_ERROR_NAMES, 'CxoneAuthFailedError', 'CxoneRequestRejectedError'])(
    'backs off quickly after %s: only a poll that ended throws it',
    async (error) => {
      const { state } = await backOffAfterFault(faultAfter(error), drawingZero());
      expect(state.backOffSeconds).toBe(BACK_OFF.minSeconds);
    },
  );

  it('measures the wait from what is left of this invocation: the rest counts from its own start', async () => {
    const { state } = await backOffAfterFault(faultAfter('Lambda.ServiceException'), drawingZero(30_001));
    expect(state.backOffSeconds).toBe(31 + LAMBDA_INIT_PHASE_LIMIT_SECONDS);
  });

  it('keeps a longer jittered back-off as it is', async () => {
    const context = { ...fakeContext().context, random: () => 0.999_999 };
    const { state } = await backOffAfterFault(
      { ...faultAfter('States.Timeout'), degraded: { since: 1, faults: 11, reason: 'r', faultClass: 'transient' } },
      context,
    );
    expect(state.backOffSeconds).toBe(BACK_OFF.capSeconds);
  });
});

describe('fault mode', () => {
  it('records the first fault, publishes PollingDegraded once and backs off', async () => {
    const { context, published, advance } = fakeContext();
    const first = await backOffAfterFault(
      { ...baseState(), fault: { Error: 'CxoneUnavailableError', Cause: lambdaCause('CxoneUnavailableError', 'CXone get-next-event answered HTTP 503') } },
      context,
    );
    expect(first.entered).toBe(true);
    expect(first.state).toMatchObject({
      status: PollStatus.BackOff,
      backOffSeconds: 1,
      sessionId: 'cursor-1',
      degraded: { since: 1_700_000_000_000, faults: 1, faultClass: 'transient' },
    });
    expect(first.state).not.toHaveProperty('fault');
    expect(published.map((entry) => entry.DetailType)).toEqual(['CxoneEventBridge.PollingDegraded']);
    expect(JSON.parse(published[0]?.Detail ?? '{}').data).toMatchObject({
      reason: 'CxoneUnavailableError: CXone get-next-event answered HTTP 503',
      faultClass: 'transient',
      degradedSince: '2023-11-14T22:13:20.000Z',
      faults: 1,
    });

    advance(60_000);
    const second = await backOffAfterFault({ ...first.state, fault: { Error: 'Lambda.Unknown', Cause: 'out of memory' } }, context);
    expect(second.entered).toBe(false);
    expect(second.state.degraded).toMatchObject({ since: 1_700_000_000_000, faults: 2, reason: 'Lambda.Unknown: out of memory' });
    // Lambda.Unknown may stand for a fault-mode invocation that crashed after an attempt that may still run.
    expect(second.state.backOffSeconds).toBe(WAIT_OUT_SECONDS);
    expect(published).toHaveLength(1);
  });

  it('keeps the state small whatever the Cause', async () => {
    const { context } = fakeContext();
    const huge = { Error: 'TypeError', Cause: lambdaCause('TypeError', 'z'.repeat(30_000)) };
    const { state } = await backOffAfterFault({ ...baseState(), fault: huge }, context);
    expect(JSON.stringify(state).length).toBeLessThan(1_000);
  });

  it('backs off even when EventBridge refuses the lifecycle event', async () => {
    const { context } = fakeContext();
    const refusing = { ...context, putEvents: async () => Promise.reject(new Error('EventBridge down')) };
    const { state } = await backOffAfterFault({ ...baseState(), fault: { Error: 'PublishFailedError', Cause: '{}' } }, refusing);
    expect(state.status).toBe(PollStatus.BackOff);
  });

  it('announces the recovery with how long and why, and clears the record', async () => {
    const { context, published, advance } = fakeContext();
    const { state: degraded } = await backOffAfterFault(
      {
        ...baseState(),
        fault: { Error: 'CxoneAuthFailedError', Cause: lambdaCause('CxoneAuthFailedError', 'CXone get-next-event answered 401 even with a fresh token') },
      },
      context,
    );
    advance(3_723_000);
    const { state, recovered } = await recoverIfDegraded({ ...degraded, status: PollStatus.Events }, context);
    expect(state).not.toHaveProperty('degraded');
    expect(state).not.toHaveProperty('backOffSeconds');
    expect(recovered).toMatchObject({ degradedForSeconds: 3_723, faults: 1, faultClass: 'refused' });
    expect(published.map((entry) => entry.DetailType)).toEqual(['CxoneEventBridge.PollingDegraded', 'CxoneEventBridge.PollingRecovered']);
    expect(JSON.parse(published[1]?.Detail ?? '{}').data).toMatchObject({
      degradedForSeconds: 3_723,
      faults: 1,
      reason: expect.stringMatching(/^CxoneAuthFailedError: .*401/),
    });
  });

  it('publishes nothing after a poll when polling was not degraded', async () => {
    const { context, published } = fakeContext();
    const before = baseState();
    expect((await recoverIfDegraded(before, context)).state).toEqual(before);
    expect(published).toEqual([]);
  });
});
