import { describe, expect, it } from 'vitest';
import { platformLogBytesPerInvocation } from '../../bench/log-bytes.js';
import { type BenchInput, logBytesPerPoll } from '../../bench/report.js';
import type { PhaseResult } from '../../bench/session-load.js';

describe("Lambda's platform records per invocation", () => {
  it('are none at system log level WARN', () => {
    expect(platformLogBytesPerInvocation('WARN')).toBe(0);
  });

  it('are a start and a report record at INFO, and more at DEBUG', () => {
    // Act
    const info = platformLogBytesPerInvocation('INFO');
    const debug = platformLogBytesPerInvocation('DEBUG');

    // Assess: two JSON lines of a couple of hundred bytes each
    expect(info).toBeGreaterThan(250);
    expect(info).toBeLessThan(600);
    expect(debug).toBeGreaterThan(info);
  });

  it('throws on a level Lambda does not have', () => {
    expect(() => platformLogBytesPerInvocation('ERROR')).toThrow(/unknown Lambda system log level ERROR/);
  });
});

describe('log bytes per poll from the runs', () => {
  /** A phase with only the counts the log figures use. */
  const phase = (pollsByOutcome: Record<string, number>, logBytesByOutcome: Record<string, number>) =>
    ({ pollsByOutcome, logBytesByOutcome }) as unknown as PhaseResult;
  const input = (pollerSystemLogLevel: string) =>
    ({
      idle: { orchestrated: phase({ NO_EVENTS: 100 }, { NO_EVENTS: 52_000 }) },
      sizes: [
        { sessions: 1_000, orchestrated: phase({ EVENTS: 400, NO_EVENTS: 50 }, { EVENTS: 600_000, NO_EVENTS: 26_500 }) },
        { sessions: 10, orchestrated: phase({ EVENTS: 1, NO_EVENTS: 1 }, { EVENTS: 1, NO_EVENTS: 1 }) },
      ],
      pollerSystemLogLevel,
    }) as unknown as BenchInput;

  it("takes the idle agent's 304s from the idle run, and the busy agent's 200s and 304s from the largest busy run", () => {
    expect(logBytesPerPoll(input('WARN'))).toEqual({ idle: 520, busyNoEvents: 530, busyEvents: 1_500, platform: 0 });
  });

  it('takes a busy 304 to log what an idle one does when the busy window saw none', () => {
    // Prepare
    const quick = input('WARN');
    quick.sizes = [{ sessions: 100, orchestrated: phase({ EVENTS: 10 }, { EVENTS: 15_000 }) } as never];

    // Act, Assess
    expect(logBytesPerPoll(quick)).toMatchObject({ idle: 520, busyNoEvents: 520, busyEvents: 1_500 });
  });

  it("adds Lambda's platform records when the synthesized poller's system log level lets them through", () => {
    expect(logBytesPerPoll(input('INFO')).platform).toBe(platformLogBytesPerInvocation('INFO'));
  });
});
