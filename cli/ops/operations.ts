import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Degraded } from '../../contract/fault-state.js';
import { METRICS_NAMESPACE, MetricName } from '../../contract/metrics.js';
import { nextGenerationName, PollStatus } from '../../contract/poll-state.js';
import { StackOutput } from '../../contract/stack-outputs.js';
import { CxoneAgentApi } from '../../lambdas/cxone/agent-api.js';
import { CxoneAuth } from '../../lambdas/cxone/auth.js';
import { EPOCH_CURSOR } from '../../lambdas/discovery/discover-sessions.js';
import { executionNameFor, parseExecutionName, restartName, sessionNameOf } from '../../lambdas/sessions/execution-name.js';
import { isLoggedIn } from '../../lambdas/sessions/start-agent-session.js';
import { secretCredentialsLoader } from '../../lambdas/shared/secret-credentials.js';

/** A failure the operator can act on, printed as one line. */
export class OpsError extends Error {
  override readonly name = 'OpsError';
}

export interface OpsClients {
  cloudFormation: CloudFormationClient;
  stepFunctions: SFNClient;
  cloudWatch: CloudWatchClient;
  /** The checkpoint table (roll's hand-over requests). */
  dynamoDb: DynamoDBClient;
  /** The large-event bucket (parked items). */
  s3: S3Client;
  /** The bus (redrive). */
  eventBridge: EventBridgeClient;
  /** The shared token's age (DescribeSecret, never its value) and the CXone credentials (logged-in agents). */
  secretsManager: SecretsManagerClient;
}

/** The real SDK clients, one per service, in one region (the endpoint comes from AWS_ENDPOINT_URL* as usual). */
export function createOpsClients(config: { region?: string } = {}): OpsClients {
  return {
    cloudFormation: new CloudFormationClient(config),
    stepFunctions: new SFNClient(config),
    cloudWatch: new CloudWatchClient(config),
    dynamoDb: new DynamoDBClient(config),
    s3: new S3Client(config),
    eventBridge: new EventBridgeClient(config),
    secretsManager: new SecretsManagerClient(config),
  };
}

/** What the commands need of the deployed stack. */
export interface LocatedStack {
  stackName: string;
  region: string;
  stateMachineArn: string;
  deadLetterQueueUrl?: string;
  dashboardName?: string;
  /** The per-session checkpoint table. */
  sessionTableName?: string;
  largeEventBucket?: string;
  eventBusName?: string;
  eventSource?: string;
  credentialsSecretName?: string;
  /** The shared CXone token's secret (the stack's own secret; its physical id is its ARN). */
  tokenSecretId?: string;
  /** Physical names of the stack's alarms (from its resources: alarm names are generated). */
  alarmNames: string[];
}

/**
 * polling: running, its last poll worked; degraded: running in fault mode (its polls fail, it is
 * retrying); backing off: degraded and waiting out its back-off (or waiting to publish after the
 * session ended); handed over: closed, its session goes on in the next generation; ended, failed, stopped: closed.
 */
export type SessionState = 'polling' | 'degraded' | 'backing off' | 'handed over' | 'ended' | 'failed' | 'stopped';

export interface SessionRow {
  agentId: string;
  execution: string;
  executionArn: string;
  /** 1 for the first execution of a login, 2 after the first hand-over (`-g2`), … */
  generation: number;
  state: SessionState;
  /** The execution is RUNNING (polling, degraded or backing off). */
  running: boolean;
  /** Polls made by this execution (running ones, from the loop state). */
  polls?: number;
  /** When events, or the idle heartbeat, were last published (running ones). */
  lastEventAt?: string;
  /** The fault-mode record of a degraded session: since when, how many faults, the last reason. */
  degraded?: Pick<Degraded, 'faults' | 'reason'> & { since: string };
  startedAt: string;
  stoppedAt?: string;
  lastError?: string;
}

export interface StatusReport {
  stackName: string;
  region: string;
  sessions: { polling: number; degraded: number; endedLast24h: number; handedOverLast24h: number; failedLast24h: number; stoppedLast24h: number };
  /** Agents CXone lists as logged in whose login no running execution polls; `error` when CXone could not be asked. */
  agentsWithoutPoller: { agentIds: string[] } | { error: string };
  events: { publishedLastHour: number; parkedLastHour: number };
  alarms: { total: number; inAlarm: { name: string; reason?: string }[] };
  /** Seconds since the shared CXone token was last written (by the refresher, or a poller that needed one); null when unknown. */
  tokenAgeSeconds: number | null;
}

