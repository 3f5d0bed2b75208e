/** State names: stable contracts (history, alarms, the local twin's task overrides). */
export const StateName = {
  Poll: 'PollCxone',
  RouteOnStatus: 'RouteOnPollStatus',
  WaitBeforePublishRetry: 'WaitBeforePublishRetry',
  HandOver: 'HandOverToNextExecution',
  HandedOver: 'HandedOver',
  SessionEnded: 'SessionEnded',
  PollingFailed: 'PollingFailed',
} as const;

/** Lambda service faults that are safe to retry: the invocation never ran or never answered. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Sandbox.Timedout',
  'States.Timeout',
];

/** What the StartExecution integration reports when the name is taken (a retried hand-over). */
export const EXECUTION_ALREADY_EXISTS = 'StepFunctions.ExecutionAlreadyExistsException';

/** The optimized StartExecution integration (fire and forget). */
export const START_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';
