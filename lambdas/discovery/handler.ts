import { createDiscoveryHandler } from './discovery-handler.js';

/** Lambda entry point, run on a schedule: configuration is parsed at cold start. */
export const handler = createDiscoveryHandler(process.env);
