#!/usr/bin/env node
import { opsErrorLine, runOps } from './ops-command.js';
/**
 * The operator's command line: `npm run ops -- <command>` (cli/ops-command.ts). Finds the deployed
 * stack's resources by stack name (CloudFormation outputs and resources) and works through the real
 * AWS SDK clients, so it runs the same against AWS and against the local twin's endpoint
 * (AWS_ENDPOINT_URL).
 */
import { USAGE_EXIT_CODE, UsageError } from './usage.js';

runOps(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(opsErrorLine(error));
    process.exit(error instanceof UsageError ? USAGE_EXIT_CODE : 1);
  },
);
