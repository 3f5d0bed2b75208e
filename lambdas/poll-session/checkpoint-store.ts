import type { SequencedEvent } from '../../contract/envelope.js';

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
}

/** What an answered poll changes in the checkpoint. */
export type CheckpointAdvance = Pick<SessionCheckpoint, 'cursor' | 'sequence' | 'platformSessionId' | 'sessionEnded' | 'endReason'>;

/** What the poll was made with: the checkpoint advances only if it still says so. */
export type CheckpointExpectation = Pick<SessionCheckpoint, 'cursor' | 'sequence'>;

/**
 * The store behind the checkpoint. Every write is conditional or idempotent, so an invocation that
 * ran "completely, partially, or not at all" can be run again.
 */
export interface CheckpointStore {
  /** The session's checkpoint (strongly consistent), or undefined before its first poll. */
  load(sessionKey: string): Promise<SessionCheckpoint | undefined>;
  /**
   * Takes the session's poll lease until `until` (epoch ms) and returns the checkpoint with it, so
   * that two invocations (a stopped execution's last one and its restart's first) never poll the
   * same cursor at once. 'busy' while another invocation holds a live lease; undefined when there is
   * no checkpoint yet.
   */
  lease(sessionKey: string, until: number): Promise<{ checkpoint: SessionCheckpoint; token: string } | 'busy' | undefined>;
  /** Gives the lease back (best effort: it also ends by itself at its `until`). */
  release(sessionKey: string, token: string): Promise<void>;
  /**
   * Creates the checkpoint, with the events it already holds (a migrated state's pending events);
   * false when a checkpoint exists already (it wins: it is newer).
   */
  create(sessionKey: string, checkpoint: SessionCheckpoint, events: SequencedEvent[]): Promise<boolean>;
  /**
   * Stores an answered poll's events and advances the checkpoint, atomically with respect to
   * other invocations: false (and nothing visible changed) when the checkpoint no longer matches
   * `expected`, i.e. another invocation advanced it first.
   */
  commit(sessionKey: string, expected: CheckpointExpectation, next: CheckpointAdvance, events: SequencedEvent[], lockUntil: number): Promise<boolean>;
  /** Stored events with `after` < sequence ≤ `through`, oldest first, up to about `maxBytes` of them (at least one). */
  backlog(sessionKey: string, after: number, through: number, maxBytes: number): Promise<SequencedEvent[]>;
  /** Records that everything up to `through` is on the bus or parked (never moves back), then drops those events. */
  markPublished(sessionKey: string, through: number, published: SequencedEvent[]): Promise<void>;
  /**
   * Reserves `count` lifecycle numbers; returns the first of them. Works before the checkpoint exists
   * (the session's first poll failed and PollingDegraded needs a number); create() keeps them.
   */
  reserveLifecycleNumbers(sessionKey: string, count: number): Promise<number>;
}
