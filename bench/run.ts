#!/usr/bin/env node
/**
 * `npm run bench`: latency, orchestration overhead, billed counts, cost per agent-hour, CPU and
 * memory of the bridge on the local twin, for 1, 10, 100 and 1,000 concurrent sessions. Each load
 * profile runs in its own child process (bench/profile-worker.ts); this process only plans,
 * reports progress, and writes bench/results/bench-<mode>.json, .md and .svg.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorLine, USAGE_EXIT_CODE, UsageError } from '../cli/usage.js';
import { FUNCTION_LOG_LEVEL } from '../contract/logging.js';
import { calibrateScenario } from './calibrate.js';
import { renderChart } from './chart.js';
import { machineInfo } from './machine.js';
import { BENCH_USAGE, type BenchOptions, parseBenchOptions } from './options.js';
import type { WorkerMessage } from './profile-worker.js';
import { type BenchInput, BUSY_EVENTS_PER_HOUR, buildResults, renderMarkdown, type SizeResult } from './report.js';
import type { LoadProfile, PhaseResult, PollerSettings } from './session-load.js';

interface Plan {
  mode: 'quick' | 'full';
  sizes: number[];
  /** Measured seconds per mode, by session count. */
  windowSeconds: (sessions: number) => number;
  /** Seconds the shifts play before the window opens (start-up time counts), by session count. */
  warmupSeconds: (sessions: number) => number;
  /** Seconds between the pollers catching up and the window, however long the start-up took. */
  settleSeconds: number;
  idle: { sessions: number; pollTimeoutSeconds: number; windowSeconds: number };
  /** A busy bare-loop run at a far higher event rate, whose large batches tell the store's units per answered poll from those per event. */
  storeSplit: { sessions: number; windowSeconds: number };
  calibrationSeconds: number;
}

const PLANS: Record<'quick' | 'full', Plan> = {
  quick: {
    mode: 'quick',
    sizes: [1, 10, 100],
    windowSeconds: () => 6,
    warmupSeconds: () => 2,
    settleSeconds: 1,
    idle: { sessions: 10, pollTimeoutSeconds: 2, windowSeconds: 4 },
    storeSplit: { sessions: 10, windowSeconds: 6 },
    calibrationSeconds: 2,
  },
  full: {
    mode: 'full',
    sizes: [1, 10, 100, 1_000],
    windowSeconds: (sessions) => (sessions === 10 ? 45 : 60),
    // At time scale ~5.6 an activity cycle is ~75 s: a longer warm-up brings the event rate near steady state.
    warmupSeconds: (sessions) => (sessions < SMALL_RUN_SESSIONS ? 10 : 45),
    settleSeconds: 10,
    idle: { sessions: 100, pollTimeoutSeconds: 2, windowSeconds: 20 },
    storeSplit: { sessions: 10, windowSeconds: 20 },
    calibrationSeconds: 3,
  },
};
/** Under this many sessions the agents play 10x faster, for enough latency samples. */
const SMALL_RUN_SESSIONS = 100;
const SMALL_RUN_SPEED_UP = 10;
/** The store-split run plays the shifts this much faster than the busy agent: several events per answered poll. */
const STORE_SPLIT_SPEED_UP = 100;
/** No worker may run longer than this; it is killed and the benchmark fails. */
const WORKER_TIMEOUT_MS = 10 * 60_000;

const here = dirname(fileURLToPath(import.meta.url));
const started = performance.now();
const say = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

let values: BenchOptions;
try {
  values = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(errorLine('bench', error));
  process.exit(USAGE_EXIT_CODE);
}
if (values.help) {
  console.log(BENCH_USAGE);
  process.exit(0);
}
const plan = PLANS[values.quick ? 'quick' : 'full'];
const sizes = values.sizes ?? plan.sizes;

const machine = machineInfo();
say(`cxone-eventbridge bench (${plan.mode}): ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}`);
say('calibrating the scenario: events per simulated agent-hour');
const calibration = await calibrateScenario(200, plan.calibrationSeconds);
const busyTimeScale = Math.round((BUSY_EVENTS_PER_HOUR / calibration.eventsPerSimulatedHour) * 100) / 100;
say(
  `scenario emits ${calibration.eventsPerSimulatedHour} events per simulated agent-hour → time scale ${busyTimeScale} for ${BUSY_EVENTS_PER_HOUR} events per agent-hour`,
);