/** Where the ops CLI asks CXone which agents are logged in (the credentials come from the stack's secret). */
export interface CxoneAccess {
  issuerUrl: string;
  /** Tenant of the stack: execution names start with it. */
  tenant: string;
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
  const resources = (await clients.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }))).StackResources ?? [];
  return {
    stackName,
    region,
    stateMachineArn,
    deadLetterQueueUrl: outputs[StackOutput.LegacyDeadLetterQueueUrl],
    dashboardName: outputs[StackOutput.DashboardName],
    sessionTableName: outputs[StackOutput.SessionTableName],
    largeEventBucket: outputs[StackOutput.LargeEventBucketName],
    eventBusName: outputs[StackOutput.EventBusName],
    eventSource: outputs[StackOutput.EventSource],
    credentialsSecretName: outputs[StackOutput.CredentialsSecretName],
    // The stack creates one secret, the shared token's (construct SharedToken); the credentials secret is imported by name.
    tokenSecretId: resources.find(
      (resource) => resource.ResourceType === 'AWS::SecretsManager::Secret' && resource.LogicalResourceId?.startsWith('SharedToken'),
    )?.PhysicalResourceId,
    alarmNames: resources.filter((resource) => resource.ResourceType === 'AWS::CloudWatch::Alarm').map((resource) => resource.PhysicalResourceId ?? ''),
  };
}

/** The tenant a stack's state machine serves (`cxone-agent-sessions-<tenant>`). */
export function tenantOf(stack: LocatedStack): string | undefined {
  return /:stateMachine:cxone-agent-sessions-(.+)$/.exec(stack.stateMachineArn)?.[1];
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
export async function statusOf(
  clients: OpsClients,
  stack: LocatedStack,
  cxone: CxoneAccess | undefined,
  progress: (line: string) => void,
): Promise<StatusReport> {
  const now = Date.now();
  progress('reading executions…');
  const since = now - DAY_MS;
  const closedIn = async (status: ExecutionStatus) =>
    (await listExecutions(clients, stack.stateMachineArn, status, since)).filter((execution) => (execution.stopDate?.getTime() ?? 0) >= since);
  const [running, succeeded, failed, timedOut, aborted] = await Promise.all([
    sessionsOf(clients, stack, { runningOnly: true }, progress),
    closedIn('SUCCEEDED'),
    closedIn('FAILED'),
    closedIn('TIMED_OUT'),
    closedIn('ABORTED'),
  ]);
  // A generation that handed over succeeded too, but its session goes on in the next one.
  const names = new Set([...running.map((session) => session.execution), ...succeeded.map((execution) => execution.name ?? '')]);
  const handedOver = succeeded.filter((execution) => names.has(nextGenerationName(execution.name ?? ''))).length;
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
  progress('reading the shared token and the logged-in agents…');
  return {
    stackName: stack.stackName,
    region: stack.region,
    sessions: {
      polling: running.length,
      degraded: running.filter((session) => session.degraded).length,
      endedLast24h: succeeded.length - handedOver,
      handedOverLast24h: handedOver,
      failedLast24h: failed.length + timedOut.length,
      stoppedLast24h: aborted.length,
    },
    agentsWithoutPoller: cxone
      ? await agentsWithoutPoller(clients, stack, cxone, running)
      : { error: 'CXone not asked: pass --cxone-issuer (or CXONE_ISSUER_URL)' },
    events: { publishedLastHour: total('published'), parkedLastHour: total('parked') },
    alarms: {
      total: alarms.length,
      inAlarm: alarms.filter((alarm) => alarm.StateValue === 'ALARM').map((alarm) => ({ name: alarm.AlarmName ?? '', reason: alarm.StateReason })),
    },
    tokenAgeSeconds: await tokenAgeSeconds(clients, stack, now),
  };
}

/** Seconds since the shared token's secret was last written (DescribeSecret's LastChangedDate: its value is never read). */
async function tokenAgeSeconds(clients: OpsClients, stack: LocatedStack, now: number): Promise<number | null> {
  if (!stack.tokenSecretId) return null;
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
  const described = await clients.secretsManager.send(new DescribeSecretCommand({ SecretId: stack.tokenSecretId }));
  const changed = described.LastChangedDate?.getTime();
  return changed === undefined ? null : Math.max(0, Math.round((now - changed) / 1000));
}

/**
 * Agents CXone lists as logged in (the full agent-state read discovery makes) whose login has no
 * running execution. Discovery's include/exclude filters are not applied: an agent left out on
 * purpose is listed too. A failure (no access to the credentials, CXone down) is one line, not fatal.
 */
async function agentsWithoutPoller(
  clients: OpsClients,
  stack: LocatedStack,
  cxone: CxoneAccess,
  running: SessionRow[],
): Promise<{ agentIds: string[] } | { error: string }> {
  if (!stack.credentialsSecretName) return { error: `stack ${stack.stackName} has no ${StackOutput.CredentialsSecretName} output` };
  try {
    const api = new CxoneAgentApi(
      new CxoneAuth({ issuerUrl: cxone.issuerUrl, loadCredentials: secretCredentialsLoader(clients.secretsManager, stack.credentialsSecretName) }),
    );
    const { agentStates } = await api.getAgentStatesSince(EPOCH_CURSOR);
    const polled = new Set(running.map((session) => sessionNameOf(session.execution)));
    return {
      agentIds: agentStates
        .filter((state) => isLoggedIn(state) && state.sessionStartTime)
        .filter((state) => !polled.has(executionNameFor(cxone.tenant, String(state.agentId), state.sessionStartTime as string)))
        .map((state) => String(state.agentId)),
    };
  } catch (error) {
    return { error: `${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message : String(error)}`.split('\n')[0] ?? '' };
  }
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
    const running = execution.status === 'RUNNING';
    const loop = running ? await loopStateOf(clients, execution.executionArn ?? '') : undefined;
    rows.push({
      agentId: agentId ?? '?',
      execution: name,
      executionArn: execution.executionArn ?? '',
      generation: parseExecutionName(name).generation,
      state: running ? (loop?.state ?? 'polling') : (STATE_OF[execution.status ?? ''] ?? 'failed'),
      running,
      ...(loop?.polls === undefined ? {} : { polls: loop.polls }),
      ...(loop?.lastEventAt ? { lastEventAt: loop.lastEventAt } : {}),
      ...(loop?.degraded ? { degraded: loop.degraded } : {}),
      startedAt: execution.startDate?.toISOString() ?? '',
      stoppedAt: execution.stopDate?.toISOString(),
      lastError: described.error
        ? `${described.error}${described.cause ? `: ${described.cause.slice(0, 120)}` : ''}`
        : loop?.degraded
          ? loop.degraded.reason
          : undefined,
    });
  }
  // A generation whose next one exists handed over: the session goes on there.
  const names = new Set(rows.map((row) => row.execution));
  for (const row of rows) if (row.state === 'ended' && names.has(nextGenerationName(row.execution))) row.state = 'handed over';
  return rows;
}

