import { type CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { METRICS_NAMESPACE, MetricName } from '../../contract/metrics.js';
import { StackOutput } from '../../contract/stack-outputs.js';

/** A failure the operator can act on, printed as one line. */
export class OpsError extends Error {
  override readonly name = 'OpsError';
}

export interface OpsClients {
  cloudFormation: CloudFormationClient;
  stepFunctions: SFNClient;
  cloudWatch: CloudWatchClient;
}

/** What the commands need of the deployed stack. */
export interface LocatedStack {
  stackName: string;
  region: string;
  stateMachineArn: string;
  deadLetterQueueUrl?: string;
  dashboardName?: string;
  /** Physical names of the stack's alarms (from its resources: alarm names are generated). */
  alarmNames: string[];
}

export type SessionState = 'polling' | 'ended' | 'failed' | 'stopped';

export interface SessionRow {
  agentId: string;
  execution: string;
  executionArn: string;
  /** 1 for the first execution of a login, 2 after the first hand-over (`-g2`), … */
  generation: number;
  state: SessionState;
  startedAt: string;
  stoppedAt?: string;
  lastError?: string;
}

export interface StatusReport {
  stackName: string;
  region: string;
  sessions: { polling: number; degraded: number | null; endedLast24h: number; failedLast24h: number; stoppedLast24h: number };
  events: { publishedLastHour: number; parkedLastHour: number };
  alarms: { total: number; inAlarm: { name: string; reason?: string }[] };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Reads the stack's outputs and alarm resources; a missing stack is an OpsError naming the region. */
export async function locateStack(clients: OpsClients, stackName: string, region: string): Promise<LocatedStack> {
  let outputs: Record<string, string>;
  try {
    const described = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      throw new OpsError(`stack ${stackName} does not exist in ${region}: check --stack/--tenant and --region`);
    }
    throw error;
  }
  const stateMachineArn = outputs[StackOutput.StateMachineArn];
  if (!stateMachineArn) throw new OpsError(`stack ${stackName} has no ${StackOutput.StateMachineArn} output: is it a cxone-eventbridge stack?`);
  const resources = await clients.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return {
    stackName,
    region,
    stateMachineArn,
    deadLetterQueueUrl: outputs[StackOutput.LegacyDeadLetterQueueUrl],
    dashboardName: outputs[StackOutput.DashboardName],
    alarmNames: (resources.StackResources ?? [])
      .filter((resource) => resource.ResourceType === 'AWS::CloudWatch::Alarm')
      .map((resource) => resource.PhysicalResourceId ?? ''),
  };
}

async function listExecutions(clients: OpsClients, stateMachineArn: string, statusFilter?: ExecutionStatus, since?: number): Promise<ExecutionListItem[]> {
  const all: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken, maxResults: 1000 }));
    all.push(...(page.executions ?? []));
    nextToken = page.nextToken;
    // Newest first. An execution hands over long before a week (handOverAfterPolls ≤ 3,000 polls of ≤ 60 s),
    // so once a page reaches executions started a week before the window, older pages hold nothing in it.
    const oldest = page.executions?.at(-1)?.startDate?.getTime();
    if (since !== undefined && oldest !== undefined && oldest < since - 7 * DAY_MS) break;
  } while (nextToken);
  return all;
}

async function describeAlarms(clients: OpsClients, names: string[]): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  // DescribeAlarms takes at most 100 names per call.
  for (let i = 0; i < names.length; i += 100) {
    const page = await clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }));
    alarms.push(...(page.MetricAlarms ?? []));
  }
  return alarms;
}

