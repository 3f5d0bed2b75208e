import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import type { Context } from 'aws-lambda';
import type { SynthesizedFunction } from './synthesized-stack.js';

/** A handler as the Lambda runtime calls it. */
export type LambdaHandler = (event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<unknown>;

/**
 * A function error as Step Functions reports it: Error is Lambda's errorType, Cause is the JSON error
 * document the Node.js runtime writes (`errorType`, `errorMessage`, `trace`).
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 * The engine hands `name` and `message` to Retry/Catch as Error and Cause, so the message is that JSON.
 */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, document: Record<string, unknown>) {
    super(JSON.stringify(document));
    this.name = errorType;
  }
}

/** Lambda's document for an error the handler threw: its name, message and stack (no state, no inputs). */
export function lambdaErrorDocument(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const errorType = error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const trace = error instanceof Error && error.stack ? error.stack.split('\n') : [`${errorType}: ${errorMessage}`];
  return { errorType, errorMessage, trace };
}

/** A Lambda execution environment as the twin keeps it: one handler instance, its outbound calls, whether it still runs. */
export interface ExecutionEnvironment {
  readonly functionName: string;
  /** Frozen or destroyed (timed out, crashed): every further outbound call fails and never leaves. */
  stopped: boolean;
  /** Outbound HTTP calls made by the current invocation. */
  calls: number;
  /** Bytes the current invocation's code wrote to stdout and stderr: what Lambda sends to its log group. */
  logBytes: number;
  /** Stop the environment at this outbound call (the injected "ran partially" crash). */
  crashAtCall?: number;
  onCrash?: () => void;
}

/** The environment whose code is running, across its awaits (the twin runs every invocation inside it). */
export const currentEnvironment = new AsyncLocalStorage<ExecutionEnvironment>();

class EnvironmentStoppedError extends Error {
  override readonly name = 'EnvironmentStopped';
}

/** Counts an outbound call of the running environment; false when the environment may not make it. */
function mayCall(): boolean {
  const environment = currentEnvironment.getStore();
  if (!environment) return true;
  if (environment.stopped) return false;
  environment.calls += 1;
  if (environment.crashAtCall !== undefined && environment.calls >= environment.crashAtCall) {
    environment.stopped = true;
    environment.onCrash?.();
    return false;
  }
  return true;
}

let guardsInstalled = false;
let functionLogsSilenced = false;

/**
 * Keeps what the functions write to stdout and stderr off this process's terminal; it is still
 * counted. `npm run bench` runs the handlers at their deployed log level with EMF on, to measure it.
 */
export function silenceFunctionLogs(): void {
  functionLogsSilenced = true;
}

/**
 * Counts each write made from inside an execution environment on that environment: on Lambda the
 * runtime sends the function's stdout and stderr to its log group, a log event per line (Powertools'
 * Logger and Metrics write there through their own Console). Bytes as written, newline included.
 */
function countFunctionLogs(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const environment = currentEnvironment.getStore();
    if (!environment) return write(chunk, ...rest);
    environment.logBytes +=
      typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8') : chunk.byteLength;
    if (!functionLogsSilenced) return write(chunk, ...rest);
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  }) as typeof stream.write;
}

/**
 * Lambda freezes a timed-out environment and then destroys it: its code makes no further calls. The
 * twin runs handlers in-process, so it refuses every outbound call (node:http, used by the AWS SDK,
 * and fetch, used by the CXone client) made from a stopped environment, before anything is sent.
 * Idempotent; calls made outside any environment are untouched.
 */
export function installEnvironmentGuards(): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  // Published before the request is sent (Node 24): destroying it here sends nothing.
  subscribe('http.client.request.created', (message) => {
    if (!mayCall()) (message as { request: ClientRequest }).request.destroy(new EnvironmentStoppedError('the execution environment was stopped'));
  });
  countFunctionLogs(process.stdout);
  countFunctionLogs(process.stderr);
  const fetchOf = globalThis.fetch;
  globalThis.fetch = (input, init) => (mayCall() ? fetchOf(input, init) : Promise.reject(new EnvironmentStoppedError('the execution environment was stopped')));
}

