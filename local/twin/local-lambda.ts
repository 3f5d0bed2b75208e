import type { Context } from 'aws-lambda';
import type { SynthesizedFunction } from './synthesized-stack.js';

/** A handler as the Lambda runtime calls it. */
export type LambdaHandler = (event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<unknown>;

/** Step Functions refuses state payloads over 256 KB. */
const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** The error the Lambda service reports when a function runs past its timeout. */
class SandboxTimedoutError extends Error {
  override readonly name = 'Sandbox.Timedout';
}

/** Step Functions' error for a result over the payload limit. */
class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded';
}

export interface LocalLambdaStats {
  invocations: number;
  /** Execution environments created: one per invocation that found no idle one, as on Lambda. */
  coldStarts: number;
  /** Summed billed duration, for GB-second figures. */
  billedMs: number;
  errors: Map<string, number>;
  /** Successful results by their `status` field (the poller's PollStatus). */
  results: Map<string, number>;
}

/**
 * Invokes a handler in-process the way Lambda would for Step Functions: JSON in and out, a context
 * whose remaining time counts down from the function's configured timeout, the timeout enforced,
 * and errors surfaced by `name` (Lambda's errorType) so Retry/Catch match as on AWS. Like Lambda,
 * each concurrent invocation gets its own execution environment (a handler instance with its own
 * clients and caches), reused by later invocations once idle.
 */
export function localLambdaTask(fn: SynthesizedFunction, createHandler: () => LambdaHandler, stats: LocalLambdaStats) {
  const idle: LambdaHandler[] = [];
  return async (input: unknown): Promise<unknown> => {
    let handler = idle.pop();
    if (!handler) {
      handler = createHandler();
      stats.coldStarts += 1;
    }
    const started = performance.now();
    const deadline = started + fn.timeoutSeconds * 1000;
    const context = { getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - performance.now())) };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SandboxTimedoutError(`Task timed out after ${fn.timeoutSeconds}.00 seconds`)), fn.timeoutSeconds * 1000);
    });
    stats.invocations += 1;
    let timedOut = false;
    try {
      const result = await Promise.race([handler(JSON.parse(JSON.stringify(input ?? null)), context), timeout]);
      const payload = JSON.stringify(result ?? null);
      if (Buffer.byteLength(payload) > STATE_PAYLOAD_LIMIT_BYTES) {
        throw new DataLimitExceededError(`The state/task returned a result with a size exceeding the maximum number of bytes service limit.`);
      }
      const status = (result as { status?: unknown } | null)?.status;
      if (typeof status === 'string') stats.results.set(status, (stats.results.get(status) ?? 0) + 1);
      return JSON.parse(payload);
    } catch (error) {
      timedOut = error instanceof SandboxTimedoutError;
      const name = error instanceof Error ? error.name : 'Error';
      stats.errors.set(name, (stats.errors.get(name) ?? 0) + 1);
      throw error;
    } finally {
      clearTimeout(timer);
      stats.billedMs += Math.ceil(performance.now() - started);
      // A timed-out environment is discarded, as Lambda does.
      if (!timedOut) idle.push(handler);
    }
  };
}
