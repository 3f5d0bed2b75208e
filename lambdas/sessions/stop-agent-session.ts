import { ConfigurationError } from '../../contract/errors.js';
import type { CxoneAgentApi } from '../cxone/agent-api.js';
import { sessionNameOf } from './execution-name.js';

/** The Step Functions calls stopping or ending a session needs. */
export interface RunningExecutions {
  /** Names of the running executions whose names start with `prefix`. */
  runningNamed(prefix: string): Promise<string[]>;
  /** Stops one execution (StopExecution); the loop does not run again. */
  stop(name: string, cause: string): Promise<void>;
  /** The recorded input of an execution (running or closed), as JSON text. */
  inputOf(name: string): Promise<string | undefined>;
}

/** Every execution name of the agent starts so (see executionNameFor). */
const agentPrefix = (tenant: string, agentId: string) => `${tenant}-${agentId}-`;

/**
 * Stops polling the agent: stops the running executions of the agent's logins. The CXone session is
 * left alone (the agent stays logged in); an invocation in flight finishes its poll and publishes
 * what it received before the stopped execution would have run the next one.
 */
export async function stopPolling(tenant: string, agentId: string, executions: RunningExecutions): Promise<string[]> {
  const running = await executions.runningNamed(agentPrefix(tenant, agentId));
  for (const name of running) await executions.stop(name, 'stopped with `session stop`; the CXone session goes on');
  return running;
}

/**
 * Ends the agent's CXone session, which logs the agent out, but only when the bridge started that
 * session on a station (`session start --station-…`), as the first execution's input records. The
 * poller then sees AgentSessionEnd and ends normally.
 */
export async function endBridgeStartedSession(
  tenant: string,
  agentId: string,
  executions: RunningExecutions,
  cxone: Pick<CxoneAgentApi, 'joinSession' | 'endSession'>,
): Promise<string> {
  const running = await executions.runningNamed(agentPrefix(tenant, agentId));
  const session = running[0];
  if (!session) throw new ConfigurationError(`no poller runs for agent ${agentId}; only a session the bridge started and still polls can be ended`);
  const input = await executions.inputOf(sessionNameOf(session));
  const startedByBridge = (() => {
    try {
      return (JSON.parse(input ?? '{}') as { sessionStartedByBridge?: unknown }).sessionStartedByBridge === true;
    } catch {
      return false;
    }
  })();
  if (!startedByBridge) {
    throw new ConfigurationError(
      `agent ${agentId}'s CXone session was not started by the bridge (it was joined); ending it would log the agent out, so it is left alone (\`session stop\` stops polling)`,
    );
  }
  await cxone.endSession(await cxone.joinSession(agentId));
  return session;
}
