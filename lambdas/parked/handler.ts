import { parseEnvironment } from '../shared/environment.js';
import { RedriveEnvironmentSchema } from './environment.js';
import { createRedriveHandler } from './redrive-handler.js';

/** Lambda entry point, run on a schedule: configuration is parsed at cold start. */
export const handler = createRedriveHandler(parseEnvironment(RedriveEnvironmentSchema));
