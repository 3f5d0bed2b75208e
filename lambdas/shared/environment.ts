import { z } from 'zod';
import { ConfigurationError } from '../../contract/errors.js';

/**
 * Parses the function's environment once, at cold start, so a bad deploy fails at init with a
 * message naming the variable instead of failing on the first poll.
 */
export function parseEnvironment<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigurationError(`invalid function environment: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
