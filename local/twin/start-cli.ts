/**
 * The `npm start` command: the whole bridge on this machine. The real synthesized state machine runs on the
 * local engine, the real poller in-process, against the CXone simulator over HTTP, publishing to a
 * local EventBridge that applies the stack's rules.
 *
 * Exit codes: 0 the run ended (by --duration or Ctrl-C) with nothing lost and no failed execution;
 * 1 an execution failed, an event was lost, no session could be started, or the twin failed;
 * 2 a bad option; 130 a second Ctrl-C quit at once.
 */
import { errorLine, USAGE_EXIT_CODE, UsageError } from '../../cli/usage.js';
import { describeFaultSpec } from './fault-spec.js';
import { parseStartOptions, START_USAGE, type StartOptions } from './start-options.js';
import type { TwinSummary } from './twin-run.js';

/**
 * Signals this close to the first are the same Ctrl-C: the terminal signals the whole foreground
 * process group, and npm's script runner relays the SIGINT it received to its child once more.
 */
const SAME_KEYPRESS_MS = 2_000;

let options: StartOptions;
try {
  options = parseStartOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(errorLine('npm start', error));
  process.exit(USAGE_EXIT_CODE);
}
if (options.help) {
  console.log(START_USAGE);
  process.exit(0);
}

const stop = new AbortController();
let firstSigintAt = 0;
process.on('SIGINT', () => {
  const now = performance.now();
  if (!stop.signal.aborted) {
    firstSigintAt = now;
    console.log('\nstopping: logging agents out and waiting for the pollers to finish (Ctrl-C again to quit at once)');
    stop.abort();
  } else if (now - firstSigintAt > SAME_KEYPRESS_MS) {
    process.exit(130);
  }
});

const { external } = options;
console.log(
  external
    ? `cxone-eventbridge local twin: polling ${external.agentIds.length} agent(s) at ${external.issuerUrl}`
    : `cxone-eventbridge local twin: ${options.agents} simulated agent(s), shifts at ${options.timeScale}x, ${options.durationSeconds === undefined ? 'until Ctrl-C' : `${options.durationSeconds} s`}`,
);

for (const fault of options.faults) console.log(describeFaultSpec(fault));

// The twin (the CDK library, the engine, the handlers) loads only once the options are good: a bad
// one is answered at once.
const [{ formatSummary, runTwin }, { serveTwinDashboard }] = await Promise.all([import('./twin-run.js'), import('../dashboard/dashboard-server.js')]);

let summary: TwinSummary;
try {
  summary = await runTwin({
    faults: options.faults,
    twinOptions: { timeScale: options.awsTimeScale },
    agents: options.agents,
    durationSeconds: options.durationSeconds,
    timeScale: options.timeScale,
    seed: options.seed,
    pollTimeoutSeconds: options.pollTimeoutSeconds,
    eventsOut: options.eventsOut,
    summaryOut: options.summaryOut,
    discovery: options.discovery,
    routes: options.routes,
    sinkUrl: options.sinkUrl,
    external,
    signal: stop.signal,
    progress: (line) => console.log(line),
    progressWidth: process.stdout.columns,
    onReady: options.dashboard
      ? ({ twin, simulator }) => serveTwinDashboard(twin, (line) => console.log(line), simulator?.issuerUrl ?? external?.issuerUrl)
      : undefined,
  });
} catch (error) {
  console.error(errorLine('local twin failed', error));
  process.exit(1);
}

console.log(`\n${formatSummary(summary)}`);
const noSessionStarted = summary.sessions.started === 0 && summary.sessions.startFailures > 0;
if (noSessionStarted)
  console.error(`npm start: no session could be started (${summary.sessions.startFailures} failed attempts; last: ${summary.sessions.lastStartFailure})`);
process.exit(summary.sessions.failed > 0 || (summary.events.lost ?? 0) > 0 || noSessionStarted ? 1 : 0);
