/**
 * The options of `npm start`, parsed and validated in one place before anything starts: a bad one
 * is a UsageError with one line naming it.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { httpsOrLoopbackUrl, parseCommandLine, positiveNumber, UsageError, wholeNumber, writableFile } from '../../cli/usage.js';
import { CXONE_CREDENTIAL_VARIABLES, type CxoneCredentials, credentialsFromEnvironment } from '../../contract/cxone-credentials.js';
import { isLoopbackUrl } from '../../contract/secure-url.js';
import { oneLineZodError } from '../../infra/config.js';
import { RoutesSchema, readRoutesFile } from '../../infra/routes-config.js';
import { FAULT_KINDS, type FaultSpec, FaultSpecError, parseFaultSpec } from './fault-spec.js';

export const START_USAGE = `usage: npm start -- [options]

  --agents N             agents in the built-in simulator, a whole number from 1 to 10000 (default 3)
  --duration SECONDS     run this long, then log every agent out and wait for the pollers to end
                         (default: until Ctrl-C)
  --time-scale X         simulated seconds per real second for the agents' shifts, > 0 (default 60)
  --poll-timeout S       CXone hold time per poll, a whole number from 0 to 60 (default 60)
  --seed N               scenario seed, a whole number (default 1)
  --events-out FILE      write every event the local bus accepted as NDJSON (full EventBridge events)
  --summary FILE         write the run summary as JSON
  --cxone-issuer URL     poll this CXone instead of the simulator (needs --agent-ids and the
                         CXONE_CLIENT_ID, CXONE_CLIENT_SECRET, CXONE_ACCESS_KEY_ID,
                         CXONE_ACCESS_KEY_SECRET variables; plain http only on loopback)
  --agent-ids 1,2,3      agents to poll on the external CXone
  --discovery            let the stack's discovery function find agents as they log in (every 2 s)
                         instead of starting each session as \`npm run session\` would
  --routes-file FILE     routes to deliver (a JSON array, or {"routes": [...]}) instead of those in
                         cdk.json's context
  --sink-url URL         send every API destination request to this URL (e.g. a local request bin)
                         instead of its configured endpoint
  --fault WHAT@START+DURATION
                         break something for a window of the run (repeatable); START and DURATION
                         like 30s, 5m, 1h, counted from start-up in the AWS time below. WHAT is one of
${Object.entries(FAULT_KINDS)
  .map(([kind, meaning]) => `                           ${kind.padEnd(17)}${meaning}`)
  .join('\n')}
                         e.g. --fault cxone-down@60s+5m --fault eventbridge-down@30s+1h
  --aws-time-scale X     simulated seconds per real second for what AWS times: Wait states, Retry
                         intervals, schedules and --fault windows, > 0 (default 1: the wall clock)
  --no-dashboard         do not serve the stack's dashboard and alarms on 127.0.0.1`;

/** What `npm start` runs with, every value checked. */
export interface StartOptions {
  help: boolean;
  agents: number;
  durationSeconds?: number;
  timeScale: number;
  pollTimeoutSeconds: number;
  seed: number;
  eventsOut?: string;
  summaryOut?: string;
  discovery: boolean;
  routes: unknown[];
  sinkUrl?: string;
  /** Serve the stack's dashboard and alarms while the twin runs (off with --no-dashboard). */
  dashboard: boolean;
  /** `--fault` windows, applied once the twin is up. */
  faults: FaultSpec[];
  /** Simulated seconds per real second for what AWS times. */
  awsTimeScale: number;
  external?: { issuerUrl: string; agentIds: string[]; credentials: CxoneCredentials };
}

/** The routes of cdk.json's context, which `npm start` delivers unless --routes-file is given. */
function cdkJsonRoutes(): unknown[] {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context?: { routes?: unknown[] } };
  return cdkJson.context?.routes ?? [];
}

