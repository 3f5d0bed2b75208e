import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { CxoneCredentials } from '../../contract/cxone-credentials.js';
import { canonicalJson } from '../../contract/envelope.js';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { LoopSignal } from '../../contract/loop-signals.js';
import type { BridgeConfigInput } from '../../infra/config.js';
import { sessionNameOf } from '../../lambdas/sessions/execution-name.js';
import { type CxoneSimulator, type SimulatorOptions, startCxoneSimulator } from '../cxone-simulator/index.js';
import type { AcceptedEvent } from '../eventbridge/local-event-bus.js';
import type { RouteStats } from '../eventbridge/targets.js';
import { applyFaultSpecs, type FaultSpec } from './fault-spec.js';
import { type LocalTwin, type LocalTwinOptions, startLocalTwin } from './local-twin.js';
import { percentiles } from './percentiles.js';

export interface TwinRunOptions {
  /** Agents of the built-in simulator. @default 3 */
  agents?: number;
  /** Seconds to run, from when the twin is up, before logging everyone out; undefined runs until `signal` aborts. */
  durationSeconds?: number;
  /** Simulator speed-up (simulated seconds per real second). @default 60 */
  timeScale?: number;
  seed?: number;
  /** CXone hold time per poll. @default 60 */
  pollTimeoutSeconds?: number;
  /** NDJSON file receiving every event the local bus accepted. */
  eventsOut?: string;
  /** JSON file receiving the summary. */
  summaryOut?: string;
  /** Poll an external CXone instead of the built-in simulator. */
  external?: { issuerUrl: string; agentIds: string[]; credentials: CxoneCredentials };
  /** Receives a progress line every `progressIntervalMs`. */
  progress?: (line: string) => void;
  progressIntervalMs?: number;
  /** Columns a progress line may take (the terminal's width); parts that do not fit are left out. @default 100 */
  progressWidth?: number;
  /** Aborting ends the run early (Ctrl-C). */
  signal?: AbortSignal;
  /** Extra simulator options (scenario shape, faults, token lifetime). */
  simulatorOptions?: SimulatorOptions;
  /** Extra stack configuration, Wait-state overrides and AWS time scale for the twin. */
  twinOptions?: Pick<LocalTwinOptions, 'config' | 'waitMs' | 'timeScale'>;
  /** Faults for windows of the run (`--fault`), applied once the twin is up. */
  faults?: FaultSpec[];
  /** Called once the twin is up, e.g. to inject faults in tests. */
  onReady?: (context: { twin: LocalTwin; simulator?: CxoneSimulator }) => void | Promise<void>;
  /** Let the stack's discovery function find logged-in agents (every 2 s) instead of starting sessions directly. */
  discovery?: boolean;
  /** Routes of the stack (as in cdk.json); their rules deliver on the local bus. */
  routes?: unknown[];
  /** Send every API destination request to this URL instead of its endpoint. */
  sinkUrl?: string;
}

export interface TwinSummary {
  mode: 'simulator' | 'external';
  agents: number;
  elapsedSeconds: number;
  /**
   * Agent sessions (logins), each counted once whatever the number of its executions: a hand-over
   * generation (`-g2`) continues its session. A session's status is that of its latest execution.
   */
  sessions: {
    started: number;
    succeeded: number;
    failed: number;
    aborted: number;
    running: number;
    failures: { name: string; error?: string; cause?: string }[];
    /** Attempts to start polling a login that failed (e.g. CXone unreachable); each is retried with back-off. */
    startFailures: number;
    lastStartFailure?: string;
  };
  /** Step Functions executions: one per session plus one per hand-over. */
  executions: { total: number; handOvers: number };
  /** Completed poller invocations (results and errors); one in flight when the run ends is not counted. */
  polls: { total: number; byOutcome: Record<string, number>; errors: Record<string, number>; signals: Record<string, number> };
  /** `onBus`: CXone events on the bus; `lifecycleOnBus`: the bridge's own lifecycle events, which the bus, the NDJSON and the routes carry too. */
  events: { emitted: number | null; onBus: number; lifecycleOnBus: number; lost: number | null; duplicates: number | null; perSecond: number };
  latencyMs: Record<string, number | null>;
  stateTransitions: number;
  transitionsPerPoll: number | null;
  putEventsCalls: number;
  ruleDeliveries: Record<string, number>;
  /** Deliveries per route rule: delivered, recorded (an endpoint off this machine, never called), dead-lettered, failed. */
  routes: Record<string, RouteStats>;
}

