import { z } from 'zod';
import { SequencedEventSchema } from './envelope.js';
import { FaultFieldsSchema } from './fault-state.js';
import { PollingEndReasonSchema } from './lifecycle.js';
import { CaughtSignalSchema, LoopShape } from './loop-signals.js';

/**
 * The status one poll gives the state machine (from the CXone client's PollReport and what the
 * poller did with it). The Choice state after the poll task branches on it, so the infra imports these values.
 */
export const PollStatus = {
  /** CXone answered 200; the events are checkpointed (and on the bus unless EventBridge refused). Poll again at once. */
  Events: 'EVENTS',
  /** CXone answered 304 (timeout with nothing new). Poll again at once. */
  NoEvents: 'NO_EVENTS',
  /**
   * The session is over but some of its events are not on the bus yet (they wait in the checkpoint
   * store). Nothing is left to poll, so back off, then publish them.
   */
  PublishPending: 'PUBLISH_PENDING',
  /** CXone lost the cursor (404) or sent a body we could not read; the session was rejoined. Poll again at once. */
  Resynced: 'RESYNCED',
  /** This execution has polled long enough; start the next generation under `nextExecutionName` and end. */
  HandOver: 'HAND_OVER',
  /** The agent session is over (409 or AgentSessionEnd) and nothing is left to publish. */
  Ended: 'ENDED',
  /** A fault outlived the quick retries: wait `backOffSeconds`, then poll again with the same cursor. */
  BackOff: 'BACK_OFF',
} as const;
export type PollStatus = (typeof PollStatus)[keyof typeof PollStatus];

/** JSONPath of the status in the state, for the Choice state. */
export const POLL_STATUS_PATH = '$.status';

/** Version of the loop state below. Absent (version 1) is the shape that carried events in `pending`. */
export const POLL_STATE_VERSION = 2;

/**
 * Most bytes of events (their JSON) a state may carry in `unsaved.events`: half of Step Functions'
 * 256 KiB state limit, which fails the execution uncatchably when exceeded
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), so the rest of the
 * state and Step Functions' own fields keep ample room. Reader: lambdas/poll-session/poll-once.ts.
 */
export const CARRIED_EVENTS_MAX_BYTES = 128 * 1024;

/**
 * A checkpoint the store refused to take after CXone had answered (the store was unavailable): the
 * new cursor and sequence ride in the state until the next invocation can write them, so the
 * consumed cursor is never polled again. Its events were published (or parked) directly; those that
 * EventBridge and the parking store both refused ride here too (`events`, at most
 * CARRIED_EVENTS_MAX_BYTES) and are stored with the checkpoint.
 */
export const UnsavedCheckpointSchema = z.object({
  /** HEAD as it was when the poll was made: the write applies only if HEAD still says so. */
  expectedCursor: z.string().min(1),
  expectedSequence: z.number().int().nonnegative(),
  cursor: z.string().min(1),
  sequence: z.number().int().nonnegative(),
  platformSessionId: z.string().nullable(),
  sessionEnded: z.boolean(),
  endReason: PollingEndReasonSchema.optional(),
  /** Events of the batch that are neither on the bus nor parked, in sequence order. */
  events: z.array(SequencedEventSchema).optional(),
});
export type UnsavedCheckpoint = z.infer<typeof UnsavedCheckpointSchema>;

/**
 * The loop's state: the execution input, each poll's input and each poll's output. Small and
 * bounded whatever CXone sends: the cursor, the sequence and unpublished events live in the
 * per-session checkpoint store; Step Functions caps state at 256 KiB and fails the execution,
 * uncatchably, beyond it (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */
