import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

/** The one logger of the bridge's functions; service name from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cxone-eventbridge' });

/** The Lambda context as handlers receive it; the local twin hands over only part of it. */
export type InvocationContext = Partial<Context>;

/**
 * Runs one invocation with its Lambda context (request id, function, cold start) on every log line,
 * and drops the keys it appended afterwards: the module-level logger outlives the invocation in a
 * warm execution environment, so keys would otherwise leak into the next one. Powertools' own
 * `injectLambdaContext({ resetKeys: true })` does the same:
 * https://docs.aws.amazon.com/powertools/typescript/latest/api/modules/_aws-lambda-powertools_logger.html
 */
export async function withLambdaContext<T>(context: InvocationContext, run: () => Promise<T>): Promise<T> {
  // addContext only copies these fields; one the twin does not pass stays off the log line.
  logger.addContext(context as Context);
  try {
    return await run();
  } finally {
    logger.resetKeys();
  }
}
