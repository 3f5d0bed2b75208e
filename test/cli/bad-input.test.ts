/**
 * Every command-line entry point answers a bad input with one line on stderr, no stack trace and a
 * non-zero exit, before anything starts. The option parsers are checked in-process case by case;
 * a few real runs per command prove the wiring (each spawn costs about a second of CPU).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/options.js';
import { parseSchemasCommand } from '../../cli/schemas.js';
import { parseSessionCommand } from '../../cli/session.js';
import { UsageError } from '../../cli/usage.js';
import { assertKnownContextKeys, InvalidBridgeConfigError, parseBridgeConfig } from '../../infra/config.js';
import { RoutesSchema } from '../../infra/routes-config.js';
import { parseSimulatorOptions } from '../../local/cxone-simulator/cli.js';
import { parseStartOptions } from '../../local/twin/start-options.js';
import { runTestEventPattern } from '../../rules/test-event-pattern-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
const badRoutesFile = join(dir, 'routes.json');
writeFileSync(badRoutesFile, JSON.stringify([{ name: 'x', target: { type: 'sns' } }]));

/** The message of the UsageError `parse` throws; fails when it throws nothing or something else. */
function usageErrorOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError, nothing was thrown');
}

describe('npm start options', () => {
  it.each([
    [['--summary', '/nonexistent/s.json'], /--summary .*does not exist/],
    [['--events-out', '/nonexistent/e.ndjson'], /--events-out .*does not exist/],
    [['--summary', dir], /is a folder/],
    [['--time-scale', '0'], /--time-scale must be a number greater than 0, got "0"/],
    [['--routes-file', badRoutesFile], /--routes-file .*target\.type/],
    [['--routes-file', '/nonexistent/routes.json'], /--routes-file .*ENOENT/],
    [['--agents', '0'], /--agents must be a whole number from 1 to 10000, got "0"/],
    [['--agents', 'abc'], /--agents must be a whole number from 1 to 10000, got "abc"/],
    [['--duration', '-1'], /--duration must be a number greater than 0, got "-1"/],
    [['--duration', 'abc'], /--duration must be a number greater than 0, got "abc"/],
    [['--seed', '1.5'], /--seed must be a whole number >= 0, got "1.5"/],
    [['--poll-timeout', '61'], /--poll-timeout must be a whole number from 0 to 60/],
    [['--bogus'], /^unknown option --bogus$/],
    [['--agents'], /--agents needs a value/],
    [['--sink-url', 'https://hooks.example.com'], /--sink-url must be .* on this machine/],
    [['--cxone-issuer', 'http://cxone.example.com', '--agent-ids', '1'], /must use https/],
    [['--agent-ids', '1'], /--agent-ids is for an external CXone/],
    [['--fault', 'cxone-down@soon'], /^--fault cxone-down@soon: expected/],
    [['--fault', 'meteor@1s+1s'], /unknown fault "meteor"/],
    [['--aws-time-scale', '0'], /--aws-time-scale must be a number greater than 0/],
  ])('rejects %j in one line', (args, message) => {
    const text = usageErrorOf(() => parseStartOptions(args, {}));
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  it('accepts the README example', () => {
    expect(parseStartOptions(['--agents', '3', '--duration', '20', '--events-out', join(dir, 'e.ndjson'), '--summary', join(dir, 's.json')], {})).toMatchObject(
      { agents: 3, durationSeconds: 20, seed: 1, pollTimeoutSeconds: 60 },
    );
  });
});

describe('simulator, session, schemas and bench options', () => {
  const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cxone-agent-sessions-acme';
  it.each([
    ['simulator', () => parseSimulatorOptions(['--bogus']), /^unknown option --bogus$/],
    ['simulator', () => parseSimulatorOptions(['--agents', '0']), /^--agents: /],
    ['simulator', () => parseSimulatorOptions(['--port', 'abc']), /^--port: /],
    ['simulator', () => parseSimulatorOptions(['--time-scale', '0']), /^--time-scale: /],
    [
      'session',
      () => parseSessionCommand(['start', '--agent-id', '1', '--tenant', 'BAD_NAME', '--state-machine-arn', arn], {}),
      /--tenant "BAD_NAME": tenant must be/,
    ],
    [
      'session',
      () => parseSessionCommand(['start', '--agent-id', 'abc', '--tenant', 'acme', '--state-machine-arn', arn], {}),
      /--agent-id must be a numeric CXone agent id/,
    ],
    ['session', () => parseSessionCommand(['start', '--agent-id', '1', '--tenant', 'acme', '--state-machine-arn', 'nope'], {}), /not a state machine ARN/],
    ['session', () => parseSessionCommand(['restart', '--agent-id', '1'], {}), /unknown command "restart"/],
    ['session', () => parseSessionCommand(['stop', '--agent-id', '1', '--tenant', 'acme', '--state-machine-arn', arn, '--station-id', '5'], {}), /for start/],
    ['session', () => parseSessionCommand(['start', '--bogus'], {}), /^unknown option --bogus$/],
    ['schemas', () => parseSchemasCommand(['--bogus']), /^unknown option --bogus$/],
    ['schemas', () => parseSchemasCommand(['extra']), /^unexpected argument extra$/],
    ['bench', () => parseBenchOptions(['--sizes', '0,10']), /--sizes takes whole numbers from 1 to 2000/],
    ['bench', () => parseBenchOptions(['--sizes', 'abc']), /--sizes/],
    ['bench', () => parseBenchOptions(['--cpu-prof', '/nonexistent/profiles']), /--cpu-prof .*no such folder/],
    ['bench', () => parseBenchOptions(['--bogus']), /^unknown option --bogus$/],
  ])('%s rejects a bad option in one line (%#)', (_command, parse, message) => {
    const text = usageErrorOf(parse);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  it('takes the region from the state machine ARN', () => {
    expect(parseSessionCommand(['stop', '--agent-id', '1', '--tenant', 'acme', '--state-machine-arn', arn], {})).toMatchObject({
      region: 'eu-west-1',
      command: 'stop',
    });
  });

  it('test-event-pattern answers a missing or bad argument with one line and exit 2', () => {
    for (const args of [['--event', '{}'], ['--bogus'], ['--event-pattern', '{}', '--event', 'not json']]) {
      const err: string[] = [];
      const code = runTestEventPattern(args, { out: () => undefined, err: (text) => err.push(text) });
      expect(code).toBe(2);
      expect(err.join('').trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

describe('cdk synth configuration', () => {
  const route = { name: 'x', target: { type: 'sqs' } };
  it.each([
    [{ tenant: 'BAD_NAME' }, /tenant must be .* \(at tenant\)/],
    [{ cxoneIssuerUrl: 'http://cxone.example.com' }, /must use https .* \(at cxoneIssuerUrl\)/],
    [{ routes: 'not json' }, /routes must be a JSON array of routes: .* \(at routes\)/],
    [
      {
        routes: [
          {
            ...route,
            target: { type: 'apiDestination', endpoint: 'http://hooks.example.com', connection: { type: 'apiKey', headerName: 'k', secretName: 's' } },
          },
        ],
      },
      /must use https .* \(at routes\[0\]\.target\.endpoint\)/,
    ],
    [{ routes: [{ ...route, target: { type: 'sns' } }] }, /\(at routes\[0\]\.target\.type\)/],
    [{ routes: [{ ...route, eventPattern: { source: 'x' } }] }, /Event pattern is not valid.*\(at routes\[0\]\.eventPattern\)/],
    [{ pollTimeoutSeconds: '61' }, /\(at pollTimeoutSeconds\)/],
    [{ pollTimeoutSeconds: 'abc' }, /\(at pollTimeoutSeconds\)/],
    [{ handOverAfterPolls: '5000' }, /<=3000 \(at handOverAfterPolls\)/],
  ])('rejects %j in one line naming the key', (override, message) => {
    const attempt = () => parseBridgeConfig({ tenant: 'acme', ...override });
    expect(attempt).toThrow(InvalidBridgeConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).not.toThrow(/\n/);
  });

  it('rejects an unknown context key of ours naming the closest known one, and allows the CDK keys', () => {
    expect(() => assertKnownContextKeys(['tenat'])).toThrow('unknown context key "tenat"; did you mean "tenant"?');
    expect(() => assertKnownContextKeys(['pollTimeout'])).toThrow('did you mean "pollTimeoutSeconds"?');
    expect(() =>
      assertKnownContextKeys([
        'tenant',
        'routesFile',
        '@aws-cdk/core:checkSecretUsage',
        'aws:cdk:bundling-stacks',
        'availability-zones:account=123456789012:region=eu-west-1',
      ]),
    ).not.toThrow();
  });

  it('ships no active route in cdk.json, and the example routes file is valid', () => {
    const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> };
    expect(cdkJson.context.routes ?? []).toEqual([]);
    expect(() => assertKnownContextKeys(Object.keys(cdkJson.context))).not.toThrow();
    const example = JSON.parse(readFileSync('examples/routes.example.json', 'utf8')) as { routes: unknown };
    expect(RoutesSchema.safeParse(example.routes).success).toBe(true);
  });
});

/** Runs a command the way its npm script does and returns what it printed and its exit code. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', ...args], { timeout: 90_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

function expectOneLineFailure(result: { code: number | null; stderr: string }, message: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).toMatch(message);
}

describe.concurrent('each command, run for real', () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  // Every bad input issue #12 lists, run as its npm script runs it.
  it.each([
    ['npm start', ['local/twin/cli.ts', '--summary', '/nonexistent/s.json'], /^npm start: --summary .*does not exist/],
    ['npm start', ['local/twin/cli.ts', '--events-out', '/nonexistent/e.ndjson'], /^npm start: --events-out .*does not exist/],
    ['npm start', ['local/twin/cli.ts', '--time-scale', '0'], /^npm start: --time-scale must be a number greater than 0/],
    ['npm start', ['local/twin/cli.ts', '--routes-file', badRoutesFile], /^npm start: --routes-file .*target\.type/],
    ['npm start', ['local/twin/cli.ts', '--agents', '0'], /^npm start: --agents must be a whole number from 1 to 10000, got "0"/],
    ['npm start', ['local/twin/cli.ts', '--agents', 'abc'], /^npm start: --agents must be a whole number from 1 to 10000, got "abc"/],
    ['npm start', ['local/twin/cli.ts', '--duration', '-1'], /^npm start: --duration must be a number greater than 0, got "-1"/],
    ['npm start', ['local/twin/cli.ts', '--duration', 'abc'], /^npm start: --duration must be a number greater than 0, got "abc"/],
    ['npm start', ['local/twin/cli.ts', '--seed', '1.5'], /^npm start: --seed must be a whole number >= 0, got "1\.5"/],
    ['simulator', ['local/cxone-simulator/cli.ts', '--bogus'], /^simulator: unknown option --bogus/],
    ['simulator', ['local/cxone-simulator/cli.ts', '--agents', '0'], /^simulator: --agents: /],
    ['simulator', ['local/cxone-simulator/cli.ts', '--time-scale', '0'], /^simulator: --time-scale: /],
    [
      'session',
      ['cli/session.ts', 'start', '--agent-id', '1', '--tenant', 'BAD_NAME', '--state-machine-arn', 'arn:aws:states:eu-west-1:123456789012:stateMachine:x'],
      /^session: --tenant "BAD_NAME"/,
    ],
    ['schemas', ['cli/schemas.ts', '--bogus'], /^schemas: unknown option --bogus/],
    ['bench', ['bench/run.ts', '--sizes', '0'], /^bench: --sizes/],
    ['test-event-pattern', ['rules/test-event-pattern-cli.ts', '--event', '{}'], /^test-event-pattern: Both --event-pattern and --event are required/],
  ])('%s answers %j with one line and a non-zero exit', async (_command, args, message) => {
    expectOneLineFailure(await run(args), message);
  });

  it('simulator names a port in use in one line', async () => {
    expectOneLineFailure(await run(['local/cxone-simulator/cli.ts', '--port', String(busyPort)]), /^simulator: --port \d+: the port is in use/);
  });

  const route = { name: 'x', target: { type: 'sqs' } };
  // Context as `cdk synth -c key=value` hands it over: every value a string.
  it.each([
    [{ tenant: 'BAD_NAME' }, /^invalid cxone-eventbridge configuration: tenant must be .*\(at tenant\)$/m],
    [{ cxoneIssuerUrl: 'http://cxone.example.com' }, /must use https.*\(at cxoneIssuerUrl\)$/m],
    [{ routes: 'not json' }, /routes must be a JSON array of routes: .*\(at routes\)$/m],
    [
      {
        routes: JSON.stringify([
          {
            ...route,
            target: { type: 'apiDestination', endpoint: 'http://hooks.example.com', connection: { type: 'apiKey', headerName: 'k', secretName: 's' } },
          },
        ]),
      },
      /must use https.*\(at routes\[0\]\.target\.endpoint\)$/m,
    ],
    [{ routes: JSON.stringify([{ ...route, target: { type: 'sns' } }]) }, /\(at routes\[0\]\.target\.type\)$/m],
    [{ routes: JSON.stringify([{ ...route, eventPattern: { source: 'x' } }]) }, /Event pattern is not valid.*\(at routes\[0\]\.eventPattern\)$/m],
    [{ pollTimeoutSeconds: '61' }, /\(at pollTimeoutSeconds\)$/m],
    [{ pollTimeoutSeconds: 'abc' }, /\(at pollTimeoutSeconds\)$/m],
    [{ handOverAfterPolls: '5000' }, /<=3000 \(at handOverAfterPolls\)$/m],
    [{ pollerSystemLogLevel: 'ERROR' }, /pollerSystemLogLevel must be one of DEBUG, INFO, WARN \(at pollerSystemLogLevel\)$/m],
    [{ tenat: 'acme' }, /^unknown context key "tenat"; did you mean "tenant"\?$/m],
  ])('the CDK app answers context %j with one line and exit 1', async (context, message) => {
    const result = await run(['infra/app.ts'], { CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: join(dir, 'cdk.out') });
    expectOneLineFailure(result, message);
    expect(result.code).toBe(1);
  });
});