/** One screen: is it healthy? */
export async function statusOf(clients: OpsClients, stack: LocatedStack, progress: (line: string) => void): Promise<StatusReport> {
  const now = Date.now();
  progress('reading executions…');
  const since = now - DAY_MS;
  const endedIn = async (status: ExecutionStatus) =>
    (await listExecutions(clients, stack.stateMachineArn, status, since)).filter((execution) => (execution.stopDate?.getTime() ?? 0) >= since).length;
  const [running, succeeded, failed, timedOut, aborted] = await Promise.all([
    listExecutions(clients, stack.stateMachineArn, 'RUNNING'),
    endedIn('SUCCEEDED'),
    endedIn('FAILED'),
    endedIn('TIMED_OUT'),
    endedIn('ABORTED'),
  ]);
  progress('reading alarms and metrics…');
  const alarms = await describeAlarms(clients, stack.alarmNames);
  // The poller's metrics carry the service dimension the parked-events alarm watches.
  const service = alarms.find((alarm) => alarm.MetricName === MetricName.EventsParked)?.Dimensions ?? [];
  const metric = (id: string, metricName: string) => ({
    Id: id,
    MetricStat: { Metric: { Namespace: METRICS_NAMESPACE, MetricName: metricName, Dimensions: service }, Period: 3600, Stat: 'Sum' },
  });
  const data = await clients.cloudWatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 3_600_000),
      EndTime: new Date(now + 60_000),
      MetricDataQueries: [metric('published', MetricName.EventsPublished), metric('parked', MetricName.EventsParked)],
    }),
  );
  const total = (id: string) => (data.MetricDataResults?.find((result) => result.Id === id)?.Values ?? []).reduce((sum, value) => sum + value, 0);
  return {
    stackName: stack.stackName,
    region: stack.region,
    // Degraded (backing off on a CXone outage) arrives with the outage work of #9: not reported yet.
    sessions: { polling: running.length, degraded: null, endedLast24h: succeeded, failedLast24h: failed + timedOut, stoppedLast24h: aborted },
    events: { publishedLastHour: total('published'), parkedLastHour: total('parked') },
    alarms: {
      total: alarms.length,
      inAlarm: alarms.filter((alarm) => alarm.StateValue === 'ALARM').map((alarm) => ({ name: alarm.AlarmName ?? '', reason: alarm.StateReason })),
    },
  };
}

const STATE_OF: Record<string, SessionState> = { RUNNING: 'polling', SUCCEEDED: 'ended', FAILED: 'failed', TIMED_OUT: 'failed', ABORTED: 'stopped' };

/** Sessions of the last 24 hours (and every running one), newest first, optionally of one agent. */
export async function sessionsOf(
  clients: OpsClients,
  stack: LocatedStack,
  filter: { agentId?: string; runningOnly?: boolean },
  progress: (line: string) => void,
): Promise<SessionRow[]> {
  const since = Date.now() - DAY_MS;
  const executions = (await listExecutions(clients, stack.stateMachineArn, filter.runningOnly ? 'RUNNING' : undefined, since)).filter(
    (execution) => execution.status === 'RUNNING' || (execution.stopDate?.getTime() ?? 0) >= since,
  );
  // The agent is in the execution's input, which only DescribeExecution returns.
  const rows: SessionRow[] = [];
  for (const [index, execution] of executions.entries()) {
    if (index > 0 && index % 25 === 0) progress(`described ${index} of ${executions.length} executions…`);
    const described = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    const agentId = agentOf(described.input);
    if (filter.agentId !== undefined && agentId !== filter.agentId) continue;
    const name = execution.name ?? '';
    rows.push({
      agentId: agentId ?? '?',
      execution: name,
      executionArn: execution.executionArn ?? '',
      generation: Number(/-g(\d+)$/.exec(name)?.[1] ?? 1),
      state: STATE_OF[execution.status ?? ''] ?? 'failed',
      startedAt: execution.startDate?.toISOString() ?? '',
      stoppedAt: execution.stopDate?.toISOString(),
      lastError: described.error ? `${described.error}${described.cause ? `: ${described.cause.slice(0, 120)}` : ''}` : undefined,
    });
  }
  return rows;
}