say(`idle: ${plan.idle.sessions} sessions, ${plan.idle.pollTimeoutSeconds} s hold, ${plan.idle.windowSeconds} s per mode`);
const idle = await runWorker({
  sessions: plan.idle.sessions,
  timeScale: busyTimeScale,
  pollTimeoutSeconds: plan.idle.pollTimeoutSeconds,
  windowSeconds: plan.idle.windowSeconds,
  activity: 'idle',
  modes: ['orchestrated', 'bare'],
});

const sizeResults: SizeResult[] = [];
for (const sessions of sizes) {
  const timeScale = sessions < SMALL_RUN_SESSIONS ? Math.round(busyTimeScale * SMALL_RUN_SPEED_UP * 100) / 100 : busyTimeScale;
  say(`busy: ${sessions} sessions, time scale ${timeScale}, 60 s hold, ${plan.windowSeconds(sessions)} s per mode`);
  const { phases, maxRssMb } = await runWorker({
    sessions,
    timeScale,
    pollTimeoutSeconds: 60,
    windowSeconds: plan.windowSeconds(sessions),
    warmupSeconds: plan.warmupSeconds(sessions),
    settleSeconds: plan.settleSeconds,
    activity: 'busy',
    modes: ['orchestrated', 'bare'],
  });
  const [orchestrated, bare] = phasesOf(phases);
  sizeResults.push({ sessions, orchestrated, bare, maxRssMb });
  say(
    `→ ${sessions} sessions: p50/p95/p99 ${orchestrated.latencyMs.p50}/${orchestrated.latencyMs.p95}/${orchestrated.latencyMs.p99} ms (bare ${bare.latencyMs.p50}/${bare.latencyMs.p95}/${bare.latencyMs.p99} ms)`,
  );
}

// The previous loop (poll Task, then a Choice), synthesized with loopShape 'choice' and measured in the
// same run for the cost table's comparison: the same idle profile, and the busy profile at 100 sessions.
const previousBusySessions = Math.min(100, Math.max(...sizes));
say(`previous loop (Task + Choice): idle ${plan.idle.sessions} sessions, busy ${previousBusySessions} sessions`);
const previousIdle = await runWorker({
  sessions: plan.idle.sessions,
  timeScale: busyTimeScale,
  pollTimeoutSeconds: plan.idle.pollTimeoutSeconds,
  windowSeconds: plan.idle.windowSeconds,
  activity: 'idle',
  modes: ['orchestrated'],
  loopShape: 'choice',
});
const previousBusy = await runWorker({
  sessions: previousBusySessions,
  timeScale: previousBusySessions < SMALL_RUN_SESSIONS ? Math.round(busyTimeScale * SMALL_RUN_SPEED_UP * 100) / 100 : busyTimeScale,
  pollTimeoutSeconds: 60,
  windowSeconds: plan.windowSeconds(previousBusySessions),
  warmupSeconds: plan.warmupSeconds(previousBusySessions),
  settleSeconds: plan.settleSeconds,
  activity: 'busy',
  modes: ['orchestrated'],
  loopShape: 'choice',
});
const orchestratedOf = (phases: PhaseResult[]) => {
  const phase = phases.find((candidate) => candidate.mode === 'orchestrated');
  if (!phase) throw new Error('the previous-loop worker did not report its phase');
  return phase;
};

// The checkpoint store's units per answered poll and per event cannot be told apart where every
// window batches alike (about 1.5 events per answered poll): this run's batches are several times larger.
const storeSplitTimeScale = Math.round(busyTimeScale * STORE_SPLIT_SPEED_UP * 100) / 100;
say(`store split: ${plan.storeSplit.sessions} sessions, bare loop, time scale ${storeSplitTimeScale}, ${plan.storeSplit.windowSeconds} s`);
const storeSplit = await runWorker({
  sessions: plan.storeSplit.sessions,
  timeScale: storeSplitTimeScale,
  pollTimeoutSeconds: 60,
  windowSeconds: plan.storeSplit.windowSeconds,
  warmupSeconds: plan.warmupSeconds(plan.storeSplit.sessions),
  settleSeconds: plan.settleSeconds,
  activity: 'busy',
  modes: ['bare'],
});

