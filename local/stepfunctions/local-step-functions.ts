import { setImmediate as nextMacrotask, setTimeout as sleep } from 'node:timers/promises';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsApiError, type AwsOperation } from '../aws/local-aws-server.js';
import {
  DATA_LIMIT_EXCEEDED,
  HISTORY_EVENT_LIMIT,
  HISTORY_LIMIT_ERROR,
  HistoryCounter,
  PAYLOAD_LIMIT_BYTES,
  payloadBytes,
  stateTypesOf,
} from './history-model.js';
import { ExecutionRetryCount } from './state-retry-count.js';
import { scaleDefinition, TerminalStateError, waitSeconds } from './time-scale.js';

/** One history event of the local engine (its type is not exported). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Runs one Lambda task in-process: the state's effective input in, the function's result out. */
export type LocalTaskHandler = (input: unknown) => Promise<unknown>;

export interface LocalStateMachine {
  arn: string;
  definition: StateMachineDefinition;
  /** Handlers for Task states, by state name. */
  taskHandlers: Record<string, LocalTaskHandler>;
  /** Shorter Wait states (ms by state name), for tests that need not sit out real back-offs. */
  waitTimeOverrides?: Record<string, number>;
  /**
   * Simulated seconds per real second for Wait states and Retry intervals (100: a 300 s back-off
   * waits 3 real seconds). Task timeouts and the handlers' own clocks are not scaled. @default 1
   */
  timeScale?: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** History as the local engine reports it. */
  history: EventLog[];
  /** States entered: what Step Functions bills as state transitions. */
  transitions: number;
  /** History events Step Functions would have written so far (see history-model.ts); fails past 25,000. */
  historyEventCount: number;
  /** The state machine revision the execution runs: it keeps it whatever is deployed later. */
  revisionId: string;
  done: Promise<void>;
  abort: () => void;
}

/** Standard workflows reject names over 80 characters and these characters (StartExecution API). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the API rejects control characters in names, so the check must name them
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/**
 * The Step Functions API subset the bridge uses, executing real definitions with the
 * aws-local-stepfunctions engine, with the service's limits the engine lacks:
 * - StartExecution naming: a name is unique per state machine (90 days after it closes: the twin
 *   never forgets it); the same name and input while running returns the running execution, any
 *   other reuse is ExecutionAlreadyExists, whatever the input once closed.
 *   https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 * - 256 KiB payloads: a task's input or result, or a state's output, over the limit fails the
 *   execution with States.DataLimitExceeded, which no Catch (not even States.ALL) handles.
 * - 25,000 history events (counted with history-model.ts): the execution fails.
 * - time scaling of Wait states and Retry intervals (see time-scale.ts).
 */
export class LocalStepFunctions {
  /** Registered machines, each with its engine instance built (and its definition validated) once. */
  private readonly machines = new Map<string, RegisteredMachine>();
  readonly executions = new Map<string, LocalExecution>();
  private readonly listeners: ((execution: LocalExecution) => void)[] = [];
  /** Per running execution: aborts its engine run and any scaled wait. */
  private readonly stoppers = new Map<string, AbortController>();
  /** Executions ended by a limit or StopExecution, whose later engine events are not history. */
  private readonly cut = new Set<string>();
  private readonly counters = new Map<string, HistoryCounter>();
  /** Every revision ever registered, by id: an execution describes the one it started on. */
  private readonly revisions = new Map<string, Revision>();

  /** Deploys a new definition of a registered state machine, keeping its handlers (see register). */
  updateDefinition(stateMachineArn: string, definition: StateMachineDefinition): void {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    this.register({
      arn: machine.arn,
      definition,
      taskHandlers: machine.taskHandlers,
      waitTimeOverrides: machine.waitTimeOverrides,
      timeScale: machine.timeScale,
    });
  }

