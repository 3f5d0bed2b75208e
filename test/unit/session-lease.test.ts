import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, claimFence, type LeaseSeeker, nextLeaseStep, predecessorOf } from '../../lambdas/poll-session/session-lease.js';

const NOW = 1_000_000;
const timing = { invocationMaxMs: 100_000 };
const base = 'acme-1-20250312T140001000Z';
const fresh: LeaseSeeker = { executionName: `${base}-r1`, heldBefore: false, predecessorFinished: true };
const owner: LeaseSeeker = { executionName: base, heldBefore: true, predecessorFinished: true };

describe('nextLeaseStep', () => {
  it('lets the owner poll while the lease outlives the longest invocation, and renew it before it would not', () => {
    expect(nextLeaseStep({ owner: base, ownedUntil: NOW + 200_000 }, owner, NOW, timing)).toEqual({ kind: 'poll' });
    expect(nextLeaseStep({ owner: base, ownedUntil: NOW + 100_000 + CLOCK_SKEW_MS - 1 }, owner, NOW, timing)).toEqual({ kind: 'renew' });
  });

  it('has the owner yield to an execution that claimed the lease', () => {
    expect(nextLeaseStep({ owner: base, ownedUntil: NOW + 900_000, claimant: fresh.executionName }, owner, NOW, timing)).toEqual({
      kind: 'yield',
      to: fresh.executionName,
    });
  });

  it("takes a free lease, an expired one, and its predecessor generation's at once", () => {
    expect(nextLeaseStep({}, fresh, NOW, timing)).toEqual({ kind: 'take' });
    expect(nextLeaseStep({ owner: base, ownedUntil: NOW - 1 }, fresh, NOW, timing)).toEqual({ kind: 'take' });
    const successor = { executionName: `${base}-g2`, predecessor: base, heldBefore: true, predecessorFinished: true };
    expect(nextLeaseStep({ owner: base, ownedUntil: NOW + 900_000 }, successor, NOW, timing)).toEqual({ kind: 'take' });
  });

  it('claims the lease from a predecessor that handed over after a fault: its failed attempt may still run', () => {
    const successor = { executionName: `${base}-g2`, predecessor: base, heldBefore: true, predecessorFinished: false };
    expect(nextLeaseStep({ owner: base, ownedUntil: NOW + 900_000 }, successor, NOW, timing)).toEqual({ kind: 'claim' });
  });

  it("claims a live lease of another execution, waits for its claim's fence, then takes it", () => {
    const held = { owner: base, ownedUntil: NOW + 900_000 };
    expect(nextLeaseStep(held, fresh, NOW, timing)).toEqual({ kind: 'claim' });
    const fence = claimFence(NOW, timing);
    const claimed = { ...held, claimant: fresh.executionName, claimFenceAt: fence };
    expect(nextLeaseStep(claimed, fresh, NOW, timing)).toEqual({ kind: 'wait', until: fence });
    expect(nextLeaseStep(claimed, fresh, fence, timing)).toEqual({ kind: 'take' });
  });

  it("never claims over another execution's claim until it lapsed, nor back a lease it held before", () => {
    const claimed = { owner: base, ownedUntil: NOW + 900_000, claimant: `${base}-r2`, claimFenceAt: NOW + 10_000 };
    expect(nextLeaseStep(claimed, fresh, NOW, timing)).toEqual({ kind: 'wait', until: NOW + 110_000 });
    expect(nextLeaseStep(claimed, fresh, NOW + 110_001, timing)).toEqual({ kind: 'claim' });
    const superseded = { executionName: `${base}-r9`, heldBefore: true, predecessorFinished: true };
    expect(nextLeaseStep({ owner: base, ownedUntil: NOW + 900_000 }, superseded, NOW, timing)).toEqual({ kind: 'superseded', by: base });
  });

  it('waits out the per-invocation lease of a build before version 3', () => {
    expect(nextLeaseStep({ legacyLeasedUntil: NOW + 5_000 }, fresh, NOW, timing)).toEqual({ kind: 'wait', until: NOW + 5_000 });
    expect(nextLeaseStep({ legacyLeasedUntil: NOW - 1 }, fresh, NOW, timing)).toEqual({ kind: 'take' });
  });
});

describe('predecessorOf', () => {
  it.each([
    [base, undefined],
    [`${base}-g2`, base],
    [`${base}-r1-g3`, `${base}-r1-g2`],
  ])('%s continues %s', (name, expected) => {
    expect(predecessorOf(name)).toBe(expected);
  });
});