/**
 * One run of the whole bridge on this machine: the CXone simulator (or an external CXone), the local
 * twin, and an operator that starts an execution for every logged-in agent, as `npm run session`
 * would. Reports progress, writes the accepted events and a summary.
 */
export async function runTwin(options: TwinRunOptions = {}): Promise<TwinSummary> {
  const simulator = options.external
    ? undefined
    : await startCxoneSimulator({
        agents: options.agents ?? 3,
        timeScale: options.timeScale ?? 60,
        seed: options.seed ?? 1,
        ...options.simulatorOptions,
        scenario: { loginSpreadMinutes: 0.5, ...options.simulatorOptions?.scenario },
      });
  const twin = await startLocalTwin({
    cxoneIssuerUrl: options.external?.issuerUrl ?? (simulator as CxoneSimulator).issuerUrl,
    credentials: options.external?.credentials ?? (simulator as CxoneSimulator).credentials,
    ...(options.discovery ? { scheduleEveryMs: 2_000 } : {}),
    sinkUrl: options.sinkUrl,
    ...options.twinOptions,
    config: {
      pollTimeoutSeconds: options.pollTimeoutSeconds ?? 60,
      ...(options.discovery ? { discoveryEnabled: true } : {}),
      ...(options.routes ? { routes: options.routes as BridgeConfigInput['routes'] } : {}),
      ...options.twinOptions?.config,
    },
  });

  const accepted: AcceptedEvent[] = [];
  const latencies: number[] = [];
  let lifecycleOnBus = 0;
  const emittedAt = new Map<string, number[]>();
  const pollingSince = new Map<string, number>();
  let indexedSeq = 0;
  const out: WriteStream | undefined = options.eventsOut ? createWriteStream(options.eventsOut) : undefined;
  // A file that cannot be written (a full disk) fails the run at its end, not with an unhandled 'error'.
  let outError: Error | undefined;
  out?.on('error', (error) => {
    outError ??= error;
  });
  twin.bus.onEvent((event) => {
    out?.write(`${JSON.stringify(event.event)}\n`);
    // The bridge's own lifecycle events go out too, but only CXone events are counted and timed.
    if (isLifecycleDetailType(event.event['detail-type'])) {
      lifecycleOnBus += 1;
      return;
    }
    accepted.push(event);
    if (simulator) {
      const key = keyOf(event);
      if (!emittedAt.has(key)) {
        for (const emitted of simulator.emittedEvents({ sinceSeq: indexedSeq })) {
          indexedSeq = Math.max(indexedSeq, emitted.seq);
          const emittedKey = `${emitted.agentId}|${canonicalJson(emitted.event)}`;
          emittedAt.set(emittedKey, [...(emittedAt.get(emittedKey) ?? []), emitted.emittedAtPerf]);
        }
      }
      const at = emittedAt.get(key)?.shift();
      const agentId = (event.event.detail as { metadata: { agentId: string } }).metadata.agentId;
      // Events queued before the agent's poller started measure the start-up, not the bridge.
      if (!pollingSince.has(agentId)) {
        // Started by discovery: the agent's first execution tells when its polling began.
        const first = [...twin.stepFunctions.executions.values()].find((execution) => execution.name.includes(`-${agentId}-`));
        if (first) pollingSince.set(agentId, performance.now() - (Date.now() - first.startDate.getTime()));
      }
      if (at !== undefined && at >= (pollingSince.get(agentId) ?? Number.POSITIVE_INFINITY)) latencies.push(event.acceptedAt - at);
    }
  });
  applyFaultSpecs(options.faults ?? [], twin, simulator);
  await options.onReady?.({ twin, simulator });

  const startedLogins = new Set<string>();
  // A login that could not be started is retried with back-off, and each distinct failure said once.
  const startFailures = {
    count: 0,
    last: undefined as string | undefined,
    said: new Set<string>(),
    retryAt: new Map<string, { at: number; delayMs: number }>(),
  };
  const startSessions = async (): Promise<void> => {
    const candidates = simulator
      ? simulator
          .agents()
          .filter((agent) => agent.loggedIn && agent.sessionStartTime)
          .map((agent) => ({ agentId: agent.agentId, login: `${agent.agentId}@${agent.sessionStartTime}` }))
      : (options.external?.agentIds ?? []).map((agentId) => ({ agentId, login: agentId }));
    // Start new logins side by side: a slow start must not let another agent's login go unpolled.
    await Promise.all(
      candidates
        .filter(({ login }) => !startedLogins.has(login) && (startFailures.retryAt.get(login)?.at ?? 0) <= performance.now())
        .map(async ({ agentId, login }) => {
          startedLogins.add(login);
          try {
            await twin.startSession(agentId);
            pollingSince.set(agentId, performance.now());
            startFailures.retryAt.delete(login);
          } catch (error) {
            startedLogins.delete(login);
            const message = error instanceof Error ? error.message : String(error);
            const delayMs = Math.min(START_RETRY_MAX_MS, (startFailures.retryAt.get(login)?.delayMs ?? START_RETRY_FIRST_MS / 2) * 2);
            startFailures.retryAt.set(login, { at: performance.now() + delayMs, delayMs });
            startFailures.count += 1;
            startFailures.last = message;
            if (!startFailures.said.has(message)) {
              startFailures.said.add(message);
              options.progress?.(`could not start polling agent ${agentId}: ${message} (retrying with back-off; the progress line counts failed starts)`);
            }
          }
        }),
    );
  };

  // --duration and the rates count from here: the synth and start-up (seconds on a busy machine) are not the run.
  const started = performance.now();
  const report = () =>
    options.progress?.(
      progressLine(twin, accepted.length, lifecycleOnBus, latencies, performance.now() - started, startFailures.count, options.progressWidth ?? 100),
    );
  const ticker = setInterval(report, options.progressIntervalMs ?? 2_000);
  simulator?.startScenario();
  try {
    const endAt = options.durationSeconds === undefined ? Number.POSITIVE_INFINITY : started + options.durationSeconds * 1000;
    while (performance.now() < endAt && !options.signal?.aborted) {
      if (!options.discovery) await startSessions();
      if (!simulator && [...twin.stepFunctions.executions.values()].every((execution) => execution.status !== 'RUNNING') && startedLogins.size > 0) break;
      await sleep(250, options.signal);
    }
    if (simulator) {
      // Log every agent out: each poller then sees AgentSessionEnd and its execution succeeds.
      simulator.logoutAll();
      const drainMs = ((options.pollTimeoutSeconds ?? 60) + 30) * 1000;
      await Promise.race([twin.stepFunctions.settled(), sleep(drainMs)]);
    }
  } finally {
    clearInterval(ticker);
    await twin.close();
    await new Promise<void>((resolve) => (out && !out.destroyed ? out.end(resolve) : resolve()));
  }
  // The last progress line and the summary read the same counts: nothing runs between the two (a poll
  // still in flight when the twin closed could otherwise complete in between).
  report();
  if (outError) throw new Error(`cannot write --events-out ${options.eventsOut}: ${outError.message}`, { cause: outError });

  const summary = summarize(twin, simulator, accepted, lifecycleOnBus, latencies, performance.now() - started, options);
  summary.sessions.startFailures = startFailures.count;
  if (startFailures.last !== undefined) summary.sessions.lastStartFailure = startFailures.last;
  await simulator?.close();
  if (options.summaryOut) await writeFile(options.summaryOut, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function keyOf(accepted: AcceptedEvent): string {
  const detail = accepted.event.detail as { metadata: { agentId: string }; data: unknown };
  return `${detail.metadata.agentId}|${canonicalJson(detail.data)}`;
}

/** First and longest wait before starting a login again after a failed start. */
const START_RETRY_FIRST_MS = 1_000;
const START_RETRY_MAX_MS = 30_000;

type TwinExecution = LocalTwin['stepFunctions']['executions'] extends Map<string, infer E> ? E : never;

/** The latest execution of every session: a hand-over generation replaces its predecessor. */
function latestBySession(executions: TwinExecution[]): TwinExecution[] {
  const latest = new Map<string, TwinExecution>();
  for (const execution of executions) {
    const key = sessionNameOf(execution.name);
    const known = latest.get(key);
    if (!known || known.startDate.getTime() <= execution.startDate.getTime()) latest.set(key, execution);
  }
  return [...latest.values()];
}

/** Poller invocations that completed, with a result or an error. */
function completedPolls(twin: LocalTwin): number {
  return [...twin.lambdaStats.results.values(), ...Object.values(pollErrors(twin))].reduce((a, b) => a + b, 0);
}

function summarize(
  twin: LocalTwin,
  simulator: CxoneSimulator | undefined,
  accepted: AcceptedEvent[],
  lifecycleOnBus: number,
  latencies: number[],
  elapsedMs: number,
  options: TwinRunOptions,
): TwinSummary {
  const executions = [...twin.stepFunctions.executions.values()];
  const sessions = latestBySession(executions);
  const count = (status: string) => sessions.filter((execution) => execution.status === status).length;
  const polls = completedPolls(twin);
  const transitions = executions.reduce((sum, execution) => sum + execution.transitions, 0);

  let emitted: number | null = null;
  let lost: number | null = null;
  let duplicates: number | null = null;
  if (simulator) {
    const balance = new Map<string, number>();
    const emittedEvents = simulator.emittedEvents();
    for (const event of emittedEvents) {
      const key = `${event.agentId}|${canonicalJson(event.event)}`;
      balance.set(key, (balance.get(key) ?? 0) + 1);
    }
    for (const event of accepted) balance.set(keyOf(event), (balance.get(keyOf(event)) ?? 0) - 1);
    emitted = emittedEvents.length;
    lost = [...balance.values()].reduce((sum, value) => sum + Math.max(0, value), 0);
    duplicates = [...balance.values()].reduce((sum, value) => sum + Math.max(0, -value), 0);
  }
  return {
    mode: simulator ? 'simulator' : 'external',
    agents: simulator ? simulator.agentIds.length : (options.external?.agentIds.length ?? 0),
    elapsedSeconds: Math.round(elapsedMs / 100) / 10,
    sessions: {
      started: sessions.length,
      succeeded: count('SUCCEEDED'),
      failed: count('FAILED'),
      aborted: count('ABORTED'),
      running: count('RUNNING'),
      failures: executions.filter((execution) => execution.status === 'FAILED').map(({ name, error, cause }) => ({ name, error, cause })),
      startFailures: 0,
    },
    executions: { total: executions.length, handOvers: executions.length - sessions.length },
    polls: { total: polls, byOutcome: Object.fromEntries(twin.lambdaStats.results), errors: pollErrors(twin), signals: loopSignals(twin) },
    events: { emitted, onBus: accepted.length, lifecycleOnBus, lost, duplicates, perSecond: Math.round((accepted.length / (elapsedMs / 1000)) * 10) / 10 },
    latencyMs: percentiles(latencies),
    stateTransitions: transitions,
    transitionsPerPoll: polls ? Math.round((transitions / polls) * 100) / 100 : null,
    putEventsCalls: twin.aws.calls.get('AWSEvents.PutEvents') ?? 0,
    ruleDeliveries: Object.fromEntries(twin.bus.deliveries),
    routes: Object.fromEntries(twin.targets.stats),
  };
}

/**
 * One progress line, at most `width` columns: the parts that matter most come first, and those that
 * do not fit are left out (the summary has them all).
 */
function progressLine(
  twin: LocalTwin,
  onBus: number,
  lifecycleOnBus: number,
  latencies: number[],
  elapsedMs: number,
  startFailures: number,
  width: number,
): string {
  const sessions = latestBySession([...twin.stepFunctions.executions.values()]);
  const running = sessions.filter((execution) => execution.status === 'RUNNING').length;
  const outcomes = [...twin.lambdaStats.results.entries()]
    .map(([status, n]) => `${status.toLowerCase().replace('no_events', '304').replace('events', 'ev')} ${n}`)
    .join(' ');
  const errors = Object.values(pollErrors(twin)).reduce((a, b) => a + b, 0);
  const recent = percentiles(latencies.slice(-500));
  const seconds = elapsedMs / 1000;
  const parts = [
    `[${seconds.toFixed(0).padStart(4)}s] sessions ${running}/${sessions.length}`,
    `polls ${completedPolls(twin)}${errors ? ` (${errors} err)` : ''}`,
    `bus ${onBus} cxone + ${lifecycleOnBus} own (${(onBus / Math.max(seconds, 0.001)).toFixed(1)}/s)`,
    ...(startFailures ? [`failed starts ${startFailures}`] : []),
    `p50 ${recent.p50 ?? '-'} p95 ${recent.p95 ?? '-'} ms`,
    ...(outcomes ? [outcomes] : []),
    ...routesParts(twin),
  ];
  let line = '';
  for (const part of parts) {
    const next = line ? `${line} | ${part}` : part;
    if (next.length > width) break;
    line = next;
  }
  return line;
}

/** `name 3 ok 1 dlq` per route of the stack. */
function routesParts(twin: LocalTwin): string[] {
  return [...twin.targets.stats].map(([rule, stats]) => `${rule} ${formatRouteStats(stats)}`);
}

/** `3 ok 5 recorded 1 dlq` in short: `recorded` deliveries went to an endpoint off this machine, which the twin never calls. */
export function formatRouteStats(stats: RouteStats): string {
  const counts = [
    `${stats.delivered} ok`,
    ...(stats.recorded ? [`${stats.recorded} recorded`] : []),
    ...(stats.deadLettered ? [`${stats.deadLettered} dlq`] : []),
    ...(stats.failed ? [`${stats.failed} failed`] : []),
  ];
  return `${counts.join(' ')}${stats.lastError ? ` (last error: ${stats.lastError})` : ''}`;
}

/** The summary `npm start` prints. */
export function formatSummary(summary: TwinSummary): string {
  const { sessions, executions, polls, events, latencyMs } = summary;
  const lines = [
    'summary',
    `  sessions     ${sessions.started} started, ${sessions.succeeded} ended normally, ${sessions.failed} failed, ${sessions.aborted} stopped${sessions.running ? `, ${sessions.running} still running` : ''}${sessions.startFailures ? `; ${sessions.startFailures} failed starts (last: ${sessions.lastStartFailure})` : ''}`,
    `  executions   ${executions.total} (${executions.handOvers} hand-overs to a next generation)`,
    `  polls        ${polls.total} (${
      Object.entries(polls.byOutcome)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    })${Object.keys(polls.errors).length ? `, errors ${JSON.stringify(polls.errors)}` : ''}${Object.keys(polls.signals).length ? `, loop signals ${JSON.stringify(polls.signals)}` : ''}`,
    `  events       ${events.onBus} CXone events on the bus${events.emitted === null ? '' : ` of ${events.emitted} emitted; lost ${events.lost}, duplicates ${events.duplicates}`} (${events.perSecond}/s)`,
    `  lifecycle    ${events.lifecycleOnBus} events of the bridge's own on the bus (PollingStarted, PollingEnded, …)`,
    `  latency      p50 ${latencyMs.p50 ?? '-'} ms, p95 ${latencyMs.p95 ?? '-'} ms, p99 ${latencyMs.p99 ?? '-'} ms (simulator emit → bus accept)`,
    `  transitions  ${summary.stateTransitions} (${summary.transitionsPerPoll ?? '-'} per poll); PutEvents calls ${summary.putEventsCalls}`,
    ...Object.entries(summary.routes).map(([rule, stats]) => `  route        ${rule}: ${formatRouteStats(stats)}`),
    ...sessions.failures.map((failure) => `  failed execution ${failure.name}: ${failure.error} ${failure.cause ?? ''}`),
  ];
  return lines.join('\n');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // The listener goes when the timer fires: the run loop sleeps every 250 ms on the same signal.
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Loop signals (contract/loop-signals.ts) are how the self-looping poll task leaves its loop, not
 * failures, and not polls: the twin's Lambda counts them with the errors, the summary apart.
 */
const isLoopSignal = (name: string) => (Object.values(LoopSignal) as string[]).includes(name);
function pollErrors(twin: LocalTwin): Record<string, number> {
  return Object.fromEntries([...twin.lambdaStats.errors].filter(([name]) => !isLoopSignal(name)));
}
function loopSignals(twin: LocalTwin): Record<string, number> {
  return Object.fromEntries([...twin.lambdaStats.errors].filter(([name]) => isLoopSignal(name)));
}
