/**
 * Local stand-in for `aws events test-event-pattern`:
 *
 *   test-event-pattern-cli --event-pattern '<json>' --event '<json>'
 *
 * Prints `true` or `false` and exits 0; an invalid pattern goes to stderr with exit 1;
 * bad or missing arguments print one line with exit 2. Like the AWS CLI, either value may be
 * given as `file://path`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { InvalidEventPatternError, parseEventPattern } from './event-pattern.js';

const USAGE = `Usage: test-event-pattern --event-pattern '<json>' --event '<json>'

Tests an EventBridge event pattern against an event and prints true or false.
Either value may be given as file://path.

Exit codes: 0 result printed, 1 invalid event pattern, 2 bad arguments.
`;

/** Where the CLI writes; injectable so the logic is testable without a child process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function readValue(value: string): string {
  return value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8') : value;
}

/** Runs the CLI on `args` (without node and script) and returns the exit code. */
export function runTestEventPattern(args: readonly string[], io: CliIo = processIo): number {
  // One line: what is wrong and where the usage is.
  const usageError = (message: string): number => {
    io.err(`test-event-pattern: ${message.replace(/\s*\n\s*/g, ' ')} (--help shows the usage)\n`);
    return 2;
  };

  let values: { 'event-pattern'?: string; event?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        'event-pattern': { type: 'string' },
        event: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (values['event-pattern'] === undefined || values.event === undefined) {
    return usageError('Both --event-pattern and --event are required.');
  }

  let patternText: string;
  let event: unknown;
  try {
    patternText = readValue(values['event-pattern']);
  } catch (err) {
    return usageError(`Could not read --event-pattern: ${(err as Error).message}`);
  }
  try {
    event = JSON.parse(readValue(values.event));
  } catch (err) {
    return usageError(`Could not read --event: ${(err as Error).message}`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return usageError('--event must be a JSON object.');
  }

  try {
    const compiled = parseEventPattern(patternText);
    io.out(`${compiled.matches(event)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof InvalidEventPatternError) {
      io.err(`${err.message} (at ${err.path})\n`);
      return 1;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) process.exitCode = runTestEventPattern(process.argv.slice(2));