export const PollStateSchema = z.object({
  v: z.literal(POLL_STATE_VERSION),
  /** CXone agent id (numeric string). */
  agentId: z.string().regex(/^\d+$/, 'agentId must be a numeric CXone agent id'),
  /**
   * Only in an execution's input, when the bridge itself started the agent's session on a station
   * and holds its first cursor; otherwise the first poll joins. Dropped once the checkpoint exists.
   */
  sessionId: z.string().min(1).optional(),
  /** Sequence number of the last CXone event numbered (a copy of the checkpoint's, for logs and lifecycle events). */
  sequence: z.number().int().nonnegative().default(0),
  /** Polls made by this execution; the loop hands over to a fresh execution before history grows too long. */
  polls: z.number().int().nonnegative().default(0),
  /** Times the session was rejoined after CXone lost the cursor or sent an unreadable batch. */
  resyncs: z.number().int().nonnegative().default(0),
  /** With HAND_OVER: the deterministic name of the next generation's execution. */
  nextExecutionName: z.string().optional(),
  /** The PollingStarted lifecycle event has been published for this session. */
  announced: z.boolean().default(false),
  /** When events or a heartbeat were last published (epoch ms), for the idle heartbeat. */
  lastActivityAt: z.number().optional(),
  /** See UnsavedCheckpointSchema. */
  unsaved: UnsavedCheckpointSchema.optional(),
  /**
   * Every event up to this sequence is on the bus or parked, as this execution line knows (the
   * checkpoint's mark is written with the next commit, so publishing costs no write). Present once
   * the line has polled: it then never claims the session's lease from another execution.
   */
  publishedThrough: z.number().int().nonnegative().optional(),
  status: z.enum(Object.values(PollStatus) as [PollStatus, ...PollStatus[]]).optional(),
  ...FaultFieldsSchema.shape,
  /** Set by a back-off signal's Catch (contract/loop-signals.ts): the loop waited; this entry polls. */
  signal: CaughtSignalSchema.optional(),
});
export type PollStateInput = z.input<typeof PollStateSchema>;
export type PollState = z.infer<typeof PollStateSchema>;

/**
 * The state as builds before version 2 wrote it (no `v`): the cursor, the sequence and unpublished
 * events (`pending`) rode in the state. Running executions hand it to the new code after a deploy;
 * it is migrated into the checkpoint store. Also the shape of an execution input `{ agentId }` or
 * `{ agentId, sessionId }`.
 */
export const LegacyPollStateSchema = z.object({
  v: z.undefined().optional(),
  agentId: z.string().regex(/^\d+$/, 'agentId must be a numeric CXone agent id'),
  sessionId: z.string().min(1).optional(),
  platformSessionId: z.string().nullable().default(null),
  sequence: z.number().int().nonnegative().default(0),
  pending: z.array(SequencedEventSchema).default([]),
  publishAttempts: z.number().int().nonnegative().default(0),
  sessionEnded: z.boolean().default(false),
  polls: z.number().int().nonnegative().default(0),
  resyncs: z.number().int().nonnegative().default(0),
  nextExecutionName: z.string().optional(),
  announced: z.boolean().default(false),
  lastActivityAt: z.number().optional(),
  endReason: PollingEndReasonSchema.optional(),
  status: z.string().optional(),
  // A fault can meet an execution of an earlier build too: the fault mode keeps this shape intact.
  ...FaultFieldsSchema.shape,
});
export type LegacyPollState = z.infer<typeof LegacyPollStateSchema>;

/**
 * An execution's input, as discovery and `session start` send it: the agent, and a cursor only when
 * the bridge itself started the agent's session on a station. The execution joins otherwise.
 */
export interface PollExecutionInput {
  agentId: string;
  sessionId?: string;
}

/** What the poll task receives: the state (either version), and the execution's name. */
export const PollInvocationSchema = z.object({
  state: z.union([PollStateSchema, LegacyPollStateSchema]),
  executionName: z.string().min(1),
  /** `$$.State.RetryCount`: failed attempts before this one in the same entry, for the history budget. */
  retryCount: z.number().int().nonnegative().default(0),
  /**
   * The loop the definition runs (contract/loop-signals.ts). Only the self-looping definition sends
   * `self` and catches loop signals; an execution started on an earlier definition sends nothing and
   * gets statuses for its Choice, as before.
   */
  loop: z.enum([LoopShape.Self, LoopShape.Choice]).default(LoopShape.Choice),
});
export type PollInvocation = z.infer<typeof PollInvocationSchema>;

/** The name of the next generation: `<name>-g2`, `<name>-g3`, … (Step Functions names are unique). */
export function nextGenerationName(executionName: string): string {
  const match = /^(.*)-g(\d+)$/.exec(executionName);
  return match ? `${match[1]}-g${Number(match[2]) + 1}` : `${executionName}-g2`;
}
