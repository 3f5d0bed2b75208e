/**
 * The session's poll lease: which execution may poll the session. CXone splits a session's events
 * between concurrent get-next-event polls (each event goes to one of them), so two pollers of one
 * session would each checkpoint half a batch: exactly one execution may poll at any time.
 *
 * The lease belongs to an execution, not to an invocation, so the common path costs one strongly
 * consistent read of HEAD per poll and a write only every few minutes (a renewal):
 * - the owner polls while its lease outlives the longest invocation, and renews it before it would not;
 * - the next generation takes it from its predecessor at once when the predecessor's last invocation
 *   returned before the hand-over started it; after a failed one (that attempt may still run), it
 *   claims the lease as a restart does;
 * - anyone takes an expired lease: the owner polled only while the lease outlived its invocation;
 * - any other execution (a restart, after the owner was stopped or failed) claims it: the owner's
 *   invocations see the claim and yield at their start or end, and the claimant takes it anyway once
 *   the claim is older than the longest invocation (an owner that could not yield has ended by then);
 * - an execution that held the lease before and finds another owner was superseded: it never claims
 *   back, so two live executions of one session cannot trade the lease to and fro.
 * Inside one execution, a retried attempt never overlaps the attempt before it: the state machine
 * waits at least the function's timeout before retrying an error after which that attempt may still
 * be running (contract/retry-policy.ts).
 *
 * Every bound rests on the function's timeout, "the maximum amount of time in seconds that a Lambda
 * function can run" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html); each
 * write is conditional on the lease as read, so two executions deciding at once cannot both win.
 */
export interface SessionLease {
  /** The execution that polls the session. */
  owner?: string;
  /** Epoch ms the owner's lease lasts until. */
  ownedUntil?: number;
  /** An execution waiting to take the lease over. */
  claimant?: string;
  /** Epoch ms from which the claimant takes the lease even if the owner never yielded. */
  claimFenceAt?: number;
  /** The per-invocation lease of a build before version 3 (no owner): live until this epoch ms. */
  legacyLeasedUntil?: number;
}

/** Who asks, and what it knows about itself. */
export interface LeaseSeeker {
  executionName: string;
  /** The generation this execution continues (`<name>-g2` continues `<name>`), if any. */
  predecessor?: string;
  /** The predecessor's last invocation returned (it handed over after a poll, not after a fault). */
  predecessorFinished: boolean;
  /** This execution line held the lease before (it has polled): it never claims. */
  heldBefore: boolean;
}

export interface LeaseTiming {
  /** The longest an invocation of the poller can run: its function timeout. */
  invocationMaxMs: number;
}

/** How long a lease lasts once taken or renewed: renewals stay rare (a write every ~14 minutes). */
export const LEASE_MS = 15 * 60_000;
/** Allowance for the clocks of two Lambda hosts to disagree. */
export const CLOCK_SKEW_MS = 5_000;

export type LeaseStep =
  | { kind: 'poll' }
  | { kind: 'renew' }
  | { kind: 'take' }
  | { kind: 'claim' }
  | { kind: 'yield'; to: string }
  | { kind: 'wait'; until: number }
  | { kind: 'superseded'; by: string };

/** The next step toward polling, from the lease as HEAD holds it. */
export function nextLeaseStep(lease: SessionLease, seeker: LeaseSeeker, now: number, timing: LeaseTiming): LeaseStep {
  const live = (until: number | undefined) => until !== undefined && until > now;
  const { owner, claimant } = lease;
  if (owner === seeker.executionName) {
    if (claimant && claimant !== seeker.executionName) return { kind: 'yield', to: claimant };
    // A poll starts only while the lease outlives the whole invocation.
    return (lease.ownedUntil ?? 0) - now < timing.invocationMaxMs + CLOCK_SKEW_MS ? { kind: 'renew' } : { kind: 'poll' };
  }
  if (owner === undefined) return live(lease.legacyLeasedUntil) ? { kind: 'wait', until: lease.legacyLeasedUntil as number } : { kind: 'take' };
  if (!live(lease.ownedUntil)) return { kind: 'take' };
  if (owner === seeker.predecessor) {
    if (seeker.predecessorFinished) return { kind: 'take' };
  } else if (seeker.heldBefore) {
    return { kind: 'superseded', by: owner };
  }
  if (claimant === seeker.executionName) return live(lease.claimFenceAt) ? { kind: 'wait', until: lease.claimFenceAt as number } : { kind: 'take' };
  // Another execution's claim: let it run its course (its fence plus one more invocation) first.
  const claimLapsesAt = (lease.claimFenceAt ?? 0) + timing.invocationMaxMs;
  if (claimant && live(claimLapsesAt)) return { kind: 'wait', until: claimLapsesAt };
  return { kind: 'claim' };
}

/** When a claim made now may take the lease without the owner's yield. */
export function claimFence(now: number, timing: LeaseTiming): number {
  return now + timing.invocationMaxMs + CLOCK_SKEW_MS;
}

/** The generation `<name>-g<n>` continues, or undefined for a first generation. */
export function predecessorOf(executionName: string): string | undefined {
  const match = /^(.*)-g(\d+)$/.exec(executionName);
  if (!match) return undefined;
  const generation = Number(match[2]);
  return generation <= 2 ? match[1] : `${match[1]}-g${generation - 1}`;
}
