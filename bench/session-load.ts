import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { CxoneUnavailableError } from '../contract/errors.js';
import { LoopShape } from '../contract/loop-signals.js';
import type { CxoneAgentApi } from '../lambdas/cxone/agent-api.js';
import { createCxoneClient } from '../lambdas/cxone/client-factory.js';
import { PollerEnvironmentSchema } from '../lambdas/poll-session/environment.js';
import { createPollHandler } from '../lambdas/poll-session/poll-handler.js';
import { executionNameFor } from '../lambdas/sessions/execution-name.js';
import { type MeterReading, type TableUsage, usageBetween } from '../local/aws/dynamodb-meter.js';
import { type CxoneSimulator, startCxoneSimulator } from '../local/cxone-simulator/index.js';
import { type LocalTwin, startLocalTwin } from '../local/twin/local-twin.js';
import { percentiles } from '../local/twin/percentiles.js';
import { type BareLoopStats, emptyBareLoopStats, runBareLoop } from './bare-loop.js';
import { type AcceptedLog, matchLatencies, recordAccepted, type SlowEvent } from './latency.js';

/** How the bridge is driven: the state machine on the local engine, or the handler in a plain loop. */
export type LoadMode = 'orchestrated' | 'bare';

export interface LoadProfile {
  /** Concurrent agent sessions, each with its own poller. */
  sessions: number;
  /** Simulated seconds of the agents' shifts per real second (see README "Benchmark"). */
  timeScale: number;
  /** CXone hold time per poll in this run. */
  pollTimeoutSeconds: number;
  /** Measured seconds per mode. */
  windowSeconds: number;
  /** busy: the scenario engine plays the shifts; idle: agents stay logged in and nothing happens. */
  activity: 'busy' | 'idle';
  /** Busy only: seconds the scenario plays before the window opens (at least the start-up time). @default 15 */
  warmupSeconds?: number;
  /** Busy only: seconds to wait after the pollers caught up, however long the start-up took. @default 0 */
  settleSeconds?: number;
  modes: LoadMode[];
  /** The loop the synthesized definition runs: `self` (deployed) or `choice` (the previous Task + Choice loop). @default 'self' */
  loopShape?: LoopShape;
  /**
   * Bare loop only: the poller's HEARTBEAT_SECONDS instead of the stack's, so that an idle window carries
   * lifecycle events (a Heartbeat per poll at 1 s) and the store's units per lifecycle event can be measured.
   */
  heartbeatSeconds?: number;
  seed?: number;
  /** Write a V8 CPU profile of each mode's window (not start-up) into this directory. */
  cpuProfileDir?: string;
  progress?: (line: string) => void;
}

/** Counters of one mode's measured window. */
export interface PhaseResult {
  mode: LoadMode;
  activity: 'busy' | 'idle';
  sessions: number;
  timeScale: number;
  pollTimeoutSeconds: number;
  windowSeconds: number;
  /** Seconds from the first login to every poller holding a poll, before the window. */
  startupSeconds: number;
  latencyMs: Record<string, number | null>;
  toDeliveryMs: Record<string, number | null>;
  deliveryToBusMs: Record<string, number | null>;
  latencySamples: number;
  /** p99 of each tenth of the window, to tell a passing stall from a steady tail. */
  p99BySlice: (number | null)[];
  /** The window's slowest events, with the CXone and the bridge share of their latency. */
  slowestEvents: SlowEvent[];
  /** Window events not on the bus when the phase was read (0 unless the bridge fell behind). */
  unmatchedEvents: number;
  eventsEmitted: number;
  /** CXone events put on the bus in the window. */
  eventsOnBus: number;
  /** The bridge's lifecycle events on the bus in the window (PollingStarted, Heartbeat, …). */
  lifecycleEventsOnBus: number;
  polls: number;
  pollsByOutcome: Record<string, number>;
  /** Bytes the poller's invocations wrote to their log (stdout, stderr) in the window, by the same outcome; orchestrated only. */
  logBytesByOutcome: Record<string, number>;
  pollErrors: Record<string, number>;
  /** Billed state transitions (StateEntered) in the window, 0 for the bare loop. */
  stateTransitions: number;
  /** Transitions per poll over the phase's whole executions, start and SessionEnded included. */
  transitionsPerPollWholeRun: number | null;
  billedMs: number;
  /** Mean invocations in flight per session over the window (sampled every 200 ms): the share of the hour Lambda bills. */
  lambdaOccupancy: number;
  coldStarts: number;
  putEventsCalls: number;
  putEventsEntries: number;
  tokenRequests: number;
  secretsManagerCalls: number;
  /** Process CPU in the window; utilisation 1.0 = one core busy (this machine has os.availableParallelism()). */
  cpu: { userMs: number; systemMs: number; utilisation: number; msPerSessionSecond: number; msPerPoll: number | null };
  /** Largest PutEvents entry (Detail) in the window, for EventBridge's 64 KB billing chunks. */
  maxEventBytes: number;
  chunksPerEvent: number;
  /**
   * The checkpoint store's DynamoDB request units in the window, as the twin's DynamoDB endpoint
   * metered what the code under test sent (local/aws/dynamodb-meter.ts).
   */
  store: TableUsage;
  /** RSS before the phase's sessions started, its peak during the window, and the peak growth per session. */
  memory: { baselineRssMb: number; peakRssMb: number; heapUsedMb: number; peakGrowthPerSessionKb: number };
  /** Sessions whose poller was still running after the logout drain (0 when all ended cleanly). */
  unfinishedSessions: number;
}

