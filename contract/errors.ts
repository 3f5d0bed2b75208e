/**
 * The error contract between the poller Lambda and the state machine.
 *
 * Step Functions matches Retry/Catch on the error `name` (Lambda reports it as `errorType`), so every
 * class sets `name` explicitly: minifiers rename classes. The state machine imports these names.
 */
export const ErrorName = {
  /** Network failure, reset, missed deadline, 5xx or 429 from CXone. Safe to retry the same poll. */
  CxoneUnavailable: 'CxoneUnavailableError',
  /** A CXone reply we could not understand (non-JSON, wrong shape). Retried: the next poll resyncs. */
  CxoneContractViolation: 'CxoneContractViolationError',
  /** EventBridge refused the whole PutEvents call (throttling, outage). */
  PublishFailed: 'PublishFailedError',
  /** Credentials rejected, or a token that stays invalid after a refresh. Terminal. */
  CxoneAuthFailed: 'CxoneAuthFailedError',
  /** CXone refused the request itself (400, 403): retrying the same request cannot help. Terminal. */
  CxoneRequestRejected: 'CxoneRequestRejectedError',
  /** CXone does not know the session (404). */
  CxoneSessionNotFound: 'CxoneSessionNotFoundError',
  /** Deployment or input configuration is wrong. Terminal. */
  Configuration: 'ConfigurationError',
  /**
   * The per-session checkpoint store (DynamoDB) could not be read or written, or another invocation
   * holds its write lock. Thrown before polling, so retrying the invocation is safe.
   */
  CheckpointStoreUnavailable: 'CheckpointStoreUnavailableError',
} as const;

export type ErrorName = (typeof ErrorName)[keyof typeof ErrorName];

/** Errors the state machine retries with backoff and full jitter. */
export const RETRYABLE_ERROR_NAMES: readonly ErrorName[] = [
  ErrorName.CxoneUnavailable,
  ErrorName.CxoneContractViolation,
  ErrorName.PublishFailed,
  ErrorName.CheckpointStoreUnavailable,
];

abstract class BridgeError extends Error {
  abstract override readonly name: ErrorName;
}

export class CxoneUnavailableError extends BridgeError {
  override readonly name = ErrorName.CxoneUnavailable;
  constructor(
    message: string,
    /** Seconds CXone asked us to wait (`Retry-After`), when it said. */
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class CxoneContractViolationError extends BridgeError {
  override readonly name = ErrorName.CxoneContractViolation;
  constructor(
    message: string,
    options?: ErrorOptions & {
      /** The unreadable body, kept for the dead-letter store; never in the message. */
      body?: string;
      /** True when `body` is only the head of a body larger than the poller reads. */
      bodyIsHead?: boolean;
    },
  ) {
    super(message, options);
    this.body = options?.body;
    this.bodyIsHead = options?.bodyIsHead;
  }
  readonly body?: string;
  readonly bodyIsHead?: boolean;
}

export class PublishFailedError extends BridgeError {
  override readonly name = ErrorName.PublishFailed;
}

export class CxoneAuthFailedError extends BridgeError {
  override readonly name = ErrorName.CxoneAuthFailed;
}

export class CxoneRequestRejectedError extends BridgeError {
  override readonly name = ErrorName.CxoneRequestRejected;
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class CxoneSessionNotFoundError extends BridgeError {
  override readonly name = ErrorName.CxoneSessionNotFound;
}

export class ConfigurationError extends BridgeError {
  override readonly name = ErrorName.Configuration;
}

export class CheckpointStoreUnavailableError extends BridgeError {
  override readonly name = ErrorName.CheckpointStoreUnavailable;
}