/** Parses `npm start`'s arguments (without node and script); throws UsageError on the first bad one. */
export function parseStartOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): StartOptions {
  const { values } = parseCommandLine(args, {
    agents: { type: 'string' },
    duration: { type: 'string' },
    'time-scale': { type: 'string' },
    'poll-timeout': { type: 'string' },
    seed: { type: 'string' },
    'events-out': { type: 'string' },
    summary: { type: 'string' },
    'cxone-issuer': { type: 'string' },
    'agent-ids': { type: 'string' },
    discovery: { type: 'boolean' },
    'routes-file': { type: 'string' },
    'sink-url': { type: 'string' },
    fault: { type: 'string', multiple: true },
    'aws-time-scale': { type: 'string' },
    'no-dashboard': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const help = values.help === true;
  if (help)
    return { help, agents: 0, timeScale: 0, pollTimeoutSeconds: 0, seed: 0, discovery: false, routes: [], faults: [], awsTimeScale: 1, dashboard: false };

  const options: StartOptions = {
    help,
    agents: wholeNumber(values.agents, 'agents', { min: 1, max: 10_000 }, 3),
    durationSeconds: positiveNumber(values.duration, 'duration'),
    timeScale: positiveNumber(values['time-scale'], 'time-scale', 60),
    pollTimeoutSeconds: wholeNumber(values['poll-timeout'], 'poll-timeout', { min: 0, max: 60 }, 60),
    seed: wholeNumber(values.seed, 'seed', { min: 0 }, 1),
    eventsOut: writableFile(values['events-out'], 'events-out'),
    summaryOut: writableFile(values.summary, 'summary'),
    discovery: values.discovery === true,
    routes: [],
    faults: [],
    awsTimeScale: positiveNumber(values['aws-time-scale'], 'aws-time-scale', 1),
    dashboard: values['no-dashboard'] !== true,
  };

  const issuer = values['cxone-issuer'];
  if (issuer !== undefined) {
    httpsOrLoopbackUrl(issuer, 'cxone-issuer');
    const agentIds = (values['agent-ids'] ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (agentIds.length === 0 || agentIds.some((id) => !/^\d+$/.test(id)))
      throw new UsageError('--cxone-issuer needs --agent-ids with numeric CXone agent ids, e.g. --agent-ids 2103457,2103458');
    const credentials = credentialsFromEnvironment(env);
    if (!credentials) throw new UsageError(`--cxone-issuer needs ${Object.values(CXONE_CREDENTIAL_VARIABLES).join(', ')} in the environment`);
    options.external = { issuerUrl: issuer, agentIds, credentials };
  } else if (values['agent-ids'] !== undefined) {
    throw new UsageError('--agent-ids is for an external CXone: give --cxone-issuer too');
  }

  // The deployment's routes (cdk.json) unless a file is given, validated as synth validates them.
  const routesFile = values['routes-file'];
  let routes: unknown;
  try {
    routes = routesFile === undefined ? cdkJsonRoutes() : readRoutesFile(routesFile);
  } catch (error) {
    throw new UsageError(`${routesFile === undefined ? 'cdk.json' : `--routes-file ${routesFile}`}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsedRoutes = RoutesSchema.safeParse(routes);
  if (!parsedRoutes.success)
    throw new UsageError(
      `${routesFile === undefined ? "cdk.json's routes" : `--routes-file ${routesFile}`}: ${oneLineZodError(parsedRoutes.error as z.ZodError)}`,
    );
  options.routes = routes as unknown[];

  const sinkUrl = values['sink-url'];
  if (sinkUrl !== undefined && !isLoopbackUrl(sinkUrl))
    throw new UsageError(`--sink-url must be an http(s) URL on this machine (127.0.0.1, localhost or [::1]), got "${sinkUrl}"`);
  options.sinkUrl = sinkUrl;

  try {
    options.faults = (values.fault ?? []).map(parseFaultSpec);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(error.message.split('\n')[0] ?? error.message);
    throw error;
  }
  if (options.external && options.faults.some((fault) => fault.kind.startsWith('cxone-')))
    throw new UsageError('--fault cxone-*: CXone faults need the built-in simulator, not --cxone-issuer');
  return options;
}
