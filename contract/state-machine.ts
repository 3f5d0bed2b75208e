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
 * Errors of the Lambda service and of the invocation itself, retried quickly: the function may have
 * run completely, partially or not at all. `Lambda.Unknown` is how Step Functions reports unhandled
 * failures such as out-of-memory and function timeouts; `Sandbox.Timedout` the runtime's timeout;
 * `States.Timeout` the task's own TimeoutSeconds.
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (Invoke's errors)
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  'Sandbox.Timedout',
  'States.Timeout',
] as const;

/** What the StartExecution integration reports when the name is taken (a retried hand-over). */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';

/** The optimized StartExecution integration (fire and forget). */
export const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';