const START_CONCURRENCY = 50;
const JOIN_ATTEMPTS = 3;
const EVENTBRIDGE_CHUNK_BYTES = 64 * 1024;
const READY_TIMEOUT_MS = 120_000;
const FLUSH_TIMEOUT_MS = 20_000;
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Runs one profile in this process: a CXone simulator and the local twin, then for each mode in
 * turn logs every agent in, starts its poller, waits until every poller holds a poll, measures a
 * window, and logs everyone out. Both modes use the same simulator, the same twin endpoint and bus,
 * and the same poller configuration taken from the synthesized stack.
 */
export async function runLoadProfile(profile: LoadProfile): Promise<LoadProfileResult> {
  const simulator = await startCxoneSimulator({
    agents: profile.sessions,
    timeScale: profile.timeScale,
    seed: profile.seed ?? 1,
    // Long shifts: no agent logs out inside the window; the mix is the engine's own.
    scenario: { loginSpreadMinutes: 0, shiftMinutes: 100_000, meanIdleSeconds: 90 },
  });
  const twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: profile.pollTimeoutSeconds, loopShape: profile.loopShape ?? LoopShape.Self },
  });
  const accepted: AcceptedLog = { records: [], lifecycle: 0 };
  twin.bus.onEvent(recordAccepted(accepted));
  const operator = createCxoneClient(simulator);
  const phases: PhaseResult[] = [];
  try {
    for (const mode of profile.modes) {
      accepted.records = [];
      accepted.lifecycle = 0;
      phases.push(await runPhase(profile, mode, simulator, twin, operator, accepted));
    }
  } finally {
    await twin.close();
    await simulator.close();
  }
  return { phases, poller: pollerSettings(twin) };
}

/** What the cost model takes from the synthesized poller: its memory and hand-over interval. */
export interface PollerSettings {
  memoryMb: number;
  timeoutSeconds: number;
  handOverAfterPolls: number;
  /** An idle session publishes a Heartbeat lifecycle event after this long without events. */
  heartbeatSeconds: number;
  /** Lambda's system log level: whether its per-invocation platform records reach the log group. */
  systemLogLevel: string;
}

export interface LoadProfileResult {
  phases: PhaseResult[];
  poller: PollerSettings;
}

function pollerSettings(twin: LocalTwin): PollerSettings {
  const poller = twin.stack.functions.find((fn) => fn.path.includes('/SessionPoller/'));
  if (!poller) throw new Error('the stack has no SessionPoller function');
  const environment = PollerEnvironmentSchema.parse(poller.environment);
  return {
    memoryMb: poller.memorySize,
    timeoutSeconds: poller.timeoutSeconds,
    handOverAfterPolls: environment.HAND_OVER_AFTER_POLLS,
    heartbeatSeconds: environment.HEARTBEAT_SECONDS,
    systemLogLevel: poller.systemLogLevel,
  };
}

interface Counters {
  at: number;
  cpu: NodeJS.CpuUsage;
  polls: number;
  byOutcome: Map<string, number>;
  errors: Map<string, number>;
  logBytes: Map<string, number>;
  billedMs: number;
  coldStarts: number;
  transitions: number;
  putEventsCalls: number;
  putEventsEntries: number;
  tokenRequests: number;
  secretsManagerCalls: number;
  emitted: number;
  onBus: number;
  lifecycle: number;
  store: MeterReading;
}

