import { parseEnvironment } from '../shared/environment.js';
import { PollerEnvironmentSchema } from './environment.js';
import { createPollHandler } from './poll-handler.js';

/** Lambda entry point: configuration is parsed at cold start, so a bad deploy fails at init. */
export const handler = createPollHandler(parseEnvironment(PollerEnvironmentSchema));
