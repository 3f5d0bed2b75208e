import type { AgentStateRecord, CxoneAgentApi } from '../cxone/agent-api.js';
import { isLoggedIn, type SessionExecutions, startPolling } from '../sessions/start-agent-session.js';

/** Which agents the bridge may poll. Empty include lists mean "everyone". */
export interface AgentFilter {
  includeAgentIds: string[];
  excludeAgentIds: string[];
  includeTeamIds: string[];
  excludeTeamIds: string[];
}

/** Where the delta cursor (`lastPollTime`) is kept between runs. */
export interface CursorStore {
  load(): Promise<string | undefined>;
  save(cursor: string): Promise<void>;
}

export interface DiscoveryOutcome {
  /** Agents in this delta. */
  changed: number;
  started: string[];
  alreadyRunning: number;
  excluded: number;
  failed: { agentId: string; reason: string }[];
  cursor: string;
}

/** The first run (and a run after the cursor was lost) reads every agent. */
export const EPOCH_CURSOR = new Date(0).toISOString();

/**
 * One discovery run: reads the agent-state delta since the stored cursor and starts a poller for
 * every logged-in, included agent whose login has none. Starts are idempotent (execution names come
 * from the login), so repeated runs and a lost cursor never start a second poller; logouts need
 * nothing here, the poller ends on the session's end.
 */
export async function discoverSessions(deps: {
  tenant: string;
  cxone: Pick<CxoneAgentApi, 'getAgentStatesSince' | 'joinSession'>;
  executions: SessionExecutions;
  cursor: CursorStore;
  filter: AgentFilter;
}): Promise<DiscoveryOutcome> {
  const since = (await deps.cursor.load()) ?? EPOCH_CURSOR;
  const delta = await deps.cxone.getAgentStatesSince(since);
  const outcome: DiscoveryOutcome = { changed: delta.agentStates.length, started: [], alreadyRunning: 0, excluded: 0, failed: [], cursor: delta.lastPollTime ?? since };
  const candidates = latestPerAgent(delta.agentStates).filter(isLoggedIn);
  const allowed = candidates.filter((state) => isAllowed(state, deps.filter));
  outcome.excluded = candidates.length - allowed.length;
  if (allowed.length > 0) {
    const running = await deps.executions.runningSessionNames();
    for (const state of allowed) {
      try {
        const result = await startPolling({ tenant: deps.tenant, agentId: state.agentId, sessionStartTime: state.sessionStartTime as string }, deps.cxone, deps.executions, running);
        if (result.outcome === 'started') outcome.started.push(result.executionName);
        else outcome.alreadyRunning += 1;
      } catch (error) {
        // One agent's failure (e.g. logged out meanwhile) must not stop the others.
        outcome.failed.push({ agentId: state.agentId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
    }
  }
  // Move the cursor only after the starts: a crash before this point re-reads the same delta.
  if (delta.lastPollTime) await deps.cursor.save(delta.lastPollTime);
  return outcome;
}

function latestPerAgent(states: AgentStateRecord[]): AgentStateRecord[] {
  return [...new Map(states.map((state) => [state.agentId, state])).values()];
}

function isAllowed(state: AgentStateRecord, filter: AgentFilter): boolean {
  const team = state.teamId ?? '';
  if (filter.excludeAgentIds.includes(state.agentId) || filter.excludeTeamIds.includes(team)) return false;
  if (filter.includeAgentIds.length === 0 && filter.includeTeamIds.length === 0) return true;
  return filter.includeAgentIds.includes(state.agentId) || filter.includeTeamIds.includes(team);
}