/** What the newest loop state in a running execution's history says. */
interface LoopView {
  state: SessionState;
  polls?: number;
  lastEventAt?: string;
  degraded?: SessionRow['degraded'];
}

/**
 * Reads the running execution's latest loop state from the newest events of its history (a state's
 * input or output: the loop state is the whole state), and whether it waits now. The history is the
 * only place the loop state lives; this reads at most one page, newest first.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
 */
async function loopStateOf(clients: OpsClients, executionArn: string): Promise<LoopView | undefined> {
  const history = await clients.stepFunctions.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 25 }));
  const events = history.events ?? [];
  const waiting = events.find((event) => isStateEvent(event))?.type === 'WaitStateEntered';
  for (const event of events) {
    const text = event.stateEnteredEventDetails?.input ?? event.stateExitedEventDetails?.output;
    const state = parseLoopState(text);
    if (!state) continue;
    const degraded =
      state.degraded && typeof state.degraded.since === 'number'
        ? { since: new Date(state.degraded.since).toISOString(), faults: Number(state.degraded.faults ?? 0), reason: String(state.degraded.reason ?? '') }
        : undefined;
    const waitsToPublish = state.status === PollStatus.PublishPending;
    return {
      state: waiting && (degraded || waitsToPublish) ? 'backing off' : degraded ? 'degraded' : 'polling',
      ...(typeof state.polls === 'number' ? { polls: state.polls } : {}),
      ...(typeof state.lastActivityAt === 'number' ? { lastEventAt: new Date(state.lastActivityAt).toISOString() } : {}),
      ...(degraded ? { degraded } : {}),
    };
  }
  return undefined;
}

function isStateEvent(event: HistoryEvent): boolean {
  return /State(Entered|Exited)$/.test(event.type ?? '');
}

type LoopStateFields = {
  agentId?: unknown;
  polls?: unknown;
  lastActivityAt?: unknown;
  status?: unknown;
  degraded?: Partial<Record<'since' | 'faults' | 'reason', unknown>>;
};

function parseLoopState(text: string | undefined): LoopStateFields | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as LoopStateFields | null;
    return parsed && typeof parsed === 'object' && parsed.agentId !== undefined ? parsed : undefined;
  } catch {
    return undefined;
  }
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

/**
 * Stops the agent's running poller (if any) and starts its login again as `<login>-r<N+1>` with a
 * first execution's input (see restartInput); the CXone session is not touched (a stale cursor is rejoined by the poller).
 */
export async function restartAgent(clients: OpsClients, stack: LocatedStack, agentId: string): Promise<{ stopped: string | null; started: string }> {
  const sessions = await sessionsOf(clients, stack, { agentId }, () => undefined);
  const latest = sessions[0];
  if (!latest) throw new OpsError(`agent ${agentId} has no session in the last 24 hours: start one with npm run session -- start`);
  const login = sessionNameOf(latest.execution);
  const restarts = sessions.filter((session) => sessionNameOf(session.execution) === login).map((session) => parseExecutionName(session.execution).restart);
  const described = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn: latest.executionArn }));
  const stopped =
    (await stopLogins(clients, stack, new Set([login]), { error: 'OperatorRestart', cause: 'npm run ops -- restart' }, () => undefined)).at(-1) ?? null;
  const name = restartName(login, Math.max(0, ...restarts) + 1);
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
    new Set(sessions.map((session) => sessionNameOf(session.execution))),
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
    const running = (await listExecutions(clients, stack.stateMachineArn, 'RUNNING')).filter((execution) => logins.has(sessionNameOf(execution.name ?? '')));
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
