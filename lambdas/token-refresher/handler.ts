import { parseEnvironment } from '../shared/environment.js';
import { RefresherEnvironmentSchema } from './environment.js';
import { createRefreshHandler } from './refresh-handler.js';

/** Lambda entry point, run on a schedule: configuration is parsed at cold start. */
export const handler = createRefreshHandler(parseEnvironment(RefresherEnvironmentSchema));
