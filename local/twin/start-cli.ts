/**
 * The `npm start` command: the whole bridge on this machine. The real synthesized state machine runs on the
 * local engine, the real poller in-process, against the CXone simulator over HTTP, publishing to a
 * local EventBridge that applies the stack's rules.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CxoneCredentialsSchema } from '../../contract/cxone-credentials.js';
import { readRoutesFile } from '../../infra/routes-config.js';
import { isLoopbackHost } from '../../lambdas/cxone/http.js';
import { describeFaultSpec, FAULT_KINDS, type FaultSpec, FaultSpecError, parseFaultSpec } from './fault-spec.js';
import { formatRouteStats, runTwin, type TwinSummary } from './twin-run.js';

const USAGE = `usage: npm start -- [options]

  --agents N             agents in the built-in simulator (default 3)
  --duration SECONDS     run this long, then log every agent out and wait for the pollers to end
                         (default: until Ctrl-C)
  --time-scale X         simulated seconds per real second for the agents' shifts (default 60)
  --poll-timeout S       CXone hold time per poll, 0-60 (default 60)
  --seed N               scenario seed (default 1)
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
${Object.entries(FAULT_KINDS).map(([kind, meaning]) => `                           ${kind.padEnd(17)}${meaning}`).join('\n')}
                         e.g. --fault cxone-down@60s+5m --fault eventbridge-down@30s+1h
  --aws-time-scale X     simulated seconds per real second for what AWS times: Wait states, Retry
                         intervals, schedules and --fault windows (default 1: the wall clock)`;

function isLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveNumber(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) fail(`--${name} must be a non-negative number, got "${value}"`);
  return number;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
})();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

let external: { issuerUrl: string; agentIds: string[]; credentials: ReturnType<typeof CxoneCredentialsSchema.parse> } | undefined;
if (values['cxone-issuer']) {
  const issuer = values['cxone-issuer'];
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    fail(`--cxone-issuer is not a URL: ${issuer}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) fail('--cxone-issuer must use https (plain http only for loopback addresses)');
  const agentIds = (values['agent-ids'] ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  if (agentIds.length === 0 || agentIds.some((id) => !/^\d+$/.test(id))) fail('--cxone-issuer needs --agent-ids with numeric CXone agent ids, e.g. --agent-ids 2103457,2103458');
  const credentials = CxoneCredentialsSchema.safeParse({
    clientId: process.env.CXONE_CLIENT_ID,
    clientSecret: process.env.CXONE_CLIENT_SECRET,
    accessKeyId: process.env.CXONE_ACCESS_KEY_ID,
    accessKeySecret: process.env.CXONE_ACCESS_KEY_SECRET,
  });
  if (!credentials.success) fail('--cxone-issuer needs CXONE_CLIENT_ID, CXONE_CLIENT_SECRET, CXONE_ACCESS_KEY_ID and CXONE_ACCESS_KEY_SECRET in the environment');
  external = { issuerUrl: issuer, agentIds, credentials: credentials.data };
}

const pollTimeoutSeconds = positiveNumber(values['poll-timeout'], 'poll-timeout', 60) as number;
if (pollTimeoutSeconds > 60 || !Number.isInteger(pollTimeoutSeconds)) fail('--poll-timeout must be a whole number of seconds from 0 to 60');
const agents = positiveNumber(values.agents, 'agents', 3) as number;
if (!Number.isInteger(agents) || agents < 1) fail('--agents must be a whole number of at least 1');

// The deployment's routes (cdk.json) unless a file is given: their rules deliver on the local bus.
let routes: unknown[];
try {
  routes = values['routes-file']
    ? readRoutesFile(values['routes-file'])
    : ((JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context?: { routes?: unknown[] } }).context?.routes ?? []);
} catch (error) {
  fail(`cannot read routes: ${error instanceof Error ? error.message : String(error)}`);
}
const sinkUrl = values['sink-url'];
if (sinkUrl !== undefined && !isLoopbackUrl(sinkUrl)) fail(`--sink-url must be an http(s) URL on this machine (127.0.0.1, localhost or [::1]), got "${sinkUrl}"`);

let faults: FaultSpec[];
try {
  faults = (values.fault ?? []).map(parseFaultSpec);
} catch (error) {
  fail(error instanceof FaultSpecError ? error.message : String(error));
}
if (external && faults.some((fault) => fault.kind.startsWith('cxone-'))) fail('--fault cxone-*: CXone faults need the built-in simulator, not --cxone-issuer');
const awsTimeScale = positiveNumber(values['aws-time-scale'], 'aws-time-scale', 1) as number;
if (!(awsTimeScale > 0)) fail('--aws-time-scale must be more than 0');

const stop = new AbortController();
process.once('SIGINT', () => {
  console.log('\nstopping: logging agents out and waiting for the pollers to finish (Ctrl-C again to quit at once)');
  stop.abort();
  process.once('SIGINT', () => process.exit(130));
});

console.log(
  external
    ? `cxone-eventbridge local twin: polling ${external.agentIds.length} agent(s) at ${external.issuerUrl}`
    : `cxone-eventbridge local twin: ${agents} simulated agent(s), shifts at ${values['time-scale'] ?? 60}x, ${values.duration ? `${values.duration} s` : 'until Ctrl-C'}`,
);

for (const fault of faults) console.log(describeFaultSpec(fault));

const summary: TwinSummary = await runTwin({
  faults,
  twinOptions: { timeScale: awsTimeScale },
  agents,
  durationSeconds: positiveNumber(values.duration, 'duration'),
  timeScale: positiveNumber(values['time-scale'], 'time-scale', 60),
  seed: positiveNumber(values.seed, 'seed', 1),
  pollTimeoutSeconds,
  eventsOut: values['events-out'],
  summaryOut: values.summary,
  discovery: values.discovery,
  routes,
  sinkUrl,
  external,
  signal: stop.signal,
  progress: (line) => console.log(line),
}).catch((error: unknown) => {
  console.error(`local twin failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});

const { sessions, polls, events, latencyMs } = summary;
console.log(`
summary
  sessions     ${sessions.started} started, ${sessions.succeeded} ended normally, ${sessions.failed} failed, ${sessions.aborted} stopped
  polls        ${polls.total} (${Object.entries(polls.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})${Object.keys(polls.errors).length ? `, errors ${JSON.stringify(polls.errors)}` : ''}
  events       ${events.onBus} on the bus${events.emitted === null ? '' : ` of ${events.emitted} emitted; lost ${events.lost}, duplicates ${events.duplicates}`} (${events.perSecond}/s)
  latency      p50 ${latencyMs.p50 ?? '-'} ms, p95 ${latencyMs.p95 ?? '-'} ms, p99 ${latencyMs.p99 ?? '-'} ms (simulator emit → bus accept)
  transitions  ${summary.stateTransitions} (${summary.transitionsPerPoll ?? '-'} per poll); PutEvents calls ${summary.putEventsCalls}`);
for (const [rule, stats] of Object.entries(summary.routes)) console.log(`  route        ${rule}: ${formatRouteStats(stats)}`);
for (const failure of sessions.failures) console.log(`  failed execution ${failure.name}: ${failure.error} ${failure.cause ?? ''}`);
process.exit(sessions.failed > 0 || (events.lost ?? 0) > 0 ? 1 : 0);
