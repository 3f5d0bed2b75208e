#!/usr/bin/env node
import { opsErrorLine, runOps } from './ops-command.js';
/**
 * `npm run parked -- list|redrive …`: the same as `npm run ops -- parked|redrive …` (cli/ops/parked.ts
 * is the one home of both), kept because alarm descriptions and older runbooks name it.
 */
import { USAGE_EXIT_CODE, UsageError } from './usage.js';

const [command, ...rest] = process.argv.slice(2);
const opsCommand = command === 'list' ? 'parked' : command === 'redrive' ? 'redrive' : undefined;
if (!opsCommand) {
  console.error(
    'usage: npm run parked -- <list|redrive> --stack NAME [--reason R] [--agent ID] [--since TIME] [--dry-run] [--json]\n(the same as npm run ops -- parked|redrive; npm run ops -- --help)',
  );
  process.exit(command === '--help' || command === '-h' ? 0 : USAGE_EXIT_CODE);
}
runOps([opsCommand as string, ...rest]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(opsErrorLine(error));
    process.exit(error instanceof UsageError ? USAGE_EXIT_CODE : 1);
  },
);
