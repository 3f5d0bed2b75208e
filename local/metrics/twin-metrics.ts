import type { LocalExecution } from '../stepfunctions/local-step-functions.js';
import { captureEmf } from './emf-capture.js';
import type { MetricStore } from './metric-store.js';
import type { ObservedTwin } from './observed-twin.js';
import { functionNameOf, queueNameOf } from './stack-tokens.js';

/**
 * The account's Lambda concurrency quota by default: 1,000 concurrent executions per Region.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1_000;

/** Lambda refuses an invocation over the concurrency quota; Step Functions reports it under this name. */
export class LambdaThrottledError extends Error {
  override readonly name = 'Lambda.TooManyRequestsException';
}

export interface TwinMetricsOptions {
  /** The account's concurrency quota the twin enforces. @default 1,000 */
  accountConcurrency?: number;
  /** How often queue depths and concurrency are sampled and rule counters read. @default 1,000 ms */
  sampleEveryMs?: number;
}

export interface TwinMetrics {
  /** Reads the services' counters and samples queue depths and concurrency (done every `sampleEveryMs`), stamped `at` (default now). */
  sample(at?: number): void;
  /** Changes the concurrency quota, e.g. to provoke throttling in a test. */
  setAccountConcurrency(limit: number): void;
  stop(): void;
}

const STATES_METRIC: Record<Exclude<LocalExecution['status'], 'RUNNING'>, string> = {
  SUCCEEDED: 'ExecutionsSucceeded',
  FAILED: 'ExecutionsFailed',
  ABORTED: 'ExecutionsAborted',
  TIMED_OUT: 'ExecutionsTimedOut',
};

/**
 * Feeds the twin's metric store the way AWS feeds CloudWatch: the handlers' EMF documents as they
 * print them, and the AWS-namespace metrics the stack's dashboard and alarms read, produced by the
 * twin's own services as each service defines them:
 * - AWS/States per StateMachineArn: ExecutionsStarted, -Succeeded, -Failed, -Aborted, -TimedOut
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html)
 * - AWS/Lambda per FunctionName and for the account: Invocations (billed invocations, not throttled
 *   ones), Errors, Throttles, Duration, ConcurrentExecutions; the invocation metrics carry the
 *   invocation's start time (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html)
 * - AWS/Events per EventBusName and RuleName: Invocations (successful and permanently failed, not
 *   retries), FailedInvocations, InvocationsSentToDlq, sent only when not zero
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html)
 * - AWS/SQS per QueueName: ApproximateNumberOfMessagesVisible, sampled
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html)
 */
export function collectTwinMetrics(twin: ObservedTwin, store: MetricStore, options: TwinMetricsOptions = {}): TwinMetrics {
  const releaseEmf = captureEmf(store);
  let quota = options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY;

  // Step Functions: a start when the execution appears, an end when the engine reports it.
  const seen = new Set<string>();
  const started = (execution: LocalExecution) => {
    if (seen.has(execution.executionArn)) return;
    seen.add(execution.executionArn);
    store.put(
      { namespace: 'AWS/States', metricName: 'ExecutionsStarted', dimensions: { StateMachineArn: execution.stateMachineArn } },
      1,
      execution.startDate.getTime(),
    );
  };
  twin.stepFunctions.onExecutionEnd((execution) => {
    started(execution);
    if (execution.status === 'RUNNING') return;
    store.put(
      { namespace: 'AWS/States', metricName: STATES_METRIC[execution.status], dimensions: { StateMachineArn: execution.stateMachineArn } },
      1,
      execution.stopDate?.getTime(),
    );
  });

  // Lambda: every function of the template, through its execution environments' observer.
  const inFlight = new Map<string, number>();
  let accountInFlight = 0;
  const concurrency = (functionName: string, at = store.now()) => {
    store.put({ namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', dimensions: { FunctionName: functionName } }, inFlight.get(functionName) ?? 0, at);
    store.put({ namespace: 'AWS/Lambda', metricName: 'ConcurrentExecutions', dimensions: {} }, accountInFlight, at);
  };
  const functionNames: string[] = [];
  for (const fn of twin.stack.functions) {
    const stats = twin.functionStats.get(fn.logicalId);
    if (!stats) continue;
    const functionName = functionNameOf(fn.arn);
    functionNames.push(functionName);
    const dimensions = { FunctionName: functionName };
    const startedAt: number[] = [];
    stats.observer = {
      start() {
        if (accountInFlight >= quota) {
          store.put({ namespace: 'AWS/Lambda', metricName: 'Throttles', dimensions }, 1);
          throw new LambdaThrottledError(`Rate Exceeded: the account's ${quota} concurrent executions are in use`);
        }
        accountInFlight += 1;
        inFlight.set(functionName, (inFlight.get(functionName) ?? 0) + 1);
        startedAt.push(store.now());
        concurrency(functionName);
      },
      end(durationMs, failed) {
        const at = startedAt.shift() ?? store.now();
        accountInFlight -= 1;
        inFlight.set(functionName, (inFlight.get(functionName) ?? 1) - 1);
        store.put({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions }, 1, at);
        store.put({ namespace: 'AWS/Lambda', metricName: 'Duration', dimensions }, durationMs, at);
        if (failed) store.put({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions }, 1, at);
        concurrency(functionName);
      },
    };
  }

  // EventBridge rules: what each route's targets did since the last sample.
  const previous = new Map<string, { delivered: number; deadLettered: number; failed: number }>();
  const sample = (at = store.now()) => {
    for (const execution of twin.stepFunctions.executions.values()) started(execution);
    for (const functionName of functionNames) concurrency(functionName, at);
    for (const rule of twin.stack.rules) {
      const stats = twin.targets.stats.get(rule.name);
      if (!stats) continue;
      const before = previous.get(rule.name) ?? { delivered: 0, deadLettered: 0, failed: 0 };
      previous.set(rule.name, { delivered: stats.delivered, deadLettered: stats.deadLettered, failed: stats.failed });
      const dimensions = { EventBusName: rule.eventBusName, RuleName: rule.name };
      const deadLettered = stats.deadLettered - before.deadLettered;
      const failed = stats.failed - before.failed + deadLettered;
      const invocations = stats.delivered - before.delivered + failed;
      if (invocations > 0) store.put({ namespace: 'AWS/Events', metricName: 'Invocations', dimensions }, invocations, at);
      if (failed > 0) store.put({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensions }, failed, at);
      if (deadLettered > 0) store.put({ namespace: 'AWS/Events', metricName: 'InvocationsSentToDlq', dimensions }, deadLettered, at);
    }
    for (const queue of twin.stack.queues) {
      store.put(
        { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueNameOf(queue.url) } },
        twin.sqs.messages(queue.url).length,
        at,
      );
    }
  };
  const timer = setInterval(() => sample(), options.sampleEveryMs ?? 1_000);
  timer.unref();
  sample();

  return {
    sample,
    setAccountConcurrency(limit) {
      quota = limit;
    },
    stop() {
      clearInterval(timer);
      releaseEmf();
      for (const fn of twin.stack.functions) {
        const stats = twin.functionStats.get(fn.logicalId);
        if (stats) stats.observer = undefined;
      }
    },
  };
}
