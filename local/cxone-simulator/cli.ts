/**
 * Runs the CXone simulator standalone:
 *   npx tsx local/cxone-simulator/cli.ts --port 8787 --agents 5 --time-scale 60 --seed 7
 * Prints the URLs and the fake local credentials to configure a poller with. A bad option is
 * answered with one line on stderr and exit code 2, before anything listens.
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { errorLine, parseCommandLine, runMain, UsageError } from '../../cli/usage.js';
import { oneLineZodError } from '../../infra/config.js';
import { type SimulatorOptions, SimulatorOptionsSchema } from './options.js';
import { startCxoneSimulator } from './simulator.js';

export const SIMULATOR_USAGE =
  'usage: npm run simulator -- [--port N] [--agents N|id,id,...] [--time-scale N] [--seed S] [--token-ttl SECONDS] [--max-batch N] [--no-scenario]';

/** Parses the simulator's arguments; throws UsageError on the first bad one. `undefined` means --help. */
export function parseSimulatorOptions(args: readonly string[]): SimulatorOptions | undefined {
  const { values } = parseCommandLine(args, {
    port: { type: 'string', default: '8787' },
    agents: { type: 'string', default: '3' },
    'time-scale': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    'token-ttl': { type: 'string' },
    'max-batch': { type: 'string' },
    'no-scenario': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return undefined;
  // Numbers stay text until the schema checks them, so "abc" is named rather than turned into NaN.
  const number = (value: string | undefined) => (value === undefined ? undefined : /^\s*$/.test(value) ? Number.NaN : Number(value));
  const input = {
    port: number(values.port),
    agents: /^\d+$/.test(values.agents) ? Number(values.agents) : values.agents.split(',').map((id) => id.trim()),
    timeScale: number(values['time-scale']),
    seed: /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed,
    ...(values['token-ttl'] !== undefined ? { tokenTtlSeconds: number(values['token-ttl']) } : {}),
    ...(values['max-batch'] !== undefined ? { maxBatch: number(values['max-batch']) } : {}),
    scenario: { autoStart: !values['no-scenario'] },
  };
  const parsed = SimulatorOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = { timeScale: 'time-scale', tokenTtlSeconds: 'token-ttl', maxBatch: 'max-batch' }[String(issue?.path[0])] ?? String(issue?.path[0]);
    throw new UsageError(`--${option}: ${oneLineZodError(new z.ZodError(issue ? [{ ...issue, path: [] }] : []))}`);
  }
  return input;
}

async function main(): Promise<number> {
  const options = parseSimulatorOptions(process.argv.slice(2));
  if (!options) {
    console.log(SIMULATOR_USAGE);
    return 0;
  }
  const sim = await startCxoneSimulator(options).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new UsageError(`--port ${options.port}: the port is in use on 127.0.0.1; pick another, or 0 for a free one`);
    throw error;
  });
  console.log(
    [
      'CXone simulator listening (fake local credentials):',
      `  issuer URL        ${sim.issuerUrl}`,
      `  token endpoint    ${sim.tokenEndpoint}`,
      `  tenant id         ${sim.tenantId}`,
      `  api base {B}      ${sim.apiBaseUrl}`,
      `  client id         ${sim.credentials.clientId}`,
      `  client secret     ${sim.credentials.clientSecret}`,
      `  access key id     ${sim.credentials.accessKeyId}`,
      `  access key secret ${sim.credentials.accessKeySecret}`,
      `  agents            ${sim.agentIds.join(', ')}`,
      `  scenario          ${sim.scenarioRunning ? 'running' : 'stopped'} (POST ${sim.issuerUrl}/admin/scenario/start|stop)`,
      `  admin             ${sim.issuerUrl}/admin/stats`,
    ].join('\n'),
  );
  return new Promise<number>((resolve) => {
    const shutdown = () => {
      sim.close().then(
        () => resolve(0),
        (error: unknown) => {
          console.error(errorLine('simulator', error));
          resolve(1);
        },
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) runMain('simulator', main);