async function runPhase(
  profile: LoadProfile,
  mode: LoadMode,
  simulator: CxoneSimulator,
  twin: LocalTwin,
  operator: CxoneAgentApi,
  accepted: AcceptedLog,
): Promise<PhaseResult> {
  const label = `[${profile.activity} ${profile.sessions} ${mode}]`;
  const say = (line: string) => profile.progress?.(`${label} ${line}`);
  const baselineRss = process.memoryUsage.rss();
  const poller = twin.stack.functions.find((fn) => fn.path.includes('/SessionPoller/'));
  if (!poller) throw new Error('the stack has no SessionPoller function');
  const bareStats = emptyBareLoopStats();
  const bareLoops: Promise<unknown>[] = [];
  const stopBare = new AbortController();
  let bareRunning = 0;
  const executionArns: string[] = [];

  // Log in, let the scenario play, and start pollers side by side but bounded.
  const startupFrom = performance.now();
  const emittedAtStart = simulator.emittedEvents().length;
  const startupInvocations = twin.lambdaStats.invocations;
  const logins = simulator.agentIds.map((agentId) => ({ agentId, login: simulator.loginAgent(agentId) }));
  if (profile.activity === 'busy') simulator.startScenario();
  const firstBatches = firstBatchTracker(
    simulator,
    logins.map(({ login }) => login.sessionId),
  );
  for (let index = 0; index < logins.length; index += START_CONCURRENCY) {
    await Promise.all(
      logins.slice(index, index + START_CONCURRENCY).map(async ({ agentId, login }) => {
        const sessionId = await joinWithRetry(operator, agentId);
        const executionName = executionNameFor(twin.tenant, agentId, login.sessionStartTime);
        if (mode === 'orchestrated') {
          executionArns.push(
            twin.stepFunctions.startExecution(twin.stack.stateMachine.arn, executionName, JSON.stringify({ agentId, sessionId })).executionArn,
          );
          return;
        }
        // One handler per session: its own clients and caches, as one Lambda execution environment.
        const heartbeat = profile.heartbeatSeconds === undefined ? {} : { HEARTBEAT_SECONDS: profile.heartbeatSeconds };
        const handler = createPollHandler(PollerEnvironmentSchema.parse({ ...poller.environment, ...heartbeat }));
        bareRunning += 1;
        bareLoops.push(
          runBareLoop({ agentId, sessionId, executionName, handler, timeoutSeconds: poller.timeoutSeconds, stats: bareStats, signal: stopBare.signal }).finally(
            () => {
              bareRunning -= 1;
            },
          ),
        );
      }),
    );
    if (index % 500 === 0 && index > 0) say(`${index} pollers started`);
  }
  // Ready once every session's first batch (its login events) was delivered, so every poller runs,
  // and the bus has caught up with what was emitted until then: the window starts in steady state.
  const ready =
    (await waitFor(firstBatches, READY_TIMEOUT_MS)) && (await waitFor(caughtUp(simulator, emittedAtStart, accepted, performance.now()), READY_TIMEOUT_MS));
  if (!ready) say(`the pollers had not caught up after ${READY_TIMEOUT_MS / 1000} s; measuring anyway`);
  const startupSeconds = (performance.now() - startupFrom) / 1000;
  // Busy: let the shifts play on before measuring. Idle: let every poller finish one whole hold.
  // A long start-up (1,000 executions) counts as warm-up, but the window never opens on its heels.
  const warmup =
    profile.activity === 'busy' ? Math.max(profile.settleSeconds ?? 0, (profile.warmupSeconds ?? 15) - startupSeconds) : profile.pollTimeoutSeconds + 1;
  say(
    `${profile.sessions} pollers running after ${startupSeconds.toFixed(1)} s; ${warmup > 0 ? `warming up ${warmup.toFixed(0)} s, then ` : ''}measuring ${profile.windowSeconds} s`,
  );
  await sleep(warmup * 1000);

  // The window.
  const counters = () => readCounters(mode, simulator, twin, bareStats, accepted);
  const phaseInvocations = () => twin.lambdaStats.invocations - startupInvocations;
  const before = counters();
  let peakRss = process.memoryUsage.rss();
  const lambdaStats = mode === 'orchestrated' ? twin.lambdaStats : bareStats;
  let inFlightSum = 0;
  let inFlightSamples = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    inFlightSum += lambdaStats.invocations - sum(lambdaStats.results) - sum(lambdaStats.errors);
    inFlightSamples += 1;
  }, 200);
  const profiler = profile.cpuProfileDir ? await startWindowProfile() : undefined;
  const windowEnd = before.at + profile.windowSeconds * 1000;
  let lastReport = before.at;
  while (performance.now() < windowEnd) {
    await sleep(Math.min(250, Math.max(1, windowEnd - performance.now())));
    if (performance.now() - lastReport >= 5_000) {
      lastReport = performance.now();
      const now = counters();
      const cpu = cpuUtilisation(before, now);
      say(
        `${((now.at - before.at) / 1000).toFixed(0)}/${profile.windowSeconds} s | polls ${now.polls - before.polls} | events emitted ${now.emitted - before.emitted}, on bus ${now.onBus - before.onBus} | cpu ${(cpu * 100).toFixed(0)} %`,
      );
    }
  }
  simulator.stopScenario();
  const after = counters();
  clearInterval(sampler);
  if (profiler && profile.cpuProfileDir) {
    const file = join(profile.cpuProfileDir, `${profile.activity}-${profile.sessions}-${mode}.cpuprofile`);
    await profiler.stop(file);
    say(`cpu profile of the window: ${file}`);
  }
  const heapUsed = process.memoryUsage().heapUsed;

  // Let the last window events reach the bus, then end every session.
  await waitFor(() => isSettled(simulator, profile.sessions), FLUSH_TIMEOUT_MS);
  const samples = matchLatencies(simulator.emittedEvents(), accepted.records, before.at, after.at);
  const windowRecords = accepted.records.slice(before.onBus, after.onBus);
  const maxEventBytes = windowRecords.reduce((max, record) => Math.max(max, Buffer.byteLength(JSON.stringify(record.detail))), 0);
  const chunks = windowRecords.reduce(
    (sum, record) => sum + Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(record.detail)) / EVENTBRIDGE_CHUNK_BYTES)),
    0,
  );
  simulator.logoutAll();
  const drained = mode === 'orchestrated' ? twin.stepFunctions.settled() : Promise.all(bareLoops);
  await Promise.race([drained, sleep(DRAIN_TIMEOUT_MS)]);
  // A loop still running after the drain stops after its poll in flight.
  stopBare.abort();
  const unfinishedSessions =
    mode === 'orchestrated' ? [...twin.stepFunctions.executions.values()].filter((execution) => execution.status === 'RUNNING').length : bareRunning;
  say(`done: ${samples.endToEnd.length} latency samples, p50 ${percentiles(samples.endToEnd).p50 ?? '-'} ms`);
  const executions = executionArns.map((arn) => twin.stepFunctions.executions.get(arn)).filter((execution) => execution !== undefined);
  const wholeRunTransitions = executions.reduce((sum, execution) => sum + execution.transitions, 0);
  const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
  const windowMs = after.at - before.at;

  const delta = (key: keyof Omit<Counters, 'cpu' | 'byOutcome' | 'errors' | 'store' | 'logBytes'>) => after[key] - before[key];
  return {
    mode,
    activity: profile.activity,
    sessions: profile.sessions,
    timeScale: profile.timeScale,
    pollTimeoutSeconds: profile.pollTimeoutSeconds,
    windowSeconds: round((after.at - before.at) / 1000, 2),
    startupSeconds: round(startupSeconds, 1),
    latencyMs: percentiles(samples.endToEnd),
    toDeliveryMs: percentiles(samples.toDelivery),
    deliveryToBusMs: percentiles(samples.deliveryToBus),
    latencySamples: samples.endToEnd.length,
    p99BySlice: samples.bySlice.map((slice) => percentiles(slice).p99 ?? null),
    slowestEvents: samples.slowest,
    unmatchedEvents: samples.unmatched,
    eventsEmitted: delta('emitted'),
    eventsOnBus: delta('onBus'),
    lifecycleEventsOnBus: delta('lifecycle'),
    polls: delta('polls'),
    pollsByOutcome: mapDelta(before.byOutcome, after.byOutcome),
    logBytesByOutcome: mapDelta(before.logBytes, after.logBytes),
    pollErrors: mapDelta(before.errors, after.errors),
    stateTransitions: delta('transitions'),
    // The twin's invocations of this phase are all this phase's polls: phases run one after the other.
    transitionsPerPollWholeRun: mode === 'orchestrated' && phaseInvocations() > 0 ? round(wholeRunTransitions / phaseInvocations(), 4) : null,
    billedMs: delta('billedMs'),
    lambdaOccupancy: inFlightSamples > 0 ? round(inFlightSum / inFlightSamples / profile.sessions, 4) : 0,
    coldStarts: delta('coldStarts'),
    putEventsCalls: delta('putEventsCalls'),
    putEventsEntries: delta('putEventsEntries'),
    tokenRequests: delta('tokenRequests'),
    secretsManagerCalls: delta('secretsManagerCalls'),
    cpu: {
      userMs: round((after.cpu.user - before.cpu.user) / 1000, 0),
      systemMs: round((after.cpu.system - before.cpu.system) / 1000, 0),
      utilisation: round(cpuUtilisation(before, after), 3),
      msPerSessionSecond: round(cpuMs / profile.sessions / (windowMs / 1000), 3),
      msPerPoll: delta('polls') > 0 ? round(cpuMs / delta('polls'), 3) : null,
    },
    maxEventBytes,
    chunksPerEvent: windowRecords.length > 0 ? round(chunks / windowRecords.length, 3) : 1,
    store: usageBetween(before.store, after.store, twin.sessionTableName),
    memory: {
      baselineRssMb: mb(baselineRss),
      peakRssMb: mb(peakRss),
      heapUsedMb: mb(heapUsed),
      peakGrowthPerSessionKb: round(Math.max(0, peakRss - baselineRss) / 1024 / profile.sessions, 1),
    },
    unfinishedSessions,
  };
}

