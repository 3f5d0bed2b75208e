import type { AgentStateRecord, CxoneAgentApi, Station } from '../cxone/agent-api.js';
import { ConfigurationError } from '../shared/errors.js';
import type { PollStateInput } from '../poll-session/poll-state.js';
import { executionNameFor } from './execution-name.js';

/** The Step Functions calls starting a session needs. */
export interface SessionExecutions {
  /** Status of the named execution, or undefined if there is none. */
  statusOf(name: string): Promise<string | undefined>;
  /** Starts the named execution; false when Step Functions refused it as already existing. */
  start(name: string, input: PollStateInput): Promise<{ executionArn: string; started: boolean }>;
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
  /** started: a new poller; already-running: a poller for this login exists and was left alone. */
  outcome: 'started' | 'already-running';
}

/**
 * Starts polling one agent's session: finds the current login (starting one on a station if asked),
 * joins it for a cursor and starts the execution named after the login. An execution already
 * running for the same login is not disturbed: joining would rotate its cursor.
 */
export async function startAgentSession(
  request: StartAgentSessionRequest,
  cxone: Pick<CxoneAgentApi, 'getAgentState' | 'joinSession' | 'startSession'>,
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
  const executionName = executionNameFor(request.tenant, request.agentId, state.sessionStartTime);
  if ((await executions.statusOf(executionName)) === 'RUNNING') return { executionName, outcome: 'already-running' };

  sessionId ??= await cxone.joinSession(request.agentId);
  const { executionArn, started } = await executions.start(executionName, { agentId: request.agentId, sessionId });
  return { executionName, executionArn, outcome: started ? 'started' : 'already-running' };
}

/** The Real-Time API keeps the last login's start time after logout; `isActive` and the state tell. */
function isLoggedIn(state: AgentStateRecord | undefined): boolean {
  return Boolean(state?.sessionStartTime) && state?.isActive !== false && state?.agentStateName !== 'LoggedOut';
}
