import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { nextGenerationName } from '../../contract/poll-state.js';
import { DynamoDbCheckpointStore } from '../../lambdas/poll-session/dynamodb-checkpoint-store.js';
import { sessionNameOf } from '../../lambdas/sessions/execution-name.js';
import { type LocatedStack, type OpsClients, OpsError, sessionsOf } from './operations.js';

/**
 * Rolling running sessions onto a new deploy. A deploy that changes the state machine's definition
 * leaves running executions on the previous one ("Running executions will continue to use the
 * previous definition and roleArn",
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html), and a
 * session's execution may run for days before it hands over by itself. `roll` asks each such
 * execution, through its checkpoint, to hand over after its next answered poll: that poll is
 * checkpointed and published first, and the next generation (`-gN`) starts on the current definition
 * with the whole loop state (cursor in the store, degraded record, counters), as every hand-over does.
 * Nothing is stopped, so nothing in flight is cut short, and the poll lease never sees two pollers.
 */

/** A running execution on an earlier definition than the state machine's current one. */
export interface OutdatedSession {
  execution: string;
  agentId: string;
}

export interface RollPlan {
  /** The state machine's current revision (DescribeStateMachine). */
  revisionId: string;
  /** Running executions (in scope) already on it. */
  current: string[];
  outdated: OutdatedSession[];
}

export interface RollReport {
  revisionId: string;
  /** Executions that handed over, and the generation that took over on the current definition. */
  rolled: { from: string; to: string }[];
  /** Executions that ended while rolling without a next generation (their session ended, or someone stopped them). */
  ended: { execution: string; status: string }[];
  /** Still on an earlier definition when the time was up, with why. */
  pending: { execution: string; agentId: string; reason: string }[];
}

/** Which definition a state machine or an execution runs: its revision id, or its definition text where no id is given. */
interface Revision {
  revisionId?: string;
  definition?: string;
}

const sameRevision = (a: Revision, b: Revision) => (a.revisionId && b.revisionId ? a.revisionId === b.revisionId : a.definition === b.definition);

/** Finds the running executions (of one agent, or all) that run an earlier definition. */
export async function planRoll(clients: OpsClients, stack: LocatedStack, filter: { agentId?: string }, progress: (line: string) => void): Promise<RollPlan> {
  const current = await currentRevision(clients, stack);
  const running = await sessionsOf(clients, stack, { agentId: filter.agentId, runningOnly: true }, progress);
  const plan: RollPlan = { revisionId: current.revisionId ?? '', current: [], outdated: [] };
  for (const session of running) {
    if (sameRevision(await revisionOfExecution(clients, session.executionArn), current)) plan.current.push(session.execution);
    else plan.outdated.push({ execution: session.execution, agentId: session.agentId });
  }
  return plan;
}

/**
 * Asks each outdated execution to hand over and waits until none of their logins runs an earlier
 * definition (a hand-over right after a deploy may still start on the previous one: it is asked
 * again), or until `timeoutMs`. A degraded session hands over after its first poll that works.
 */
export async function rollSessions(
  clients: OpsClients,
  stack: LocatedStack,
  outdated: OutdatedSession[],
  options: { timeoutMs: number; checkEveryMs?: number },
  progress: (line: string) => void,
): Promise<RollReport> {
  if (!stack.sessionTableName) throw new OpsError(`stack ${stack.stackName} has no SessionTableName output: roll needs the checkpoint table`);
  const store = new DynamoDbCheckpointStore(clients.dynamoDb, stack.sessionTableName);
  const current = await currentRevision(clients, stack);
  const report: RollReport = { revisionId: current.revisionId ?? '', rolled: [], ended: [], pending: [] };
  const agentOfLogin = new Map(outdated.map((session) => [sessionNameOf(session.execution), session.agentId]));
  /** Outdated executions still running, and whether their checkpoint holds the request yet. */
  const waiting = new Map(outdated.map((session) => [session.execution, false]));
  const checked = new Set<string>(outdated.map((session) => session.execution));
  const deadline = Date.now() + options.timeoutMs;
  const total = outdated.length;
  for (;;) {
    for (const [execution, requested] of waiting) {
      // False until the execution has polled once (no checkpoint yet): asked again next round.
      if (!requested) waiting.set(execution, await store.requestHandOver(sessionNameOf(execution), execution));
    }
    await sleep(options.checkEveryMs ?? 1_000);
    // Executions that closed: handed over (their next generation exists) or ended.
    for (const execution of [...waiting.keys()]) {
      const status = await statusOf(clients, stack, execution);
      if (status === 'RUNNING') continue;
      waiting.delete(execution);
      const next = nextGenerationName(execution);
      if (status === 'SUCCEEDED' && (await statusOf(clients, stack, next)) !== undefined) report.rolled.push({ from: execution, to: next });
      else report.ended.push({ execution, status: status ?? 'UNKNOWN' });
    }
    // New executions of the same logins that started on an earlier definition are rolled too.
    for (const execution of await runningNames(clients, stack)) {
      if (checked.has(execution) || !agentOfLogin.has(sessionNameOf(execution))) continue;
      checked.add(execution);
      if (!sameRevision(await revisionOfExecution(clients, executionArnOf(stack, execution)), current)) waiting.set(execution, false);
    }
    const done = report.rolled.length + report.ended.length;
    if (waiting.size === 0) return report;
    if (Date.now() >= deadline) break;
    progress(`rolled ${report.rolled.length} of ${Math.max(total, done + waiting.size)}; ${waiting.size} waiting for their next answered poll…`);
  }
  // Time is up: say why each one is still on the earlier definition.
  const states = new Map((await sessionsOf(clients, stack, { runningOnly: true }, () => undefined)).map((session) => [session.execution, session] as const));
  for (const [execution, requested] of waiting) {
    const session = states.get(execution);
    const reason = !requested
      ? 'has not polled yet (no checkpoint to ask through)'
      : session?.degraded
        ? `degraded (${session.degraded.reason}): hands over after its first poll that works`
        : 'asked; hands over after its next answered poll';
    report.pending.push({ execution, agentId: agentOfLogin.get(sessionNameOf(execution)) ?? '?', reason });
  }
  return report;
}

async function currentRevision(clients: OpsClients, stack: LocatedStack): Promise<Revision> {
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html
  const described = await clients.stepFunctions.send(new DescribeStateMachineCommand({ stateMachineArn: stack.stateMachineArn }));
  return { revisionId: described.revisionId, definition: described.definition };
}

async function revisionOfExecution(clients: OpsClients, executionArn: string): Promise<Revision> {
  // The definition the execution runs, whatever was deployed since.
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachineForExecution.html
  const described = await clients.stepFunctions.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
  return { revisionId: described.revisionId, definition: described.definition };
}

function executionArnOf(stack: LocatedStack, name: string): string {
  return `${stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

async function statusOf(clients: OpsClients, stack: LocatedStack, name: string): Promise<string | undefined> {
  try {
    return (await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn: executionArnOf(stack, name) }))).status;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}

async function runningNames(clients: OpsClients, stack: LocatedStack): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.stepFunctions.send(
      new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }),
    );
    for (const execution of page.executions ?? []) if (execution.name) names.push(execution.name);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
