import type { AgentStateRecord, CxoneAgentApi } from '../cxone/agent-api.js';
import type { ExecutionSummary } from '../sessions/poller-restart.js';
import { isLoggedIn, type SessionExecutions, startPolling } from '../sessions/start-agent-session.js';
import type { DiscoveryCursor, RetryEntry } from './discovery-cursor.js';

/** Which agents the bridge may poll. Empty include lists mean "everyone". */
export interface AgentFilter {
  includeAgentIds: string[];
  excludeAgentIds: string[];
  includeTeamIds: string[];
  excludeTeamIds: string[];
}

/** Where discovery keeps its cursor, reconcile time and retry list between runs. */
export interface CursorStore {
  load(): Promise<DiscoveryCursor | undefined>;
  save(cursor: DiscoveryCursor): Promise<void>;
}

/** A login whose poller had ended abnormally and was started again under a new name. */
export interface PollerRestart {
  agentId: string;
  /** The new execution's name (`<base>-r<n>`). */
  execution: string;
  /** The execution that ended: its name, status and stop time. */
  previous: ExecutionSummary;
}

/** Makes restarts visible (the PollerRestarted lifecycle event); best effort, the restart stands either way. */
export type RestartAnnouncer = (restarts: PollerRestart[]) => Promise<void>;

export interface DiscoveryOutcome {
  /** reconcile: the full list of agents was read; delta: only the agents changed since the cursor. */
  mode: 'reconcile' | 'delta';
  /** Agents in what CXone answered. */
  changed: number;
  /** Executions started (first pollers and restarts). */
  started: string[];
  restarted: PollerRestart[];
  alreadyRunning: number;
  /** Logged-in agents whose login's poller succeeded (CXone ended the session): nothing to do. */
  ended: number;
  excluded: number;
  /** Starts that failed; each is retried by the next run. */
  failed: { agentId: string; reason: string }[];
  /** Why the restart events could not be published, if they could not. */
  announceError?: string;
  cursor: string;
}

/** The full read: every agent, as the CXone SDK's first agent-state poll asks for them. */
export const EPOCH_CURSOR = new Date(0).toISOString();

export interface DiscoveryDeps {
  tenant: string;
  cxone: Pick<CxoneAgentApi, 'getAgentStatesSince' | 'joinSession'>;
  executions: SessionExecutions;
  cursor: CursorStore;
  filter: AgentFilter;
  /** A full reconcile at most this often (and whenever the cursor or its reconcile time is missing). */
  reconcileEveryMs: number;
  announceRestarts: RestartAnnouncer;
  now: () => number;
}

/**
 * One discovery run. Usually it reads the agent-state delta since the stored cursor; on its first
 * run, when the cursor is lost, and every `reconcileEveryMs`, it reads every agent instead, so that an
 * agent whose state never changes still gets a poller back after one ended abnormally. For every
 * logged-in, included agent whose login has no running poller it starts one (startPolling: the
 * login's first, or a restart `-r<n>` after a failed, stopped or timed-out one).
 *
 * A run that cannot read CXone fails, and the next run that can reconciles (an outage may have
 * ended pollers meanwhile). An agent whose start failed (CXone error, throttling, Step Functions
 * error) is kept in the cursor's retry list and tried again by the next run, before that run's
 * delta, so the cursor moves on without ever skipping it. Starts are idempotent (deterministic
 * names), so a crash before the cursor is saved, or two runs at once, only repeat work; the later
 * save wins, and a retry entry it drops is picked up by the next reconcile.
 */
export async function discoverSessions(deps: DiscoveryDeps): Promise<DiscoveryOutcome> {
  const now = deps.now();
  const stored = await deps.cursor.load();
  const reconcile = isReconcileDue(stored, now, deps.reconcileEveryMs);
  const read = await readAgents(deps, stored, reconcile);
  // A full read supersedes the retry list; in a delta, a newer row of a retried agent wins.
  const retried = reconcile ? [] : (stored?.retry ?? []).map(retryRecord);
  const candidates = latestPerAgent([...retried, ...read.agentStates]).filter(isLoggedIn);
  const allowed = candidates.filter((state) => isAllowed(state, deps.filter));
  const outcome: DiscoveryOutcome = {
    mode: reconcile ? 'reconcile' : 'delta',
    changed: read.agentStates.length,
    started: [],
    restarted: [],
    alreadyRunning: 0,
    ended: 0,
    excluded: candidates.length - allowed.length,
    failed: [],
    cursor: read.lastPollTime ?? stored?.lastPollTime ?? EPOCH_CURSOR,
  };
  const retry: RetryEntry[] = [];
  if (allowed.length > 0) {
    const running = await deps.executions.runningSessionNames();
    for (const state of allowed) {
      const sessionStartTime = state.sessionStartTime as string;
      try {
        const result = await startPolling({ tenant: deps.tenant, agentId: state.agentId, sessionStartTime }, deps.cxone, deps.executions, running);
        if (result.outcome === 'started') outcome.started.push(result.executionName);
        else if (result.outcome === 'ended') outcome.ended += 1;
        else outcome.alreadyRunning += 1;
        if (result.restartOf) outcome.restarted.push({ agentId: state.agentId, execution: result.executionName, previous: result.restartOf });
      } catch (error) {
        // One agent's failure must not stop the others; the next run tries it again.
        outcome.failed.push({ agentId: state.agentId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        retry.push({ agentId: state.agentId, sessionStartTime, ...(state.teamId ? { teamId: state.teamId } : {}) });
      }
    }
  }
  if (outcome.restarted.length > 0) {
    await deps.announceRestarts(outcome.restarted).catch((error: unknown) => {
      outcome.announceError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    });
  }
  // Saved only after the starts: a crash before this point re-reads the same agents.
  await deps.cursor.save({
    v: 1,
    lastPollTime: outcome.cursor,
    ...(reconcile ? { reconciledAt: new Date(now).toISOString() } : stored?.reconciledAt ? { reconciledAt: stored.reconciledAt } : {}),
    retry,
  });
  return outcome;
}

/**
 * Reads the full list or the delta. When CXone cannot be read, pollers may be ending meanwhile (the
 * same outage), and agents whose state does not change would stay out of every delta: the first run
 * that reads again reconciles.
 */
async function readAgents(deps: DiscoveryDeps, stored: DiscoveryCursor | undefined, reconcile: boolean) {
  try {
    return await deps.cxone.getAgentStatesSince(reconcile || !stored ? EPOCH_CURSOR : stored.lastPollTime);
  } catch (error) {
    if (stored?.reconciledAt) {
      const { reconciledAt: _due, ...rest } = stored;
      await deps.cursor.save(rest).catch(() => undefined);
    }
    throw error;
  }
}

/** Due when never done, when the cursor is lost, after `everyMs`, or when the clock went back. */
export function isReconcileDue(cursor: DiscoveryCursor | undefined, now: number, everyMs: number): boolean {
  if (!cursor?.reconciledAt) return true;
  const age = now - Date.parse(cursor.reconciledAt);
  return !(age >= 0 && age < everyMs);
}

function retryRecord(entry: RetryEntry): AgentStateRecord {
  return { agentId: entry.agentId, sessionStartTime: entry.sessionStartTime, teamId: entry.teamId ?? null, isActive: true };
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