/** An injected invocation outcome, for tests that prove work survives Lambda's failure modes. */
interface PlannedFault {
  agentId?: string;
  kind: 'lose-result' | 'crash' | 'detach';
  /** For a crash: the outbound call at which the environment dies (1: the first call never leaves). */
  atCall?: number;
  errorType?: string;
}

/**
 * Faults of the functions the state machine invokes, so tests can show that a retried invocation is
 * safe whether its predecessor ran completely (its result lost to a transient Lambda service error,
 * https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#bp-lambda-serviceexception)
 * or partially (cut short mid-work).
 */
export class LambdaFaults {
  private readonly planned: PlannedFault[] = [];

  /**
   * The next invocation (for this agent, or any) runs to completion, side effects included, but its
   * result is lost: Step Functions gets Lambda.ServiceException, as when the service fails after the run.
   */
  loseNextResult(agentId?: string): void {
    this.planned.push({ agentId, kind: 'lose-result' });
  }

  /**
   * The next invocation (for this agent, or any) runs partially: its environment dies at its
   * `atCall`-th outbound HTTP call (that call and every later one never leave), and the invocation
   * fails with `errorType` (default Sandbox.Timedout, the function timing out mid-work).
   */
  crashNextInvocation(options: { agentId?: string; atCall: number; errorType?: string }): void {
    if (!Number.isInteger(options.atCall) || options.atCall < 1) throw new Error(`atCall must be a whole number of at least 1, got ${options.atCall}`);
    this.planned.push({ kind: 'crash', ...options });
  }

  /**
   * The next invocation (for this agent, or any) runs on, side effects included, while Step Functions
   * gets `errorType` at once (default Lambda.ClientExecutionTimeoutException): the Invoke call failed
   * on the caller's side and the function may still be running
   * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
   */
  detachNextInvocation(options: { agentId?: string; errorType?: string } = {}): void {
    this.planned.push({ kind: 'detach', ...options });
  }

  /** Faults planned and not yet used. */
  pending(): number {
    return this.planned.length;
  }

  /** Takes the fault planned for an invocation with this input, if any. */
  take(input: unknown): PlannedFault | undefined {
    const agentId = agentIdOf(input);
    const index = this.planned.findIndex((fault) => fault.agentId === undefined || fault.agentId === agentId);
    return index === -1 ? undefined : this.planned.splice(index, 1)[0];
  }
}

/** The agent an invocation is for: the poller's input carries it in its state. */
export function agentIdOf(input: unknown): string | undefined {
  const record = input as { state?: { agentId?: unknown }; agentId?: unknown } | null;
  const agentId = record?.state?.agentId ?? record?.agentId;
  return agentId === undefined ? undefined : String(agentId);
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
  /** Bytes the invocations wrote to their log (stdout and stderr), by result `status` or error name as above. */
  logBytes: Map<string, number>;
  /** Told of each invocation (the twin's CloudWatch metrics); `start` may refuse one by throwing, as a throttle does. */
  observer?: { start(): void; end(durationMs: number, failed: boolean): void };
}

/**
 * Invokes a handler in-process the way Lambda would for Step Functions: JSON in and out, a context
 * whose remaining time counts down from the function's configured timeout, the timeout enforced
 * (the environment stopped: no further calls leave it), and errors surfaced with Lambda's errorType
 * as Error and its error document as Cause, so Retry/Catch match as on AWS. Like Lambda, each
 * concurrent invocation gets its own execution environment (a handler instance with its own
 * clients and caches), reused by later invocations once idle; a stopped one is discarded.
 */
