import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { RETRYABLE_ERROR_NAMES } from '../contract/errors.js';
import { LoopShape, LoopSignal, SIGNAL_RESULT_PATH } from '../contract/loop-signals.js';
import { POLL_STATUS_PATH, PollStatus } from '../contract/poll-state.js';
import {
  HAND_OVER_RETRY,
  LAMBDA_NOT_RUNNING_RETRY,
  mayStillRunRetry,
  POLL_RETRY,
  type StateRetry,
  WAIT_BEFORE_PUBLISH_RETRY_SECONDS,
} from '../contract/retry-policy.js';
import {
  BACK_OFF_SECONDS_PATH,
  EXECUTION_ALREADY_EXISTS,
  FAULT_RESULT_PATH,
  LAMBDA_ERRORS_MAY_STILL_RUN,
  LAMBDA_ERRORS_NOT_RUNNING,
  START_EXECUTION_RESOURCE,
  StateName,
  TERMINAL_ERRORS,
} from '../contract/state-machine.js';

export interface SessionLoopDefinitionProps {
  poller: lambda.IFunction;
  /**
   * The poller's own timeout; the task timeout sits above it, and a Lambda error after which the
   * failed attempt may still be running is retried only after the poller's longest run.
   */
  pollerTimeout: Duration;
  /**
   * `self` (the deployed loop: one billed transition a poll) or `choice` (the previous Task + Choice
   * loop, synthesized only so that the benchmark measures both).
   * @default 'self'
   */
  loopShape?: LoopShape;
}

