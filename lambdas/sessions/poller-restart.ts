import { parseExecutionName, restartName } from './execution-name.js';

/** Step Functions execution statuses (DescribeExecution, ListExecutions). */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** One execution as DescribeExecution reports it. */
export interface ExecutionSummary {
  name: string;
  status: ExecutionStatus;
  /** When it ended; absent while it runs. */
  stopDate?: Date;
}

/** Reads one execution of the sessions state machine by name; undefined when no such execution exists. */
export type DescribeExecutionByName = (name: string) => Promise<ExecutionSummary | undefined>;

/** Statuses after which the login has no poller although it never saw its session end. */
const ABNORMAL_END: ReadonlySet<ExecutionStatus> = new Set(['FAILED', 'ABORTED', 'TIMED_OUT']);

/** What to do about one login that no RUNNING execution (as listed) polls. */
export type PollerPlan =
  /** Start `name`: the login's first poller (`previous` undefined) or a restart after `previous` ended abnormally. */
  | { action: 'start'; name: string; previous?: ExecutionSummary }
  /** `latest` still runs (ListExecutions had not listed it yet): leave it alone. */
  | { action: 'running'; latest: ExecutionSummary }
  /** `latest` succeeded: the session ended (409, AgentSessionEnd, nothing to rejoin), nothing to restart. */
  | { action: 'ended'; latest: ExecutionSummary };

/**
 * Decides how a login gets its poller back. Its executions form a chain of deterministic names:
 * `<base>`, its hand-over generations `<base>-g2`, `-g3` …, and after an abnormal end a restart
 * `<base>-r1` with its own generations `<base>-r1-g2` … The latest execution of the chain decides:
 * - none: start `<base>`;
 * - RUNNING: nothing (never two pollers);
 * - FAILED, ABORTED (an operator's StopExecution) or TIMED_OUT: start `<base>-r<N+1>`, N being the
 *   latest execution's restart number;
 * - SUCCEEDED: nothing. A poller succeeds only when CXone said the session is over (409,
 *   AgentSessionEnd, nothing to rejoin) or after a hand-over, and a hand-over's next generation is
 *   the latest execution, not this one (a retried hand-over that finds the name taken succeeds, but
 *   then that name exists and is the latest). Restarting it would join a session CXone has closed,
 *   or one whose agent-state row is merely late to say so; a new login gets a new base name anyway.
 *
 * Why this is safe although DescribeExecution and ListExecutions may lag (ListExecutions "is
 * eventually consistent. The results are best effort and may not reflect very recent updates and
 * changes", https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html):
 * the name to start is a function of the chain's closed history, which only grows. A stale read can
 * only miss the newest links, so it yields a name that already exists, never a second fresh name;
 * Step Functions then refuses the start (ExecutionAlreadyExists for a different input or a closed
 * execution) or returns the running one (same name and input is idempotent,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). Two
 * discovery runs racing on one login compute the same name for the same reason.
 */
export async function planPoller(base: string, describe: DescribeExecutionByName): Promise<PollerPlan> {
  const latest = await latestExecutionOf(base, describe);
  if (!latest) return { action: 'start', name: base };
  if (latest.status === 'RUNNING' || latest.status === 'PENDING_REDRIVE') return { action: 'running', latest };
  if (ABNORMAL_END.has(latest.status)) return { action: 'start', name: restartName(base, parseExecutionName(latest.name).restart + 1), previous: latest };
  return { action: 'ended', latest };
}

/** The newest execution of a login's chain: the last restart that exists, then its last generation. */
export async function latestExecutionOf(base: string, describe: DescribeExecutionByName): Promise<ExecutionSummary | undefined> {
  let head = await describe(base);
  if (!head) return undefined;
  for (let restart = 1; ; restart++) {
    const next = await describe(restartName(base, restart));
    if (!next) break;
    head = next;
  }
  let latest = head;
  for (let generation = 2; ; generation++) {
    const next = await describe(`${head.name}-g${generation}`);
    if (!next) break;
    latest = next;
  }
  return latest;
}
