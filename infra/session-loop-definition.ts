import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { RETRYABLE_ERROR_NAMES } from '../contract/errors.js';
import { POLL_STATUS_PATH, PollStatus } from '../contract/poll-state.js';
import { HAND_OVER_RETRY, LAMBDA_SERVICE_ERROR_RETRY, POLL_RETRY, type StateRetry, WAIT_BEFORE_PUBLISH_RETRY_SECONDS } from '../contract/retry-policy.js';
import { EXECUTION_ALREADY_EXISTS, LAMBDA_SERVICE_ERRORS, START_EXECUTION_RESOURCE, StateName } from '../contract/state-machine.js';

export interface SessionLoopDefinitionProps {
  poller: lambda.IFunction;
  /** The poller's own timeout; the task timeout sits above it. */
  pollerTimeout: Duration;
}

/**
 * The per-session loop: Poll → Choice → Poll … Two billed transitions per poll, no Wait on the
 * happy path (CXone's long poll is the wait). Publishing trouble backs off through a Wait state.
 * Before the history nears its 25,000-event limit the loop starts the next generation of itself
 * under a deterministic name (so a retried hand-over cannot start two pollers) and ends. An
 * unrecoverable error ends the execution in a Fail state carrying the error name and cause.
 */
export function buildSessionLoopDefinition(scope: Construct, props: SessionLoopDefinitionProps): sfn.IChainable {
  const poll = new tasks.LambdaInvoke(scope, StateName.Poll, {
    lambdaFunction: props.poller,
    // The function's result becomes the state as is: no Payload wrapper, no extra Pass state.
    payloadResponseOnly: true,
    payload: sfn.TaskInput.fromObject({ state: sfn.JsonPath.entirePayload, executionName: sfn.JsonPath.executionName }),
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(props.pollerTimeout.plus(Duration.seconds(30))),
    comment: 'One CXone get-next-event poll; publishes the events to EventBridge',
  });
  poll.addRetry({
    errors: [...RETRYABLE_ERROR_NAMES],
    ...retryProps(POLL_RETRY),
    jitterStrategy: sfn.JitterType.FULL,
  });
  poll.addRetry({
    errors: LAMBDA_SERVICE_ERRORS,
    ...retryProps(LAMBDA_SERVICE_ERROR_RETRY),
    jitterStrategy: sfn.JitterType.FULL,
  });

  const failed = new sfn.Fail(scope, StateName.PollingFailed, {
    comment: 'Polling stopped on an error it cannot recover from',
    errorPath: '$.error.Error',
    causePath: '$.error.Cause',
  });
  poll.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });

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
    jitterStrategy: sfn.JitterType.FULL,
  });
  // The name is taken: an earlier attempt of this hand-over already started the next generation.
  handOver.addCatch(handedOver, { errors: [EXECUTION_ALREADY_EXISTS], resultPath: sfn.JsonPath.DISCARD });
  handOver.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.error' });

  const route = new sfn.Choice(scope, StateName.RouteOnStatus)
    .when(sfn.Condition.stringEquals(POLL_STATUS_PATH, PollStatus.Ended), new sfn.Succeed(scope, StateName.SessionEnded))
    .when(sfn.Condition.stringEquals(POLL_STATUS_PATH, PollStatus.PublishPending), waitBeforePublishRetry.next(poll))
    .when(sfn.Condition.stringEquals(POLL_STATUS_PATH, PollStatus.HandOver), handOver.next(handedOver))
    .otherwise(poll);

  return poll.next(route);
}

/** A Retry block's timing from the retry policy (contract/retry-policy.ts). */
function retryProps(policy: StateRetry): Pick<sfn.RetryProps, 'interval' | 'backoffRate' | 'maxDelay' | 'maxAttempts'> {
  return {
    interval: Duration.seconds(policy.intervalSeconds),
    backoffRate: policy.backoffRate,
    ...(policy.maxDelaySeconds === undefined ? {} : { maxDelay: Duration.seconds(policy.maxDelaySeconds) }),
    maxAttempts: policy.maxAttempts,
  };
}
