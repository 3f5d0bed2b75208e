import { ConfigurationError } from '../../contract/errors.js';
import type { PollExecutionInput } from '../../contract/poll-state.js';
import type { AgentStateRecord, CxoneAgentApi, Station } from '../cxone/agent-api.js';
import { executionNameFor, sessionNameOf } from './execution-name.js';
import { type DescribeExecutionByName, type ExecutionSummary, planPoller } from './poller-restart.js';

/** The Step Functions calls starting a session needs. */
export interface SessionExecutions {
  /** Session names (generation suffix removed) of every running execution. */
  runningSessionNames(): Promise<Set<string>>;
  /** Starts the named execution; false when Step Functions refused it as already existing. */
  start(name: string, input: ExecutionInput): Promise<{ executionArn: string; started: boolean }>;
  /** One execution by name, for a login no running execution polls (see poller-restart.ts). */
  describe: DescribeExecutionByName;
}

export interface StartAgentSessionRequest {
  tenant: string;
  agentId: string;
  /** Start a new CXone session on this station when the agent has none. */
  station?: Station;
}

export interface StartAgentSessionResult {
  executionName: string;
  executionArn?: string;
  /** started: a new poller; already-running: a poller for this login exists and was left alone; ended: its poller saw the session end. */
  outcome: 'started' | 'already-running' | 'ended';
  /** With a start that restarts the login: the execution that ended abnormally before it. */
  restartOf?: ExecutionSummary;
}

/**
 * The first execution's input: the loop's state, plus whether the bridge itself started the CXone
 * session on a station. The loop ignores that mark (the poll state drops unknown keys); it stays in
 * the execution's recorded input, where `session end` reads it: only a session the bridge started
 * may be ended by it, since ending a session logs the agent out.
 */
export type ExecutionInput = PollExecutionInput & { sessionStartedByBridge?: true };

type SessionCalls = Pick<CxoneAgentApi, 'getAgentState' | 'joinSession' | 'startSession'>;

/**
 * Starts polling one agent's session (what `npm run session -- start` does): finds the current
 * login, starting one on a station if asked, then starts its poller unless one is running.
 */
export async function startAgentSession(
  request: StartAgentSessionRequest,
  cxone: SessionCalls,
  executions: SessionExecutions,
): Promise<StartAgentSessionResult> {
  let sessionId: string | undefined;
  let state = await cxone.getAgentState(request.agentId);
  if (!isLoggedIn(state) && request.station) {
    sessionId = await cxone.startSession(request.agentId, request.station);
    state = await cxone.getAgentState(request.agentId);
  }
  if (!isLoggedIn(state) || !state?.sessionStartTime) {
    throw new ConfigurationError(`agent ${request.agentId} is not logged in to CXone; pass a station to start a session for them`);
  }
  return startPolling(
    { tenant: request.tenant, agentId: request.agentId, sessionStartTime: state.sessionStartTime, sessionId, sessionStartedByBridge: sessionId !== undefined },
    cxone,
    executions,
    await executions.runningSessionNames(),
  );
}

export interface Login {
  tenant: string;
  agentId: string;
  sessionStartTime: string;
  /** A cursor already in hand (we started the session on a station); otherwise the execution joins. */
  sessionId?: string;
  /** The bridge started this CXone session on a station (recorded in the execution input). */
  sessionStartedByBridge?: boolean;
}

/**
 * Starts the poller of one login unless one of its generations is running, under the name
 * poller-restart.ts chooses (a restart `-r<n>` after an abnormal end). It never joins: joining
 * rotates the cursor, and ListExecutions is eventually consistent, so a join here could rotate the
 * cursor of a poller not listed yet. The execution joins the session itself on its first poll.
 */
export async function startPolling(login: Login, _cxone: unknown, executions: SessionExecutions, running: Set<string>): Promise<StartAgentSessionResult> {
  const base = executionNameFor(login.tenant, login.agentId, login.sessionStartTime);
  if (running.has(base)) return { executionName: base, outcome: 'already-running' };
  const plan = await planPoller(base, executions.describe);
  if (plan.action !== 'start') return { executionName: plan.latest.name, outcome: plan.action === 'running' ? 'already-running' : 'ended' };
  const executionName = plan.name;
  const input: ExecutionInput = {
    agentId: login.agentId,
    ...(login.sessionId ? { sessionId: login.sessionId } : {}),
    ...(login.sessionStartedByBridge ? { sessionStartedByBridge: true as const } : {}),
  };
  const { executionArn, started } = await executions.start(executionName, input);
  if (started) running.add(sessionNameOf(executionName));
  return { executionName, executionArn, outcome: started ? 'started' : 'already-running', ...(started && plan.previous ? { restartOf: plan.previous } : {}) };
}

/** The Real-Time API keeps the last login's start time after logout; `isActive` and the state tell. */
export function isLoggedIn(state: AgentStateRecord | undefined): boolean {
  return Boolean(state?.sessionStartTime) && state?.isActive !== false && state?.agentStateName !== 'LoggedOut';
}