  /**
   * Registers a state machine, or deploys a new definition of a registered one (as UpdateStateMachine
   * does): a new revision that executions started from now on run, while running executions "continue
   * to use the previous definition" (https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html).
   */
  register(machine: LocalStateMachine): void {
    const timeScale = machine.timeScale ?? 1;
    if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);
    // Validate the service's definition; the engine runs the time-scaled rewrite of it.
    new StateMachine(machine.definition, { validationOptions: { checkArn: false } });
    const scaled = scaleDefinition(machine.definition, timeScale);
    const revision: Revision = { revisionId: crypto.randomUUID(), definition: JSON.stringify(machine.definition), updateDate: new Date() };
    this.revisions.set(revision.revisionId, revision);
    this.machines.set(machine.arn, {
      ...machine,
      revision,
      creationDate: this.machines.get(machine.arn)?.creationDate ?? revision.updateDate,
      timeScale,
      waits: scaled.waits,
      stateTypes: stateTypesOf(machine.definition),
      engine: new StateMachine(scaled.definition, { validationOptions: { noValidate: true } }),
    });
  }

  /** Called when an execution ends. */
  onExecutionEnd(listener: (execution: LocalExecution) => void): void {
    this.listeners.push(listener);
  }

  startExecution(stateMachineArn: string, name: string, input: string): { executionArn: string; startDate: Date } {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    if (name.length === 0 || name.length > 80 || INVALID_NAME.test(name)) throw new AwsApiError('InvalidName', `Invalid Name: '${name}'`);
    // StartExecution's input: "Length constraints apply to the payload size, and are expressed as bytes in UTF-8 encoding" (max 262144).
    if (Buffer.byteLength(input, 'utf8') > PAYLOAD_LIMIT_BYTES) {
      throw new AwsApiError(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
      );
    }
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new AwsApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate };
      throw new AwsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }

    const stopper = new AbortController();
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      transitions: 0,
      historyEventCount: 0,
      revisionId: machine.revision.revisionId,
      abort: () => undefined,
      done: Promise.resolve(),
    };
    const retryCount = new ExecutionRetryCount(machine.definition);
    const run = machine.engine.run(parsedInput as never, {
      overrides: { taskResourceLocalHandlers: this.handlersFor(machine, execution, stopper.signal, retryCount) as never },
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: 'arn:aws:iam::000000000000:role/local' },
        StateMachine: { Id: stateMachineArn },
        // $$.State.RetryCount, which the engine does not provide (state-retry-count.ts).
        State: retryCount.contextState(),
      },
    });
    stopper.signal.addEventListener('abort', () => run.abort());
    execution.abort = () => stopper.abort();
    this.stoppers.set(executionArn, stopper);
    this.executions.set(executionArn, execution);
    const counter = new HistoryCounter(machine.stateTypes);
    this.counters.set(executionArn, counter);
    const recorded = this.recordHistory(execution, counter, run.eventLogs);
    // The end is recorded once the engine's history is read to its last event, so that a limit
    // crossed by the last states (e.g. the final output) fails the execution first.
    execution.done = run.result.then(
      (output) => recorded.then(() => this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output) })),
      (error: unknown) => recorded.then(() => this.finish(execution, ...failureOf(error))),
    );
    return { executionArn, startDate: execution.startDate };
  }

  /** Fails a running execution as the service does on a terminal limit: no Catch, no Retry. */
  failExecution(executionArn: string, error: string, cause: string): void {
    const execution = this.executions.get(executionArn);
    if (execution?.status !== 'RUNNING') return;
    this.cut.add(executionArn);
    this.finish(execution, 'FAILED', { error, cause });
  }

  /**
   * The execution's task handlers: each waits a macrotask first, so that the history of the previous
   * state is counted and checked (and the execution failed) before a new invocation starts; payloads
   * over the limit fail the execution; Wait states sleep for their scaled duration.
   */
  private handlersFor(
    machine: RegisteredMachine,
    execution: LocalExecution,
    stopped: AbortSignal,
    retryCount: ExecutionRetryCount,
  ): Record<string, LocalTaskHandler> {
    const refuseIfClosed = () => {
      if (execution.status !== 'RUNNING') throw new TerminalStateError('States.Runtime', 'the execution has ended');
    };
    const handlers: Record<string, LocalTaskHandler> = {};
    for (const [stateName, unwrapped] of Object.entries(machine.taskHandlers)) {
      const handler = retryCount.track(stateName, unwrapped);
      handlers[stateName] = async (input) => {
        await nextMacrotask();
        refuseIfClosed();
        this.checkPayload(execution, stateName, 'input', input);
        const result = await handler(input);
        refuseIfClosed();
        this.checkPayload(execution, stateName, 'result', result);
        return result;
      };
    }
    for (const [stateName, state] of Object.entries(machine.waits)) {
      handlers[stateName] = async (input) => {
        await nextMacrotask();
        refuseIfClosed();
        const override = machine.waitTimeOverrides?.[stateName];
        const ms = override ?? (waitSeconds(state, input) * 1000) / machine.timeScale;
        await sleep(ms, undefined, { signal: stopped }).catch(() => undefined);
        refuseIfClosed();
        return input;
      };
    }
    return handlers;
  }

  private checkPayload(execution: LocalExecution, stateName: string, what: 'input' | 'result' | 'output', value: unknown): void {
    const bytes = payloadBytes(value);
    if (bytes <= PAYLOAD_LIMIT_BYTES) return;
    const cause = `The state/task '${stateName}' ${what === 'input' ? 'has an input' : what === 'result' ? 'returned a result' : 'has an output'} with a size exceeding the maximum number of bytes service limit (${bytes} > ${PAYLOAD_LIMIT_BYTES}).`;
    this.failExecution(execution.executionArn, DATA_LIMIT_EXCEEDED, cause);
    throw new TerminalStateError(DATA_LIMIT_EXCEEDED, cause);
  }

  operations(): Record<string, AwsOperation> {
    return {
      'AWSStepFunctions.StartExecution': (request) => {
        const { executionArn, startDate } = this.startExecution(
          String(request.stateMachineArn),
          String(request.name ?? crypto.randomUUID()),
          String(request.input ?? '{}'),
        );
        return { executionArn, startDate: startDate.getTime() / 1000 };
      },
      'AWSStepFunctions.DescribeExecution': (request) => {
        const execution = this.executions.get(String(request.executionArn));
        if (!execution) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
        return { ...executionListItem(execution), input: execution.input, output: execution.output, error: execution.error, cause: execution.cause };
      },
      'AWSStepFunctions.ListExecutions': (request) => {
        const matching = [...this.executions.values()].filter(
          (execution) => execution.stateMachineArn === request.stateMachineArn && (!request.statusFilter || execution.status === request.statusFilter),
        );
        // Newest first, as the service lists them; nextToken is an offset.
        matching.sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
        const offset = Number(request.nextToken ?? 0);
        const size = Math.min(Number(request.maxResults ?? 100) || 100, 1000);
        const page = matching.slice(offset, offset + size);
        return {
          executions: page.map(executionListItem),
          nextToken: offset + size < matching.length ? String(offset + size) : undefined,
        };
      },
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html
      'AWSStepFunctions.DescribeStateMachine': (request) => {
        const machine = this.machines.get(String(request.stateMachineArn));
        if (!machine) throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.stateMachineArn}'`);
        return {
          ...stateMachineDescription(machine.arn, machine.revision),
          status: 'ACTIVE',
          type: 'STANDARD',
          creationDate: machine.creationDate.getTime() / 1000,
        };
      },
      // The definition and revision the execution runs, which a later deploy does not change.
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachineForExecution.html
      'AWSStepFunctions.DescribeStateMachineForExecution': (request) => {
        const execution = this.executions.get(String(request.executionArn));
        const revision = execution && this.revisions.get(execution.revisionId);
        if (!execution || !revision) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
        return stateMachineDescription(execution.stateMachineArn, revision);
      },
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
      'AWSStepFunctions.GetExecutionHistory': (request) => {
        const execution = this.executions.get(String(request.executionArn));
        if (!execution) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
        const events = historyEventsOf(execution, request.includeExecutionData !== false);
        if (request.reverseOrder === true) events.reverse();
        const offset = Number(request.nextToken ?? 0);
        const size = Math.min(Number(request.maxResults ?? 100) || 100, 1000);
        return { events: events.slice(offset, offset + size), nextToken: offset + size < events.length ? String(offset + size) : undefined };
      },
      'AWSStepFunctions.StopExecution': (request) => {
        const execution = this.executions.get(String(request.executionArn));
        if (!execution) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
        if (execution.status === 'RUNNING') {
          this.cut.add(execution.executionArn);
          execution.abort();
          this.finish(execution, 'ABORTED', { error: request.error as string | undefined, cause: request.cause as string | undefined });
        }
        return { stopDate: (execution.stopDate ?? new Date()).getTime() / 1000 };
      },
    };
  }

  /** Resolves when no execution is running, including generations started while waiting. */
  async settled(): Promise<void> {
    for (;;) {
      const running = [...this.executions.values()].filter((execution) => execution.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((execution) => execution.done));
    }
  }

  private async recordHistory(execution: LocalExecution, counter: HistoryCounter, events: AsyncGenerator<EventLog>): Promise<void> {
    for await (const event of events) {
      // Once a limit failed it or it was stopped, the engine's remaining events never happened on AWS.
      if (this.cut.has(execution.executionArn)) continue;
      if (event.type === 'StateEntered') execution.transitions += 1;
      // A Wait runs as a local task on the engine; its history says Wait, as the service's does.
      const type = 'state' in event ? this.stateTypeOf(execution, event.state.name) : undefined;
      execution.history.push('state' in event && type && event.state.type !== type ? ({ ...event, state: { ...event.state, type } } as EventLog) : event);
      // The closing event is counted when the execution is finished (finish()).
      if (CLOSING_EVENTS.has(event.type)) continue;
      execution.historyEventCount = counter.add(event);
      if (execution.historyEventCount > HISTORY_EVENT_LIMIT) {
        this.failExecution(execution.executionArn, HISTORY_LIMIT_ERROR, `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`);
        continue;
      }
      // A state's output over the limit (e.g. after a ResultPath or Catch merge) is terminal too.
      if (event.type === 'StateExited' && 'output' in event.state) {
        try {
          this.checkPayload(execution, event.state.name, 'output', event.state.output);
        } catch {
          // checkPayload has failed the execution.
        }
      }
    }
  }

  private stateTypeOf(execution: LocalExecution, stateName: string) {
    return this.machines.get(execution.stateMachineArn)?.stateTypes[stateName];
  }

  private finish(execution: LocalExecution, status: ExecutionStatus, details: { output?: string; error?: string; cause?: string }): void {
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, { status, stopDate: new Date(), ...details });
    // The closing event (ExecutionSucceeded/Failed/Aborted/TimedOut).
    const counter = this.counters.get(execution.executionArn);
    this.counters.delete(execution.executionArn);
    if (counter) execution.historyEventCount = counter.add({ type: 'ExecutionSucceeded' });
    const stopper = this.stoppers.get(execution.executionArn);
    this.stoppers.delete(execution.executionArn);
    stopper?.abort();
    for (const listener of this.listeners) listener(execution);
  }
}

