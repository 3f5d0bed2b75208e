import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { stepFunctionsExecutions } from '../../lambdas/sessions/step-functions-executions.js';

const sfn = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cxone-agent-sessions-acme';

describe('stepFunctionsExecutions.describe', () => {
  beforeEach(() => sfn.reset());

  it('reads an execution by name from its ARN', async () => {
    const stopDate = new Date('2025-03-12T15:02:03Z');
    sfn
      .on(DescribeExecutionCommand, { executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:cxone-agent-sessions-acme:acme-1-x-r1' })
      .resolves({ status: 'ABORTED', stopDate });
    const execution = await stepFunctionsExecutions(new SFNClient({}), STATE_MACHINE).describe('acme-1-x-r1');
    expect(execution).toEqual({ name: 'acme-1-x-r1', status: 'ABORTED', stopDate });
  });

  it('answers undefined for a name never used', async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    expect(await stepFunctionsExecutions(new SFNClient({}), STATE_MACHINE).describe('acme-1-x')).toBeUndefined();
  });

  it('rejects on any other error, so discovery retries the agent instead of guessing', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(stepFunctionsExecutions(new SFNClient({}), STATE_MACHINE).describe('acme-1-x')).rejects.toThrow('Rate exceeded');
  });
});
