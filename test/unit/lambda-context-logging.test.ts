import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger, withLambdaContext } from '../../lambdas/shared/logger.js';

// Set by the Lambda runtime in on-demand environments; Powertools reports a cold start only there.
vi.hoisted(() => {
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
});

const context = (awsRequestId: string): Partial<Context> => ({
  awsRequestId,
  functionName: 'cxone-discovery',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:cxone-discovery',
  memoryLimitInMB: '256',
});

describe('withLambdaContext', () => {
  let lines: Record<string, unknown>[];

  beforeEach(() => {
    lines = [];
    // Powertools writes one JSON object per line to stdout; the suite runs it at CRITICAL.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      return true;
    });
    logger.setLogLevel('INFO');
  });

  afterEach(() => {
    logger.setLogLevel('CRITICAL');
    vi.restoreAllMocks();
  });

  it('puts the request id and cold start on every line, and drops the keys an invocation appended', async () => {
    await withLambdaContext(context('req-1'), async () => {
      logger.appendKeys({ agentId: '1001' });
      logger.info('first');
    });
    await withLambdaContext(context('req-2'), async () => {
      logger.info('second');
    });

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ message: 'first', function_request_id: 'req-1', cold_start: true, agentId: '1001', function_name: 'cxone-discovery' });
    expect(lines[1]).toMatchObject({ message: 'second', function_request_id: 'req-2', cold_start: false });
    expect(lines[1]).not.toHaveProperty('agentId');
  });

  it('drops the appended keys when the invocation throws', async () => {
    const failing = withLambdaContext(context('req-3'), async () => {
      logger.appendKeys({ agentId: '1002' });
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    await withLambdaContext(context('req-4'), async () => logger.info('after'));

    expect(lines.at(-1)).toMatchObject({ message: 'after', function_request_id: 'req-4' });
    expect(lines.at(-1)).not.toHaveProperty('agentId');
  });
});
