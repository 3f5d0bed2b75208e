import type { SequencedEvent } from '../../contract/envelope.js';
import type { SessionLease } from './session-lease.js';

/**
 * The per-session checkpoint: where polling stands for one agent login, kept in a durable store so
 * that a retried, restarted or next-generation invocation resumes from it. Keyed by the session key
 * (the execution name without `-gN`/`-rN` suffixes).
 */
export interface SessionCheckpoint {
  agentId: string;
  /** The cursor for the next get-next-event poll. */
  cursor: string;
  /** Sequence number of the last CXone event numbered (0 = none yet). */
  sequence: number;
  /** Every event up to this number is on the bus or parked; those above wait in the store. */
  publishedThrough: number;
  /** Last number given to one of the bridge's own lifecycle events (0 = none yet). */
  lifecycleSequence: number;
  platformSessionId: string | null;
  sessionEnded: boolean;
  endReason?: 'agent-session-end' | 'session-gone';
  /** Epoch ms until which another invocation is writing a checkpoint too large for one transaction. */
  lockedUntil?: number;
  /**
   * An operator asked this execution (by name) to hand over to its next generation after its next
   * answered poll (`npm run ops -- roll`): the next generation starts on the state machine's current
   * definition with the whole state. Another execution of the session ignores it.
   */
  handOverRequestedFor?: string;
  /** Which execution polls the session (see session-lease.ts). */
  lease: SessionLease;
  /**
   * The last answered batch, held in HEAD itself (sequences up to `sequence`), so that an answered
   * poll costs one write. Those at or below the published mark are on the bus already.
   */
  inline?: SequencedEvent[];
}

/** What an answered poll changes in the checkpoint. */
export type CheckpointAdvance = Pick<SessionCheckpoint, 'cursor' | 'sequence' | 'platformSessionId' | 'sessionEnded' | 'endReason'>;

/** What the poll was made with: the checkpoint advances only if it still says so. */
export type CheckpointExpectation = Pick<SessionCheckpoint, 'cursor' | 'sequence'>;

/** Where the published mark stands when a batch is committed: the commit writes it along. */
export interface PublishedMark {
  /** Every event up to here is on the bus or parked (the checkpoint's mark or a later one this execution knows). */
  through: number;
  /** Events HEAD holds inline that are not on the bus yet: they move to event items before the batch replaces them. */
  unpublishedInline: SequencedEvent[];
}

/**
 * The store behind the checkpoint. Every write is conditional or idempotent, so an invocation that
 * ran "completely, partially, or not at all" can be run again.
 */
export interface CheckpointStore {
  /** The session's checkpoint (strongly consistent unless asked otherwise), or undefined before its first poll. */
  load(sessionKey: string, options?: { consistent?: boolean }): Promise<SessionCheckpoint | undefined>;
  /**
   * Creates the checkpoint, owned by `owner` until `until`, with the events it already holds (a
   * migrated state's pending events); false when a checkpoint exists already (it wins: it is newer).
   */
  create(sessionKey: string, checkpoint: Omit<SessionCheckpoint, 'lease'>, events: SequencedEvent[], owner: string, until: number): Promise<boolean>;
  /** Takes the lease for `executionName` until `until`, if it is still as `seen`. */
  takeLease(sessionKey: string, executionName: string, until: number, seen: SessionLease): Promise<boolean>;
  /** Extends the owner's lease to `until`, unless another execution claimed it meanwhile. */
  renewLease(sessionKey: string, executionName: string, until: number): Promise<boolean>;
  /** Claims the lease (taken without the owner's yield from `fenceAt`), if it is still as `seen`. */
  claimLease(sessionKey: string, executionName: string, fenceAt: number, seen: SessionLease): Promise<boolean>;
  /** The owner hands the lease to the execution that claimed it. */
  yieldLease(sessionKey: string, executionName: string, claimant: string, until: number): Promise<boolean>;
  /**
   * Stores an answered poll's events and advances the checkpoint, atomically with respect to
   * other invocations: 'superseded' (and nothing visible changed) when the checkpoint no longer
   * matches `expected`, i.e. another invocation advanced it first; otherwise where the events went
   * (held in HEAD, or event items for a batch too large for it).
   */
  commit(
    sessionKey: string,
    expected: CheckpointExpectation,
    next: CheckpointAdvance,
    events: SequencedEvent[],
    lockUntil: number,
    published: PublishedMark,
  ): Promise<'inline' | 'items' | 'superseded'>;
  /**
   * Stored events with `after` < sequence ≤ `through`, oldest first, up to about `maxBytes` of them
   * (at least one): event items first, then those HEAD holds `inline`.
   */
  backlog(sessionKey: string, after: number, through: number, maxBytes: number, inline?: SequencedEvent[]): Promise<SequencedEvent[]>;
  /**
   * Records that everything up to `through` is on the bus or parked (never moves back), then drops
   * those events' items. With `inline`, HEAD also drops the batch it holds, after moving the events
   * to `keep` of it (those still to be published) to items. Returns the lease as HEAD holds it after
   * the write, or undefined when the mark stood further already.
   */
  markPublished(sessionKey: string, through: number, published: SequencedEvent[], inline?: { keep: SequencedEvent[] }): Promise<SessionLease | undefined>;
  /**
   * Reserves `count` lifecycle numbers; returns the first of them. Works before the checkpoint exists
   * (the session's first poll failed and PollingDegraded needs a number); create() keeps them.
   */
  reserveLifecycleNumbers(sessionKey: string, count: number): Promise<number>;
}
