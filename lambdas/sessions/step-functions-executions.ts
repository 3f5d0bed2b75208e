import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { sessionNameOf } from './execution-name.js';
import type { ExecutionStatus } from './poller-restart.js';
import type { SessionExecutions } from './start-agent-session.js';

/** SessionExecutions over the AWS SDK for one state machine. */
export function stepFunctionsExecutions(client: SFNClient, stateMachineArn: string): SessionExecutions {
  const executionArnOf = (name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return {
    async runningSessionNames() {
      const names = new Set<string>();
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }));
        for (const execution of page.executions ?? []) if (execution.name) names.add(sessionNameOf(execution.name));
        nextToken = page.nextToken;
      } while (nextToken);
      return names;
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