/** Every session's queue is empty and its poller holds a poll: nothing is in flight. */
function isSettled(simulator: CxoneSimulator, sessions: number): boolean {
  const stats = simulator.stats();
  return stats.eventsQueued === 0 && stats.heldPolls >= sessions;
}

/**
 * The operator's join, retried: while the local engine validates 50 new executions in a row the
 * event loop stalls for seconds, and a keep-alive socket the simulator closed meanwhile fails once.
 */
async function joinWithRetry(operator: CxoneAgentApi, agentId: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operator.joinSession(agentId);
    } catch (error) {
      if (!(error instanceof CxoneUnavailableError) || attempt >= JOIN_ATTEMPTS) throw error;
      await sleep(200 * attempt);
    }
  }
}

/** The in-process V8 profiler (what node --cpu-prof uses), limited to the measured window. */
async function startWindowProfile(): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** True once every event this phase emitted before `since`, or more than 500 ms ago, is on the bus. */
function caughtUp(simulator: CxoneSimulator, fromIndex: number, accepted: AcceptedLog, since: number): () => boolean {
  return () => {
    const emitted = simulator.emittedEvents();
    const cutoff = Math.max(since, performance.now() - 500);
    let due = 0;
    for (let index = fromIndex; index < emitted.length; index++) if ((emitted[index]?.emittedAtPerf ?? cutoff) < cutoff) due += 1;
    return accepted.records.length >= due;
  };
}