const CLOSING_EVENTS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimeout']);

/** One deployed definition of a state machine. */
interface Revision {
  revisionId: string;
  /** The definition as the service returns it: JSON text. */
  definition: string;
  updateDate: Date;
}

type RegisteredMachine = LocalStateMachine & {
  revision: Revision;
  creationDate: Date;
  timeScale: number;
  engine: StateMachine;
  waits: ReturnType<typeof scaleDefinition>['waits'];
  stateTypes: ReturnType<typeof stateTypesOf>;
};

/** An execution as ListExecutions reports it (DescribeExecution adds input, output and error). */
function executionListItem(execution: LocalExecution) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate.getTime() / 1000,
    stopDate: execution.stopDate ? execution.stopDate.getTime() / 1000 : undefined,
  };
}

function failureOf(error: unknown): [ExecutionStatus, { error?: string; cause?: string }] {
  const name = error instanceof Error ? error.name : 'Error';
  if (name === 'ExecutionAbortedError') return ['ABORTED', {}];
  if (name === 'ExecutionTimeoutError') return ['TIMED_OUT', { error: 'States.Timeout' }];
  // ExecutionError wraps the state's error; its cause carries the name and message.
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error instanceof Error ? error : undefined;
  return ['FAILED', { error: inner?.name ?? name, cause: inner?.message ?? String(error) }];
}