// Lifecycle events fall outside every other window (logins before, logouts after, a Heartbeat every
// 300 s): an idle bare-loop run whose poller sends a Heartbeat after every poll carries them.
say(`store lifecycle: ${plan.idle.sessions} idle sessions, bare loop, a Heartbeat every poll`);
const storeLifecycle = await runWorker({
  sessions: plan.idle.sessions,
  timeScale: busyTimeScale,
  pollTimeoutSeconds: plan.idle.pollTimeoutSeconds,
  windowSeconds: plan.idle.windowSeconds,
  activity: 'idle',
  modes: ['bare'],
  heartbeatSeconds: 1,
});

const [idleOrchestrated, idleBare] = phasesOf(idle.phases);
const input: BenchInput = {
  mode: plan.mode,
  machine,
  calibration,
  busyTimeScale,
  idle: { orchestrated: idleOrchestrated, bare: idleBare, maxRssMb: idle.maxRssMb },
  sizes: sizeResults,
  previousLoop: { idle: orchestratedOf(previousIdle.phases), busy: orchestratedOf(previousBusy.phases) },
  storeSplit: storeSplit.phases.find((phase) => phase.mode === 'bare'),
  storeLifecycle: storeLifecycle.phases.find((phase) => phase.mode === 'bare'),
  // Taken from the synthesized stack, as deployed: 128 MB, a hand-over every 2,000 polls by default.
  handOverAfterPolls: idle.poller.handOverAfterPolls,
  heartbeatSeconds: idle.poller.heartbeatSeconds,
  pollerSystemLogLevel: idle.poller.systemLogLevel,
  memoryGb: idle.poller.memoryMb / 1024,
  durationSeconds: (performance.now() - started) / 1000,
};
const results = buildResults(input);
const markdown = renderMarkdown(results);
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
// Only the plan's own run is the committed result; other sizes or a profiled run are scratch.
const custom = values.sizes !== undefined || values.cpuProfileDir !== undefined;
const base = join(outDir, custom ? 'bench-custom' : `bench-${plan.mode}`);
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${base}.md`, `${markdown}\n`);
writeFileSync(`${base}.svg`, renderChart(results));
console.log(`\n${markdown}\n`);
say(`wrote ${base}.json, .md and .svg`);

/** Runs one profile in a child process; resolves with its phases, rejects on error or timeout. */
function runWorker(profile: LoadProfile): Promise<{ phases: PhaseResult[]; poller: PollerSettings; maxRssMb: number }> {
  const cpuProfileDir = values.cpuProfileDir ? resolve(values.cpuProfileDir) : undefined;
  const child = fork(join(here, 'profile-worker.ts'), [JSON.stringify({ ...profile, cpuProfileDir })], {
    execArgv: process.execArgv,
    // The handlers log as deployed (Powertools at its level, EMF metrics on), so that the twin counts
    // the bytes each invocation writes to CloudWatch Logs; the worker keeps them off the terminal.
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: FUNCTION_LOG_LEVEL, POWERTOOLS_METRICS_DISABLED: 'false' },
  });
  return new Promise((resolve, reject) => {
    let result: { phases: PhaseResult[]; poller: PollerSettings; maxRssMb: number } | undefined;
    let failure: string | undefined;
    const timer = setTimeout(() => {
      failure = `worker for ${profile.sessions} sessions took over ${WORKER_TIMEOUT_MS / 60_000} minutes`;
      child.kill('SIGKILL');
    }, WORKER_TIMEOUT_MS);
    child.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') say(`  ${message.line}`);
      else if (message.kind === 'result') result = { phases: message.phases, poller: message.poller, maxRssMb: message.maxRssMb };
      else failure = message.message;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(failure ?? `worker exited with code ${code} and no result`));
    });
  });
}

function phasesOf(phases: PhaseResult[]): [PhaseResult, PhaseResult] {
  const orchestrated = phases.find((phase) => phase.mode === 'orchestrated');
  const bare = phases.find((phase) => phase.mode === 'bare');
  if (!orchestrated || !bare) throw new Error('a worker did not report both modes');
  return [orchestrated, bare];
}