const sum = (values: Map<string, number>) => {
  let total = 0;
  for (const value of values.values()) total += value;
  return total;
};

/** A check that is true once every given platform session had a batch delivered (incremental scan). */
function firstBatchTracker(simulator: CxoneSimulator, platformSessionIds: string[]): () => boolean {
  const waiting = new Set(platformSessionIds);
  let scanned = 0;
  return () => {
    const batches = simulator.deliveredBatches();
    for (; scanned < batches.length; scanned++) waiting.delete(batches[scanned]?.sessionId ?? '');
    return waiting.size === 0;
  };
}

function readCounters(mode: LoadMode, simulator: CxoneSimulator, twin: LocalTwin, bare: BareLoopStats, accepted: AcceptedLog): Counters {
  const lambda = mode === 'orchestrated' ? twin.lambdaStats : bare;
  const stats = simulator.stats();
  let transitions = 0;
  for (const execution of twin.stepFunctions.executions.values()) transitions += execution.transitions;
  return {
    at: performance.now(),
    cpu: process.cpuUsage(),
    polls: lambda.invocations,
    byOutcome: new Map(lambda.results),
    errors: new Map(lambda.errors),
    logBytes: new Map(mode === 'orchestrated' ? twin.lambdaStats.logBytes : []),
    billedMs: lambda.billedMs,
    coldStarts: mode === 'orchestrated' ? twin.lambdaStats.coldStarts : 0,
    transitions,
    putEventsCalls: twin.aws.calls.get('AWSEvents.PutEvents') ?? 0,
    putEventsEntries: twin.bus.stats.entries,
    tokenRequests: stats.tokenRequests,
    secretsManagerCalls: twin.aws.calls.get('secretsmanager.GetSecretValue') ?? 0,
    emitted: stats.eventsEmitted,
    onBus: accepted.records.length,
    lifecycle: accepted.lifecycle,
    store: twin.dynamodb.meter.reading(),
  };
}

/** Share of one core the process used between two readings (2.0 = both cores of this machine). */
function cpuUtilisation(before: Counters, after: Counters): number {
  const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
  return cpuMs / Math.max(1, after.at - before.at);
}

function mapDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of after) {
    const difference = value - (before.get(key) ?? 0);
    if (difference !== 0) result[key] = difference;
  }
  return result;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (condition()) return true;
    await sleep(100);
  }
  return condition();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