/**
 * The per-session loop: Poll → Poll → … One billed transition per poll: the poll task is its own
 * Next, no Choice and no Wait on the happy path (CXone's long poll is the wait). The rare outcomes
 * (session ended, hand-over due, back-off) leave the loop as named signals the Catch routes
 * (contract/loop-signals.ts). Publishing trouble at a session's end backs off through a Wait state.
 * A fault that outlives the poll task's few quick retries never ends the loop: the Catch runs the
 * poll task again in fault mode (error output at `$.fault`), which answers BACK_OFF with a jittered
 * wait, and the loop polls again after it, for as long as the fault lasts. Only a bad input or
 * deployment (ConfigurationError) ends in the Fail state. Before the history nears its 25,000-event
 * limit the loop starts the next generation of itself under a deterministic name (so a retried
 * hand-over cannot start two pollers) and ends.
 *
 * Error names and what States.ALL matches (not States.DataLimitExceeded nor States.Runtime, which
 * end the execution whatever the Catch says):
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export function buildSessionLoopDefinition(scope: Construct, props: SessionLoopDefinitionProps): sfn.IChainable {
  const loopShape = props.loopShape ?? LoopShape.Self;
  const poll = new tasks.LambdaInvoke(scope, StateName.Poll, {
    lambdaFunction: props.poller,
    // The function's result becomes the state as is: no Payload wrapper, no extra Pass state.
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({
      state: sfn.JsonPath.entirePayload,
      executionName: sfn.JsonPath.executionName,
      // Failed attempts of this entry, for the history budget (context object:
      // https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
      retryCount: sfn.JsonPath.numberAt('$$.State.RetryCount'),
      // Tells the poller whether this definition catches loop signals (contract/loop-signals.ts).
      loop: loopShape,
    }),
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(props.pollerTimeout.plus(Duration.seconds(30))),
    comment: 'One CXone get-next-event poll; publishes the events to EventBridge. With $.fault set: records the fault and backs off',
  });
  // A few attempts only: a fault that outlives them goes to the fault mode (Catch below). An attempt
  // that may still be running is retried only once it has surely ended: two concurrent long polls on
  // one CXone session would split its events between them.
  poll.addRetry({ errors: [...RETRYABLE_ERROR_NAMES], ...retryProps(POLL_RETRY) });
  poll.addRetry({ errors: [...LAMBDA_ERRORS_NOT_RUNNING], ...retryProps(LAMBDA_NOT_RUNNING_RETRY) });
  poll.addRetry({ errors: [...LAMBDA_ERRORS_MAY_STILL_RUN], ...retryProps(mayStillRunRetry(props.pollerTimeout.toSeconds())) });

  const failed = new sfn.Fail(scope, StateName.PollingFailed, {
    comment: 'Polling stopped on an error it cannot recover from',
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });
  poll.addCatch(failed, { errors: [...TERMINAL_ERRORS], resultPath: '$.error' });
  const waitBeforeNextPoll = new sfn.Wait(scope, StateName.WaitBeforeNextPoll, {
    time: sfn.WaitTime.secondsPath(BACK_OFF_SECONDS_PATH),
    comment: 'Polling is degraded: wait the jittered back-off the fault mode chose, then poll again with the same cursor',
  });

  const waitBeforePublishRetry = new sfn.Wait(scope, StateName.WaitBeforePublishRetry, {
    time: sfn.WaitTime.duration(Duration.seconds(WAIT_BEFORE_PUBLISH_RETRY_SECONDS)),
    comment: 'The session is over but EventBridge refused some of its events; they wait in the checkpoint store until published or parked',
  });

  const handedOver = new sfn.Succeed(scope, StateName.HandedOver, { comment: 'The next generation polls on' });
  // A raw state: the integration must name this very state machine ($$.StateMachine.Id), which
  // the typed StepFunctionsStartExecution task cannot express without a circular reference.
  const handOver = new sfn.CustomState(scope, StateName.HandOver, {
    stateJson: {
      Type: 'Task',
      Comment: 'Continue as new: the next generation resumes from the same checkpoint (cursor, sequence, events not yet on the bus)',
      Resource: START_EXECUTION_RESOURCE,
      Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'Name.$': '$.nextExecutionName', 'Input.$': '$' },
      ResultPath: null,
    },
  });
  handOver.addRetry({
    errors: ['StepFunctions.SdkClientException', 'StepFunctions.AWSStepFunctionsException', 'States.Timeout'],
    ...retryProps(HAND_OVER_RETRY),
  });
  // The name is taken: an earlier attempt of this hand-over already started the next generation.
  handOver.addCatch(handedOver, { errors: [EXECUTION_ALREADY_EXISTS], resultPath: sfn.JsonPath.DISCARD });
  handOver.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });

  const sessionEnded = new sfn.Succeed(scope, StateName.SessionEnded);
  waitBeforePublishRetry.next(poll);
  waitBeforeNextPoll.next(poll);
  handOver.next(handedOver);

  if (loopShape === LoopShape.Choice) {
    // The previous loop, for the benchmark's comparison: Task → Choice → Task, two transitions a poll.
    poll.addCatch(poll, { errors: ['States.ALL'], resultPath: FAULT_RESULT_PATH });
    const route = new sfn.Choice(scope, StateName.RouteOnStatus)
      .when(sfn.Condition.stringEquals(POLL_STATUS_PATH, PollStatus.Ended), sessionEnded)
      .when(sfn.Condition.stringEquals(POLL_STATUS_PATH, PollStatus.PublishPending), waitBeforePublishRetry)
      .when(sfn.Condition.stringEquals(POLL_STATUS_PATH, PollStatus.HandOver), handOver)
      .when(sfn.Condition.stringEquals(POLL_STATUS_PATH, PollStatus.BackOff), waitBeforeNextPoll)
      .otherwise(poll);
    return poll.next(route);
  }

  // The loop: the task is its own Next, one billed transition a poll. The rare outcomes leave it as
  // signals (contract/loop-signals.ts), caught before the fault mode's States.ALL (catchers match in
  // order). The hand-over and the end keep the state as the poll returned it (ResultPath null); a
  // back-off keeps it too and adds the signal, which tells the next entry that it has waited.
  poll.addCatch(sessionEnded, { errors: [LoopSignal.SessionEnded], resultPath: sfn.JsonPath.DISCARD });
  poll.addCatch(handOver, { errors: [LoopSignal.HandOverDue], resultPath: sfn.JsonPath.DISCARD });
  poll.addCatch(waitBeforeNextPoll, { errors: [LoopSignal.BackOff], resultPath: SIGNAL_RESULT_PATH });
  poll.addCatch(waitBeforePublishRetry, { errors: [LoopSignal.PublishBackOff], resultPath: SIGNAL_RESULT_PATH });
  // Everything else (after the quick retries) goes to the fault mode: the same task, which backs off.
  poll.addCatch(poll, { errors: ['States.ALL'], resultPath: FAULT_RESULT_PATH });
  return poll.next(poll);
}

/** A Retry block's timing from the retry policy (contract/retry-policy.ts); no JitterStrategy is NONE. */
function retryProps(policy: StateRetry): Pick<sfn.RetryProps, 'interval' | 'backoffRate' | 'maxDelay' | 'maxAttempts' | 'jitterStrategy'> {
  return {
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    ...(policy.maxDelaySeconds === undefined ? {} : { maxDelay: Duration.seconds(policy.maxDelaySeconds) }),
    maxAttempts: policy.maxAttempts,
    ...(policy.jitter === 'FULL' ? { jitterStrategy: sfn.JitterType.FULL } : {}),
  };
}