export function localLambdaTask(
  fn: SynthesizedFunction,
  createHandler: () => LambdaHandler,
  stats: LocalLambdaStats,
  faults?: LambdaFaults,
  /** Told of each run of the handler, with a promise that settles when it ends (returned, threw, or its environment stopped). */
  onRun?: (input: unknown, ended: Promise<void>) => void,
) {
  installEnvironmentGuards();
  const idle: { handler: LambdaHandler; environment: ExecutionEnvironment }[] = [];
  return async (input: unknown): Promise<unknown> => {
    stats.observer?.start();
    let instance = idle.pop();
    if (!instance) {
      const environment: ExecutionEnvironment = { functionName: fn.logicalId, stopped: false, calls: 0, logBytes: 0 };
      // The handler's module-level work (clients, caches) belongs to its environment too.
      instance = { environment, handler: currentEnvironment.run(environment, createHandler) };
      stats.coldStarts += 1;
    }
    const { handler, environment } = instance;
    const fault = faults?.take(input);
    const requestId = randomUUID();
    environment.calls = 0;
    environment.logBytes = 0;
    const started = performance.now();
    const deadline = started + fn.timeoutSeconds * 1000;
    const context = { getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - performance.now())) };
    let timer: NodeJS.Timeout | undefined;
    const ended = new Promise<never>((_, reject) => {
      const stop = (errorType: string, errorMessage: string) => {
        environment.stopped = true;
        reject(new LambdaFunctionError(errorType, { errorType, errorMessage }));
      };
      timer = setTimeout(
        () => stop('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`),
        fn.timeoutSeconds * 1000,
      );
      if (fault?.kind === 'crash') {
        environment.crashAtCall = fault.atCall;
        environment.onCrash = () =>
          fault.errorType === undefined || fault.errorType === 'Sandbox.Timedout'
            ? stop('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`)
            : stop(fault.errorType, `RequestId: ${requestId} Error: injected crash after ${(fault.atCall ?? 1) - 1} outbound call(s)`);
      }
    });
    stats.invocations += 1;
    let failed = false;
    // Set when Step Functions was answered before the run ended: the environment is freed after it.
    let detached: Promise<void> | undefined;
    let outcome: string | undefined;
    try {
      const running = currentEnvironment.run(environment, () => handler(JSON.parse(JSON.stringify(input ?? null)), context));
      const run = Promise.race([running, ended]);
      const runEnded = run.then(
        () => undefined,
        () => undefined,
      );
      onRun?.(input, runEnded);
      if (fault?.kind === 'detach') {
        detached = runEnded;
        const errorType = fault.errorType ?? 'Lambda.ClientExecutionTimeoutException';
        throw Object.assign(new Error(`Client execution did not complete before the specified timeout configuration (Request ID: ${requestId})`), {
          name: errorType,
        });
      }
      let result: unknown;
      try {
        result = await run;
      } catch (error) {
        throw error instanceof LambdaFunctionError ? error : new LambdaFunctionError(lambdaErrorDocument(error).errorType, lambdaErrorDocument(error));
      }
      if (fault?.kind === 'lose-result') {
        // The function ran; the service failed to hand its result over.
        throw Object.assign(
          new Error(`Internal error occurred. (Service: AWSLambda; Status Code: 500; Error Code: ServiceException; Request ID: ${requestId})`),
          {
            name: 'Lambda.ServiceException',
          },
        );
      }
      const payload = JSON.stringify(result ?? null);
      const status = (result as { status?: unknown } | null)?.status;
      if (typeof status === 'string') {
        stats.results.set(status, (stats.results.get(status) ?? 0) + 1);
        outcome = status;
      }
      return JSON.parse(payload);
    } catch (error) {
      failed = true;
      const name = error instanceof Error ? error.name : 'Error';
      stats.errors.set(name, (stats.errors.get(name) ?? 0) + 1);
      outcome = name;
      throw error;
    } finally {
      const release = () => {
        clearTimeout(timer);
        environment.crashAtCall = undefined;
        environment.onCrash = undefined;
        stats.billedMs += Math.ceil(performance.now() - started);
        if (outcome !== undefined) stats.logBytes.set(outcome, (stats.logBytes.get(outcome) ?? 0) + environment.logBytes);
        stats.observer?.end(performance.now() - started, failed);
        // A stopped environment is discarded, as Lambda does after a timeout.
        if (!environment.stopped) idle.push(instance);
      };
      if (detached) void detached.then(release);
      else release();
    }
  };
}