/** What DescribeStateMachine and DescribeStateMachineForExecution share. */
function stateMachineDescription(stateMachineArn: string, revision: Revision) {
  return {
    stateMachineArn,
    name: stateMachineArn.split(':').at(-1),
    definition: revision.definition,
    roleArn: 'arn:aws:iam::000000000000:role/local',
    revisionId: revision.revisionId,
    updateDate: revision.updateDate.getTime() / 1000,
  };
}

/**
 * The execution's history in the service's shape (HistoryEvent: `<Type>StateEntered` with the state's
 * input, `<Type>StateExited` with its output, the execution's start and end), from the engine's events.
 * Retries and catches, which the engine reports apart, appear as the failed state's `LambdaFunctionFailed`.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 */
function historyEventsOf(execution: LocalExecution, includeData: boolean): Record<string, unknown>[] {
  const data = (value: unknown) => (includeData ? JSON.stringify(value ?? null) : undefined);
  const events: Record<string, unknown>[] = [];
  const push = (type: string, timestamp: number, details: Record<string, unknown> = {}) =>
    events.push({ id: events.length + 1, previousEventId: events.length, type, timestamp: timestamp / 1000, ...details });
  push('ExecutionStarted', execution.startDate.getTime(), { executionStartedEventDetails: { input: data(JSON.parse(execution.input)) } });
  for (const event of execution.history) {
    if (!('state' in event) || 'parentState' in event) continue;
    const { name, type, input, output } = event.state;
    if (event.type === 'StateEntered') push(`${type}StateEntered`, event.timestamp, { stateEnteredEventDetails: { name, input: data(input) } });
    else if (event.type === 'StateExited') push(`${type}StateExited`, event.timestamp, { stateExitedEventDetails: { name, output: data(output) } });
    else if (event.type === 'StateFailed' && type === 'Task')
      push('LambdaFunctionFailed', event.timestamp, { lambdaFunctionFailedEventDetails: { error: event.Error, cause: String(event.Cause ?? '') } });
  }
  const end = execution.stopDate?.getTime() ?? 0;
  if (execution.status === 'SUCCEEDED') push('ExecutionSucceeded', end, { executionSucceededEventDetails: { output: execution.output } });
  else if (execution.status === 'FAILED') push('ExecutionFailed', end, { executionFailedEventDetails: { error: execution.error, cause: execution.cause } });
  else if (execution.status === 'ABORTED') push('ExecutionAborted', end, { executionAbortedEventDetails: { error: execution.error, cause: execution.cause } });
  else if (execution.status === 'TIMED_OUT') push('ExecutionTimedOut', end, {});
  return events;
}