function agentOf(input: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(input ?? '{}') as { agentId?: unknown; state?: { agentId?: unknown } };
    const agentId = parsed.agentId ?? parsed.state?.agentId;
    return agentId === undefined ? undefined : String(agentId);
  } catch {
    return undefined;
  }
}

/** The login's name behind restarts and generations: `<base>-r2-g3` → `<base>`. */
export function loginNameOf(executionName: string): string {
  return executionName.replace(/-g\d+$/, '').replace(/-r\d+$/, '');
}

/**
 * Stops the agent's running poller (if any) and starts its login again as `<login>-r<N+1>` with the
 * latest execution's input; the CXone session is not touched (a stale cursor is rejoined by the poller).
 */
export async function restartAgent(clients: OpsClients, stack: LocatedStack, agentId: string): Promise<{ stopped: string | null; started: string }> {
  const sessions = await sessionsOf(clients, stack, { agentId }, () => undefined);
  const latest = sessions[0];
  if (!latest) throw new OpsError(`agent ${agentId} has no session in the last 24 hours: start one with npm run session -- start`);
  const login = loginNameOf(latest.execution);
  const restarts = sessions
    .filter((session) => loginNameOf(session.execution) === login)
    .map((session) => Number(/-r(\d+)(?:-g\d+)?$/.exec(session.execution)?.[1] ?? 0));
  const described = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn: latest.executionArn }));
  const stopped =
    (await stopLogins(clients, stack, new Set([login]), { error: 'OperatorRestart', cause: 'npm run ops -- restart' }, () => undefined)).at(-1) ?? null;
  const name = `${login}-r${Math.max(0, ...restarts) + 1}`;
  await clients.stepFunctions.send(
    new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name, input: JSON.stringify(restartInput(described.input, agentId)) }),
  );
  return { stopped, started: name };
}

/**
 * A restart's input is a first execution's input, as discovery gives it: the agent, and the mark
 * that the bridge started the CXone session. Not the latest generation's input: that is a loop
 * state (a hand-over naming another execution), and the restart resumes from the checkpoint store.
 */
function restartInput(latestInput: string | undefined, agentId: string): { agentId: string; sessionStartedByBridge?: true } {
  try {
    const parsed = JSON.parse(latestInput ?? '{}') as { sessionStartedByBridge?: unknown };
    return { agentId, ...(parsed.sessionStartedByBridge === true ? { sessionStartedByBridge: true as const } : {}) };
  } catch {
    return { agentId };
  }
}

/** Stops polling these sessions (every generation of their logins); their CXone sessions go on. */
export async function stopSessions(clients: OpsClients, stack: LocatedStack, sessions: SessionRow[], progress: (line: string) => void): Promise<string[]> {
  return stopLogins(
    clients,
    stack,
    new Set(sessions.map((session) => loginNameOf(session.execution))),
    { error: 'OperatorStop', cause: 'npm run ops -- stop' },
    progress,
  );
}

/**
 * Stops every running execution of these logins, then looks again: an execution that was handing
 * over when it was listed may have started its next generation (`-gN`) before it was stopped.
 */
async function stopLogins(
  clients: OpsClients,
  stack: LocatedStack,
  logins: Set<string>,
  reason: { error: string; cause: string },
  progress: (line: string) => void,
): Promise<string[]> {
  const stopped: string[] = [];
  for (let round = 0; round < 5; round += 1) {
    const running = (await listExecutions(clients, stack.stateMachineArn, 'RUNNING')).filter((execution) => logins.has(loginNameOf(execution.name ?? '')));
    if (running.length === 0) return stopped;
    for (const execution of running) {
      await clients.stepFunctions.send(new StopExecutionCommand({ executionArn: execution.executionArn, ...reason }));
      stopped.push(execution.name ?? '');
      if (stopped.length % 10 === 0) progress(`stopped ${stopped.length}…`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new OpsError(`pollers of ${[...logins].join(', ')} kept appearing while stopping them: run the command again`);
}
