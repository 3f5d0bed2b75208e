import { z } from 'zod';

/**
 * Loop signals: how the session loop leaves its one-transition common path. The poll task's `Next`
 * is the poll task itself, so a poll costs one billed state transition; the rare outcomes (the
 * session ended, a hand-over is due, a back-off) leave the loop as errors with these names, which
 * the task's `Catch` routes to their states. A signal is not a failure: the handler raises it at the
 * start of the invocation that follows the poll whose state asked for it, before any I/O, and the
 * state it acts on is already the task's input (the Catch keeps it: `ResultPath` null, or the error
 * output beside it at `SIGNAL_RESULT_PATH`), so nothing rides in the error's Cause.
 *
 * What AWS documents, and what this relies on:
 * - `Next` names any state of the machine; nothing forbids a state naming itself
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-common-fields.html,
 *   https://states-language.net/spec.html#transition).
 * - Step Functions bills "a state transition each time a step of your workflow is executed ...
 *   including retries" (https://aws.amazon.com/step-functions/pricing/): each entry into the poll task
 *   is one transition, each Retry attempt one more, and the state a Catch goes to is entered (billed)
 *   like any other.
 * - A Lambda function error reaches Retry/Catch with Error = the runtime's `errorType` (the thrown
 *   error's `name`) and Cause = the JSON document `{"errorType","errorMessage","trace"}`
 *   (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html,
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). A catcher's
 *   `ResultPath` puts that error output into the task's input (null keeps the input as it was).
 * - Error is at most 256 characters and Cause at most 32,768 (ExecutionFailedEventDetails,
 *   TaskFailedEventDetails: https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html);
 *   a signal's Cause is its name and a short message, far below.
 * - A Lambda task writes TaskStateEntered, then per attempt LambdaFunctionScheduled, LambdaFunctionStarted
 *   and LambdaFunctionSucceeded/Failed/TimedOut (a retried attempt three more inside the same entry)
 *   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html). The reference
 *   lists the event types, not which a caught failure ends with: contract/history-budget.ts counts a
 *   TaskStateExited for it too (at worst one event too many).
 * - AWS/Lambda `Errors` counts "invocations that result in a function error ... exceptions that your
 *   code throws" (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html): a signal
 *   is one. So no alarm of the stack watches the poller's `Errors`; the poller's own `PollErrors` (EMF)
 *   counts real failures only, and failed executions alarm through FailedExecutionsAlarm.
 */
export const LoopSignal = {
  /** The agent session is over and everything is on the bus (was status ENDED → Succeed). */
  SessionEnded: 'Loop.SessionEnded',
  /** The history budget is used: start the next generation (was status HAND_OVER → HandOver). */
  HandOverDue: 'Loop.HandOverDue',
  /** A fault outlived the quick retries: wait `backOffSeconds` (was status BACK_OFF → Wait). */
  BackOff: 'Loop.BackOff',
  /** The session is over but events wait in the store: wait, then publish (was status PUBLISH_PENDING → Wait). */
  PublishBackOff: 'Loop.PublishBackOff',
} as const;
export type LoopSignal = (typeof LoopSignal)[keyof typeof LoopSignal];

/** Where the catchers of the back-off signals put their error output: the next entry sees that it waited. */
export const SIGNAL_RESULT_PATH = '$.signal';

/** What a back-off catcher puts at `$.signal`. */
export const CaughtSignalSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

/**
 * Which loop the definition builder synthesizes. `self`: the poll task loops on itself (one
 * transition per poll), the deployed loop. `choice`: the previous loop, the poll task followed by a
 * Choice on the status (two per poll), kept so that `npm run bench` measures both in one run.
 */
export const LoopShape = { Self: 'self', Choice: 'choice' } as const;
export type LoopShape = (typeof LoopShape)[keyof typeof LoopShape];

/** A loop signal, thrown by the poller; its `name` is what the Catch matches. Not an error of the bridge. */
export class LoopSignalError extends Error {
  constructor(signal: LoopSignal, message: string) {
    super(message);
    this.name = signal;
    // The runtime puts the stack in the Cause (as `trace`): one line, no file paths.
    this.stack = `${signal}: ${message}`;
  }
}
