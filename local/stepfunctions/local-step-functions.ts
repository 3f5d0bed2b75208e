import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type AwsOperation, AwsApiError } from '../aws/local-aws-server.js';

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
  done: Promise<void>;
  abort: () => void;
}

/** Standard workflows reject names over 80 characters and these characters (StartExecution API). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the API rejects control characters in names, so the check must name them
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/**
 * The Step Functions API subset the bridge uses, executing real definitions with the
 * aws-local-stepfunctions engine. StartExecution follows the service's naming rules: a name is
 * unique per state machine; the same name and input while running returns the running execution,
 * anything else is ExecutionAlreadyExists.
 */
export class LocalStepFunctions {
  /** Registered machines, each with its engine instance built (and its definition validated) once. */
  private readonly machines = new Map<string, LocalStateMachine & { engine: StateMachine }>();
  readonly executions = new Map<string, LocalExecution>();
  private readonly listeners: ((execution: LocalExecution) => void)[] = [];

  register(machine: LocalStateMachine): void {
    this.machines.set(machine.arn, { ...machine, engine: new StateMachine(machine.definition, { validationOptions: { checkArn: false } }) });
  }

  /** Called when an execution ends. */
  onExecutionEnd(listener: (execution: LocalExecution) => void): void {
    this.listeners.push(listener);
  }

  startExecution(stateMachineArn: string, name: string, input: string): { executionArn: string; startDate: Date } {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    if (name.length === 0 || name.length > 80 || INVALID_NAME.test(name)) throw new AwsApiError('InvalidName', `Invalid Name: '${name}'`);
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

    const run = machine.engine.run(parsedInput as never, {
      overrides: { taskResourceLocalHandlers: machine.taskHandlers as never, waitTimeOverrides: machine.waitTimeOverrides },
      context: { Execution: { Id: executionArn, Name: name, RoleArn: 'arn:aws:iam::000000000000:role/local' }, StateMachine: { Id: stateMachineArn } },
    });
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      transitions: 0,
      abort: run.abort,
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    void this.recordHistory(execution, run.eventLogs);
    execution.done = run.result.then(
      (output) => this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output) }),
      (error: unknown) => this.finish(execution, ...failureOf(error)),
    );
    return { executionArn, startDate: execution.startDate };
  }

  operations(): Record<string, AwsOperation> {
    return {
      'AWSStepFunctions.StartExecution': (request) => {
        const { executionArn, startDate } = this.startExecution(String(request.stateMachineArn), String(request.name ?? crypto.randomUUID()), String(request.input ?? '{}'));
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
      'AWSStepFunctions.StopExecution': (request) => {
        const execution = this.executions.get(String(request.executionArn));
        if (!execution) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
        if (execution.status === 'RUNNING') {
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

  private async recordHistory(execution: LocalExecution, events: AsyncGenerator<EventLog>): Promise<void> {
    for await (const event of events) {
      if (event.type === 'StateEntered') execution.transitions += 1;
      execution.history.push(event);
    }
  }

  private finish(execution: LocalExecution, status: ExecutionStatus, details: { output?: string; error?: string; cause?: string }): void {
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, { status, stopDate: new Date(), ...details });
    for (const listener of this.listeners) listener(execution);
  }
}

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
