/**
 * Every retry, back-off and attempt count of the bridge, each in one place. Plain numbers (seconds or
 * milliseconds, as named): infra turns them into `Duration`s, the handlers read them as they are.
 * Each value names its readers. README, "Failure handling", links here.
 */

/**
 * A Step Functions Retry block: first interval, growth per attempt, cap, attempts, and jitter. FULL
 * draws each delay anywhere between 0 and the computed one; NONE (the default) waits the computed
 * delay itself (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.JitterType.html).
 */
export interface StateRetry {
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  /** Cap on one delay; none when undefined. */
  readonly maxDelaySeconds?: number;
  readonly maxAttempts: number;
  readonly jitter: 'FULL' | 'NONE';
}

/**
 * The poll task's retry of the bridge's retryable errors (`RETRYABLE_ERROR_NAMES`: CXone unavailable,
 * an unreadable reply, a whole failed PutEvents): a few quick attempts only; a fault that outlives
 * them goes to the fault mode's back-off (`BACK_OFF`). Readers: infra/session-loop-definition.ts,
 * contract/history-budget.ts.
 */
export const POLL_RETRY: StateRetry = { intervalSeconds: 1, backoffRate: 2, maxDelaySeconds: 4, maxAttempts: 2, jitter: 'FULL' };

/**
 * The poll task's quick retry of Lambda errors after which the failed attempt surely is not running
 * (`LAMBDA_ERRORS_NOT_RUNNING`: throttled before it started, or ended by a crash or its timeout);
 * longer than the bridge's own so a poller whose function cannot run at all still loops slowly (see
 * contract/history-budget.ts). Readers: infra/session-loop-definition.ts, contract/history-budget.ts.
 */
export const LAMBDA_NOT_RUNNING_RETRY: StateRetry = { intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 60, maxAttempts: 6, jitter: 'FULL' };

/**
 * Lambda's limit on the Init phase of a cold start, which runs before the invocation's timeout starts
 * counting (an Init that outlasts it is retried within the timeout):
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
export const LAMBDA_INIT_PHASE_LIMIT_SECONDS = 10;

/**
 * The longest an invocation of a function with this timeout can run, counted from the Invoke call:
 * its Init phase, then its timeout (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 * Readers: `mayStillRunRetry`, lambdas/poll-session/fault-mode.ts.
 */
export function longestRunSeconds(functionTimeoutSeconds: number): number {
  return functionTimeoutSeconds + LAMBDA_INIT_PHASE_LIMIT_SECONDS;
}

/** Attempts of `mayStillRunRetry`. Readers: that function, contract/history-budget.ts. */
export const MAY_STILL_RUN_RETRY_ATTEMPTS = 2;

/**
 * The poll task's retry of Lambda errors after which the failed attempt may still be running
 * (`LAMBDA_ERRORS_MAY_STILL_RUN`): every delay is the longest run of the poller function, and no
 * jitter (FULL could draw any shorter delay), so the retry starts only once the earlier attempt has
 * surely ended and one execution never has two CXone polls at once. A fault that outlives it goes to
 * the fault mode, whose back-off is as long (`BACK_OFF`). Reader: infra/session-loop-definition.ts.
 */
export function mayStillRunRetry(functionTimeoutSeconds: number): StateRetry {
  return { intervalSeconds: longestRunSeconds(functionTimeoutSeconds), backoffRate: 1, maxAttempts: MAY_STILL_RUN_RETRY_ATTEMPTS, jitter: 'NONE' };
}

/**
 * The fault mode's back-off after the quick retries: full jitter over min(cap, base · 2^(faults − 1))
 * seconds, `refusedCapSeconds` when CXone refuses our credentials or the request (a person must act),
 * at least `minSeconds`; and at least the poller's longest run (`longestRunSeconds`) unless the fault
 * is one only a poll that ended throws, so the next poll never overlaps an attempt that may still run.
 * Readers: lambdas/poll-session/fault-mode.ts, infra/constructs/observability.ts (alarm windows),
 * README "Outages".
 */
export const BACK_OFF = { baseSeconds: 2, capSeconds: 300, refusedCapSeconds: 900, minSeconds: 1 } as const;

/** The hand-over's retry of StartExecution faults. Reader: infra/session-loop-definition.ts. */
export const HAND_OVER_RETRY: StateRetry = { intervalSeconds: 1, backoffRate: 2, maxAttempts: 6, jitter: 'FULL' };

/**
 * The Wait before the next invocation publishes events EventBridge refused once the session is over
 * (status PUBLISH_PENDING; while it runs, the long poll paces the loop). Reader: infra/session-loop-definition.ts.
 */
export const WAIT_BEFORE_PUBLISH_RETRY_SECONDS = 5;

/**
 * PutEvents retries of the failed entries inside one invocation: attempts per entry, and the first
 * back-off (doubling per attempt, full jitter). Reader: lambdas/publishing/publisher.ts.
 */
export const PUT_EVENTS_RETRY = { maxAttempts: 3, baseDelayMs: 100 } as const;

/**
 * A route target's delivery retry when the route sets none: the service's maximum, 185 attempts
 * within 24 hours (which is also EventBridge's default), with the bounds the API accepts.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
 * Reader: infra/routes-config.ts.
 */
export const ROUTE_TARGET_RETRY = {
  maximumRetryAttempts: 185,
  maximumEventAgeSeconds: 86_400,
  maxRetryAttemptsLimit: 185,
  minEventAgeSecondsLimit: 60,
  maxEventAgeSecondsLimit: 86_400,
} as const;

/**
 * The shared CXone token: used while it has `minRemainingMs` left; after finding none usable, looked
 * for again only after `recheckMs` (the function falls back to its own grant meanwhile).
 * Reader: lambdas/cxone/auth.ts.
 */
export const SHARED_TOKEN_USE = { minRemainingMs: 5 * 60_000, recheckMs: 60_000 } as const;

/**
 * The token refresher's schedule: how often it checks the shared token, and EventBridge's retry of a
 * failed invocation (attempts, and how old an invocation may get; below the check interval so two
 * checks never overlap). Reader: infra/constructs/cxone-access.ts.
 */
export const TOKEN_REFRESH_SCHEDULE = { everyMinutes: 5, retryAttempts: 2, maxEventAgeMinutes: 4 } as const;

/**
 * Discovery's schedule: no retry of a failed run (the next run, a period later, does the same work),
 * and a run older than a minute is dropped. The period itself is the `discoveryEveryMinutes` setting.
 * Reader: infra/constructs/agent-discovery.ts.
 */
export const DISCOVERY_SCHEDULE = { retryAttempts: 0, maxEventAgeMinutes: 1 } as const;

/**
 * Calls to a CXone API for one request when it answers 401: the first, and one more with a fresh
 * token. Reader: lambdas/cxone/agent-api.ts.
 */
export const CXONE_UNAUTHORIZED_ATTEMPTS = 2;
