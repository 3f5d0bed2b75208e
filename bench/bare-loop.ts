import { type PollExecutionInput, type PollState, type PollStateInput, PollStatus } from '../contract/poll-state.js';
import { currentEnvironment, type ExecutionEnvironment, installEnvironmentGuards, type LambdaHandler } from '../local/twin/local-lambda.js';

/** What the bare loops did, counted like the twin's LocalLambdaStats. */
export interface BareLoopStats {
  /** Handler calls (each one get-next-event poll or one publish of pending events). */
  invocations: number;
  /** Summed wall time of the handler calls: what Lambda would bill. */
  billedMs: number;
  results: Map<string, number>;
  errors: Map<string, number>;
}

export interface BareLoopOptions {
  agentId: string;
  /** The cursor from joining the agent's session. */
  sessionId: string;
  /** Passed as the execution name, so hand-over names come out as in the state machine. */
  executionName: string;
  /** One handler per session: its own clients and caches, like one Lambda execution environment. */
  handler: LambdaHandler;
  /** The function's timeout, for the context's remaining time. */
  timeoutSeconds: number;
  stats: BareLoopStats;
  /** Hard bound on iterations, so no loop can run away. @default 100000 */
  maxPolls?: number;
  /** Checked between polls: once aborted, the loop ends after the poll in flight. */
  signal?: AbortSignal;
}

/** Back-off between errors and before republishing pending events, as the state machine waits. */
const RETRY_DELAY_MS = 1_000;
const PUBLISH_RETRY_DELAY_MS = 5_000;

/**
 * The same poller with no state machine: the real handler called in a plain async loop, the
 * state handed from one call to the next in memory. The difference to the twin's latency is the
 * orchestration (the local Step Functions engine, the Choice state, the Lambda invoke wrapper).
 */
export async function runBareLoop(options: BareLoopOptions): Promise<PollState | undefined> {
  const { stats } = options;
  // The loop's calls run in an execution environment of their own, as the twin's invocations do, so
  // that what the handler writes to its log is kept apart from the benchmark's own output.
  installEnvironmentGuards();
  const environment: ExecutionEnvironment = { functionName: 'bare-loop', stopped: false, calls: 0, logBytes: 0 };
  let state: PollStateInput | PollExecutionInput = { agentId: options.agentId, sessionId: options.sessionId };
  let executionName = options.executionName;
  let errorsInARow = 0;
  for (let iteration = 0; iteration < (options.maxPolls ?? 100_000) && !options.signal?.aborted; iteration++) {
    const started = performance.now();
    const deadline = started + options.timeoutSeconds * 1000;
    const context = { getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - performance.now())) };
    stats.invocations += 1;
    let next: PollState;
    try {
      environment.calls = 0;
      next = (await currentEnvironment.run(environment, () => options.handler({ state, executionName }, context))) as PollState;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      stats.errors.set(name, (stats.errors.get(name) ?? 0) + 1);
      // Bounded like the state machine's Retry (10 attempts), then the session is given up.
      if (++errorsInARow >= 10) return undefined;
      await sleep(RETRY_DELAY_MS);
      continue;
    } finally {
      stats.billedMs += Math.ceil(performance.now() - started);
    }
    errorsInARow = 0;
    const status = next.status ?? 'UNKNOWN';
    stats.results.set(status, (stats.results.get(status) ?? 0) + 1);
    if (status === PollStatus.Ended) return next;
    if (status === PollStatus.PublishPending) await sleep(PUBLISH_RETRY_DELAY_MS);
    if (status === PollStatus.HandOver && next.nextExecutionName) executionName = next.nextExecutionName;
    state = next;
  }
  return undefined;
}

/** Fresh, empty stats. */
export function emptyBareLoopStats(): BareLoopStats {
  return { invocations: 0, billedMs: 0, results: new Map(), errors: new Map() };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
