/** State names: stable contracts (history, alarms, the local twin's task overrides). */
export const StateName = {
  Poll: 'PollCxone',
  RouteOnStatus: 'RouteOnPollStatus',
  WaitBeforePublishRetry: 'WaitBeforePublishRetry',
  HandOver: 'HandOverToNextExecution',
  HandedOver: 'HandedOver',
  SessionEnded: 'SessionEnded',
  PollingFailed: 'PollingFailed',
  WaitBeforeNextPoll: 'WaitBeforeNextPoll',
} as const;

/** Where the poll task's Catch puts Step Functions' error output before it runs the poll task again in fault mode. */
export const FAULT_RESULT_PATH = '$.fault';
/** The Wait state after a BACK_OFF reads the back-off the fault mode chose here. */
export const BACK_OFF_SECONDS_PATH = '$.backOffSeconds';

/** Errors that end the loop in the Fail state: the input or the deployment is wrong (every other error backs off). */
export const TERMINAL_ERRORS = ['ConfigurationError'] as const;

/**
 * Lambda errors after which the failed attempt may still be running: the Invoke call failed or timed
 * out on Step Functions' side while the function may run on (Lambda's 500s and the client's own
 * failures: https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html;
 * a directly invoked function "might have run completely, partially, or not at all":
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html), and the task's own
 * TimeoutSeconds (`States.Timeout`): the state fails, and nothing documents that the function is
 * stopped (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). Retried only
 * after the function's longest run (contract/retry-policy.ts, `mayStillRunRetry`), so that two
 * attempts of one execution never poll CXone at once.
 */
export const LAMBDA_ERRORS_MAY_STILL_RUN = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'States.Timeout',
] as const;

/**
 * Lambda errors after which the failed attempt surely is not running, retried quickly. Never started:
 * `Lambda.TooManyRequestsException`, a throttle (Lambda checks scaling capacity before it sends the
 * event to the function: https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html).
 * Ended: `Lambda.Unknown`, unhandled failures such as out-of-memory and function timeouts
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), and
 * `Sandbox.Timedout`, the function stopped at its timeout
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 */
export const LAMBDA_ERRORS_NOT_RUNNING = ['Lambda.TooManyRequestsException', 'Lambda.Unknown', 'Sandbox.Timedout'] as const;

/** Every error of the Lambda service and of the invocation itself, whichever retry it gets. */
export const LAMBDA_SERVICE_ERRORS = [...LAMBDA_ERRORS_MAY_STILL_RUN, ...LAMBDA_ERRORS_NOT_RUNNING] as const;

/** What the StartExecution integration reports when the name is taken (a retried hand-over). */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';

/** The optimized StartExecution integration (fire and forget). */
export const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';
