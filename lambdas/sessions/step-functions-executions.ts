import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SessionExecutions } from './start-agent-session.js';

/** SessionExecutions over the AWS SDK for one state machine. */
export function stepFunctionsExecutions(client: SFNClient, stateMachineArn: string): SessionExecutions {
  const executionArnOf = (name: string) => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  return {
    async statusOf(name) {
      try {
        return (await client.send(new DescribeExecutionCommand({ executionArn: executionArnOf(name) }))).status;
      } catch (error) {
        if (error instanceof ExecutionDoesNotExist) return undefined;
        throw error;
      }
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
  };
}
