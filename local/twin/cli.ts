#!/usr/bin/env node
/**
 * `npm start` entry point. The bridge's modules read POWERTOOLS_* settings when they load, so they
 * are set here first, then the CLI is loaded: the twin prints its own progress instead of a JSON
 * log or EMF line per poll.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
await import('./start-cli.js');
