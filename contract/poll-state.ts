import { z } from 'zod';
import { SequencedEventSchema } from './envelope.js';
import { FaultFieldsSchema } from './fault-state.js';
import { PollingEndReasonSchema } from './lifecycle.js';

/**
 * What one poll reports to the state machine. The Choice state after the poll task branches on it,
 * so the infra imports these values.
 */
export const PollStatus = {
  /** CXone answered 200; the events are on the bus. Poll again at once. */
  Events: 'EVENTS',
  /** CXone answered 304 (timeout with nothing new). Poll again at once. */
  NoEvents: 'NO_EVENTS',
  /** Some events are not on the bus yet; they ride in `pending`. Back off, then publish them first. */
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

/**
 * The loop's state: the execution input, each poll's input and each poll's output. Kept small:
 * Step Functions caps state at 256 KB and every byte is in the execution history.
 */
export const PollStateSchema = z.object({
  /** CXone agent id (numeric string). */
  agentId: z.string().regex(/^\d+$/, 'agentId must be a numeric CXone agent id'),
  /** The API sessionId cursor for the next poll; CXone rotates it on every 200. */
  sessionId: z.string().min(1),
  /** Platform SessionId from AgentSessionStart, once seen. */
  platformSessionId: z.string().nullable().default(null),
  /** Sequence number of the last event given a place in this session (0 = none yet). */
  sequence: z.number().int().nonnegative().default(0),
  /** Events received but not yet on the bus, oldest first. */
  pending: z.array(SequencedEventSchema).default([]),
  /** Consecutive invocations that ended with events still pending. */
  publishAttempts: z.number().int().nonnegative().default(0),
  /** CXone said the session ended; finish once `pending` is empty. */
  sessionEnded: z.boolean().default(false),
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
  /** Why the session ended, for the PollingEnded lifecycle event. */
  endReason: PollingEndReasonSchema.optional(),
  status: z.enum(Object.values(PollStatus) as [PollStatus, ...PollStatus[]]).optional(),
  ...FaultFieldsSchema.shape,
});
export type PollStateInput = z.input<typeof PollStateSchema>;
export type PollState = z.infer<typeof PollStateSchema>;

/** What the poll task receives: the state, and the execution's name (for the hand-over name). */
export const PollInvocationSchema = z.object({
  state: PollStateSchema,
  executionName: z.string().min(1),
  /** `$$.State.RetryCount`: failed attempts before this one in the same entry, for the history budget. */
  retryCount: z.number().int().nonnegative().default(0),
});
export type PollInvocation = z.infer<typeof PollInvocationSchema>;

/** The name of the next generation: `<name>-g2`, `<name>-g3`, … (Step Functions names are unique). */
export function nextGenerationName(executionName: string): string {
  const match = /^(.*)-g(\d+)$/.exec(executionName);
  return match ? `${match[1]}-g${Number(match[2]) + 1}` : `${executionName}-g2`;
}
