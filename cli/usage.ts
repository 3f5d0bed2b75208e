/**
 * What every command-line entry point shares: options parsed and validated in one place before
 * anything starts, and a bad option answered with one line on stderr and exit code 2.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { HTTPS_OR_LOOPBACK, isHttpsOrLoopback } from '../contract/secure-url.js';

/** A bad command line: its message is one line that names the option and what it takes. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit code of a bad command line (as the shells' own builtins use). */
export const USAGE_EXIT_CODE = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` with one-line errors. A string option's value may start with a dash (`--duration -1`
 * is read as the value -1 and rejected by the option's own rule, not as a missing value).
 */
export function parseCommandLine<T extends Options>(args: readonly string[], options: T, allowPositionals = false) {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    const next = args[index + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index += 1;
    } else joined.push(arg);
  }
  try {
    return parseArgs({ args: joined, options, allowPositionals, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const option = /'(-[^' ]+)/.exec((error as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option ?? ''}`.trim());
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new UsageError(`unexpected argument ${/'([^']+)'/.exec((error as Error).message)?.[1] ?? ''}`.trim());
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${option ?? 'an option'} needs a value`);
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

/** A whole number in [min, max]; `fallback` when the option is absent. */
export function wholeNumber(value: string | undefined, option: string, range: { min: number; max?: number }, fallback: number): number;
export function wholeNumber(value: string | undefined, option: string, range: { min: number; max?: number }): number | undefined;
export function wholeNumber(value: string | undefined, option: string, range: { min: number; max?: number }, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const number = value.trim() === '' ? Number.NaN : Number(value);
  const within = Number.isInteger(number) && number >= range.min && (range.max === undefined || number <= range.max);
  if (!within)
    throw new UsageError(
      `--${option} must be a whole number ${range.max === undefined ? `>= ${range.min}` : `from ${range.min} to ${range.max}`}, got "${value}"`,
    );
  return number;
}

/** A number greater than zero; `fallback` when the option is absent. */
export function positiveNumber(value: string | undefined, option: string, fallback: number): number;
export function positiveNumber(value: string | undefined, option: string): number | undefined;
export function positiveNumber(value: string | undefined, option: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${option} must be a number greater than 0, got "${value}"`);
  return number;
}

/** A URL that carries CXone tokens or keys: https, or plain http on loopback only (contract/secure-url.ts). */
export function httpsOrLoopbackUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${option} is not a URL: ${value}`);
  }
  if (!isHttpsOrLoopback(url)) throw new UsageError(`--${option} ${HTTPS_OR_LOOPBACK}`);
  return value;
}

/** A file this process can create or overwrite: its folder exists and is writable, and it is no folder itself. */
export function writableFile(path: string | undefined, option: string): string | undefined {
  if (path === undefined) return undefined;
  const folder = dirname(resolve(path));
  try {
    if (!statSync(folder).isDirectory()) throw new UsageError(`--${option} ${path}: ${folder} is not a folder`);
    accessSync(folder, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--${option} ${path}: folder ${folder} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable'}`);
  }
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    // Not there yet: it will be created.
  }
  if (isFolder) throw new UsageError(`--${option} ${path} is a folder, not a file`);
  return path;
}

/** An existing, writable folder. */
export function writableFolder(path: string | undefined, option: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    if (!statSync(path).isDirectory()) throw new UsageError(`--${option} ${path} is not a folder`);
    accessSync(path, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--${option} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : 'the folder is not writable'}`);
  }
  return path;
}

/**
 * Runs a command's main function: a UsageError prints its line and exits 2; any other error prints
 * `name: message` (one line, no stack) and exits 1.
 */
export function runMain(command: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(errorLine(command, error));
      process.exit(error instanceof UsageError ? USAGE_EXIT_CODE : 1);
    },
  );
}

/** `<command>: <message>` for a usage error, `<command>: <name>: <message>` otherwise; always one line. */
export function errorLine(command: string, error: unknown): string {
  const text =
    error instanceof UsageError ? `${error.message} (--help shows the usage)` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `${command}: ${text.replace(/\s*\n\s*/g, ' ')}`;
}
