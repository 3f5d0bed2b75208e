import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { sessionNameOf } from './execution-name.js';
import type { ExecutionStatus } from './poller-restart.js';
import type { SessionExecutions } from './start-agent-session.js';
import type { RunningExecutions } from './stop-agent-session.js';

/** SessionExecutions (start) and RunningExecutions (stop, end) over the AWS SDK for one state machine. */
export function stepFunctionsExecutions(client: SFNClient, stateMachineArn: string): SessionExecutions & RunningExecutions {
  const executionArnOf = (name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const runningNames = async (): Promise<string[]> => {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }));
      for (const execution of page.executions ?? []) if (execution.name) names.push(execution.name);
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  };
  return {
    async runningNamed(prefix) {
      return (await runningNames()).filter((name) => name.startsWith(prefix));
    },
    async stop(name, cause) {
      await client.send(new StopExecutionCommand({ executionArn: executionArnOf(name), cause }));
    },
    async inputOf(name) {
      try {
        return (await client.send(new DescribeExecutionCommand({ executionArn: executionArnOf(name) }))).input;
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return undefined;
        throw error;
      }
    },
    async runningSessionNames() {
      return new Set((await runningNames()).map(sessionNameOf));
    },
    async start(name, input) {
      try {
        const output = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return { executionArn: output.executionArn ?? executionArnOf(name), started: true };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) return { executionArn: executionArnOf(name), started: false };
        throw error;
      }
    },
    async describe(name) {
      try {
        const output = await client.send(new DescribeExecutionCommand({ executionArn: executionArnOf(name) }));
        return { name, status: (output.status ?? 'RUNNING') as ExecutionStatus, ...(output.stopDate ? { stopDate: output.stopDate } : {}) };
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return undefined;
        throw error;
      }
    },
  };
}
