import type { ScenarioCalibration } from './calibrate.js';
import {
  type AgentHourUsage,
  agentHourUsage,
  COST_FORMULA,
  type CostBreakdown,
  costPerAgentHour,
  distanceFromFloor,
  HAND_OVER_TRANSITIONS,
  idleFloorPerAgentHour,
  type LogBytesPerPoll,
  type MeasuredCounts,
  naiveUsage,
  type StoreUnits,
  withTransitionsPerPoll,
} from './cost-model.js';
import { platformLogBytesPerInvocation } from './log-bytes.js';
import type { MachineInfo } from './machine.js';
import { PRICES } from './prices.js';
import type { PhaseResult } from './session-load.js';
import { type MeasuredStoreUnits, measureStoreUnits, storeWindow } from './store-units.js';

/** The busy agent of the issue: 300 events an hour. */
export const BUSY_EVENTS_PER_HOUR = 300;
/** Production hold per poll (pollTimeoutSeconds default). */
export const PRODUCTION_HOLD_SECONDS = 60;
/** Shared-token reads per execution environment per hour: one per token generation, about every 40 minutes. */
export const SHARED_TOKEN_READS_PER_HOUR = 1.5;
/** The token refresher's grants per tenant and hour (README: about 1.5 an hour per tenant). */
export const TENANT_TOKEN_REQUESTS_PER_HOUR = 1.5;
/** One login (one execution, one X-Ray trace) per 8-hour shift. */
export const LOGINS_PER_HOUR = 1 / 8;
/** Where the checkpoint store's units come from, as the report line and the JSON say it. */
export const STORE_UNITS_SOURCE =
  "measured on the twin's DynamoDB endpoint: every request the store sent, metered with dynalite's capacity accounting, checked against AWS's documented rules (test/twin/dynamodb-meter.test.ts), and a failed conditional write charged as the docs say";

/** One session count: the state machine and the bare loop, measured in the same process. */
export interface SizeResult {
  sessions: number;
  orchestrated: PhaseResult;
  bare: PhaseResult;
  /** Peak RSS of the whole worker process (simulator, twin, both phases). */
  maxRssMb: number;
}

export interface BenchInput {
  mode: 'quick' | 'full';
  machine: MachineInfo;
  calibration: ScenarioCalibration;
  busyTimeScale: number;
  idle: { orchestrated: PhaseResult; bare: PhaseResult; maxRssMb: number };
  sizes: SizeResult[];
  /**
   * The previous loop (poll Task, then a Choice), synthesized with loopShape 'choice' and measured in
   * the same run: an idle and a busy phase.
   */
  previousLoop?: { idle: PhaseResult; busy: PhaseResult };
  /** A busy bare-loop run with large batches, for the store's units per answered poll apart from those per event. */
  storeSplit?: PhaseResult;
  /** An idle bare-loop run with a Heartbeat after every poll, for the store's units per lifecycle event. */
  storeLifecycle?: PhaseResult;
  handOverAfterPolls: number;
  heartbeatSeconds: number;
  /** The synthesized poller's Lambda system log level: whether its platform records reach the log group. */
  pollerSystemLogLevel: string;
  memoryGb: number;
  durationSeconds: number;
}

/** Figures of one size, as the table shows them. */
export interface SizeFigures {
  sessions: number;
  timeScale: number;
  eventsPerAgentHour: number;
  latencySamples: number;
  orchestratedMs: Record<string, number | null>;
  bareMs: Record<string, number | null>;
  /** Orchestrated minus bare, and their ratio, at p50. */
  overheadP50Ms: number | null;
  ratioP50: number | null;
  transitionsPerPoll: number | null;
  transitionsPerEvent: number | null;
  putEventsPerEvent: number | null;
  gbSecondsPerAgentHour: number;
  /** Share of the window in which each session had an invocation in flight. */
  lambdaHeldShare: number;
  tokenRequestsPerAgentHour: number;
  /** The tenant-wide refresher's ~1.5 token requests an hour, shared by this many agents. */
  tokenRequestsPerAgentHourModel: number;
  cpuMsPerSessionSecond: number;
  cpuUtilisation: number;
  peakRssMb: number;
  rssGrowthPerSessionKb: number;
  unmatchedEvents: number;
}

export interface Target {
  name: string;
  target: string;
  value: string;
  /** null when the run did not measure it (quick mode has no 1,000-session run). */
  met: boolean | null;
  note?: string;
}

export interface CostFigures {
  counts: MeasuredCounts;
  /** Transitions per poll the previous loop (Task + Choice) measured in this run, idle and busy; null if not run. */
  previousTransitionsPerPoll: { idle: number; busy: number } | null;
  idle: { usage: AgentHourUsage; design: CostBreakdown; previous: CostBreakdown | null; naive: CostBreakdown };
  busy: { usage: AgentHourUsage; design: CostBreakdown; previous: CostBreakdown | null; naive: CostBreakdown };
  idleFloor: number;
  idleDistanceFromFloor: number;
}

/** The store's measured units and the windows they were measured over. */
export interface StoreUnitsFigures extends MeasuredStoreUnits {
  source: string;
}

export interface BenchResults {
  generatedAt: string;
  mode: 'quick' | 'full';
  durationSeconds: number;
  machine: BenchInput['machine'];
  mapping: {
    busyEventsPerAgentHour: number;
    scenarioEventsPerSimulatedHour: number;
    busyTimeScale: number;
    explanation: string;
  };
  sizes: SizeFigures[];
  idle: {
    sessions: number;
    pollTimeoutSeconds: number;
    overheadMsPerPoll: number;
    transitionsPerPoll: number | null;
    cpuMsPerPoll: number | null;
    bareCpuMsPerPoll: number | null;
  };
  cost: CostFigures & { formula: string; prices: typeof PRICES; assumptions: string[]; store: StoreUnitsFigures };
  targets: Target[];
  raw: { idle: BenchInput['idle']; sizes: SizeResult[]; calibration: ScenarioCalibration };
}

const hours = (phase: PhaseResult) => (phase.sessions * phase.windowSeconds) / 3600;
const per = (value: number, over: number) => (over > 0 ? value / over : null);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const dollars = (value: number) => `$${value.toFixed(6)}`;
const roundOrNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits));

/** Table figures of one size. */
export function sizeFigures(size: SizeResult, memoryGb: number): SizeFigures {
  const { orchestrated: o, bare: b } = size;
  const p50o = o.latencyMs.p50 ?? null;
  const p50b = b.latencyMs.p50 ?? null;
  return {
    sessions: size.sessions,
    timeScale: o.timeScale,
    eventsPerAgentHour: Math.round(o.eventsEmitted / hours(o)),
    latencySamples: o.latencySamples,
    orchestratedMs: o.latencyMs,
    bareMs: b.latencyMs,
    overheadP50Ms: p50o !== null && p50b !== null ? round(p50o - p50b, 1) : null,
    ratioP50: p50o !== null && p50b ? round(p50o / p50b, 2) : null,
    transitionsPerPoll: roundOrNull(per(o.stateTransitions, o.polls), 3),
    transitionsPerEvent: roundOrNull(per(o.stateTransitions, o.eventsOnBus), 3),
    putEventsPerEvent: roundOrNull(per(o.putEventsCalls, o.eventsOnBus), 3),
    // The sampled share of the window in which each session had an invocation in flight.
    gbSecondsPerAgentHour: round(Math.min(1, o.lambdaOccupancy) * 3600 * memoryGb, 1),
    lambdaHeldShare: round(Math.min(1, o.lambdaOccupancy), 4),
    tokenRequestsPerAgentHour: round(o.tokenRequests / hours(o), 3),
    tokenRequestsPerAgentHourModel: round(TENANT_TOKEN_REQUESTS_PER_HOUR / size.sessions, 4),
    cpuMsPerSessionSecond: o.cpu.msPerSessionSecond,
    cpuUtilisation: o.cpu.utilisation,
    peakRssMb: o.memory.peakRssMb,
    rssGrowthPerSessionKb: o.memory.peakGrowthPerSessionKb,
    unmatchedEvents: o.unmatchedEvents + b.unmatchedEvents,
  };
}

/**
 * The checkpoint store's request units, from the meter's readings over every measured window: the idle
 * windows (polls that timed out) and the busy ones, the state machine's and the bare loop's alike (the
 * same handler and store), the previous loop's, the store-split run's and the Heartbeat run's included.
 */
export function storeUnits(input: BenchInput): MeasuredStoreUnits {
  const idle = [storeWindow('idle, state machine', input.idle.orchestrated), storeWindow('idle, bare loop', input.idle.bare)];
  const busy = input.sizes.flatMap((size) => [
    storeWindow(`busy ${size.sessions}, state machine`, size.orchestrated),
    storeWindow(`busy ${size.sessions}, bare loop`, size.bare),
  ]);
  if (input.previousLoop) {
    idle.push(storeWindow('idle, previous loop', input.previousLoop.idle));
    busy.push(storeWindow(`busy ${input.previousLoop.busy.sessions}, previous loop`, input.previousLoop.busy));
  }
  if (input.storeSplit) busy.push(storeWindow(`busy ${input.storeSplit.sessions} at ${input.storeSplit.timeScale}x, bare loop`, input.storeSplit));
  const phases = [input.idle.orchestrated, input.idle.bare, ...input.sizes.flatMap((size) => [size.orchestrated, size.bare])];
  if (input.previousLoop) phases.push(input.previousLoop.idle, input.previousLoop.busy);
  if (input.storeSplit) phases.push(input.storeSplit);
  // Its polls are idle ones too, but its Heartbeats make it one of the windows the fit splits.
  if (input.storeLifecycle) busy.push(storeWindow('idle with a Heartbeat every poll, bare loop', input.storeLifecycle));
  if (input.storeLifecycle) phases.push(input.storeLifecycle);
  return measureStoreUnits(
    idle,
    busy,
    phases.reduce((total, phase) => total + phase.store.nonAsciiRequests, 0),
  );
}

/** The counts the cost model needs, from the idle run and the largest busy run. */
export function measuredCounts(input: BenchInput, store: MeasuredStoreUnits = storeUnits(input)): MeasuredCounts {
  const idle = input.idle.orchestrated;
  const largest = [...input.sizes].sort((a, b) => b.sessions - a.sessions)[0];
  if (!largest) throw new Error('no busy run to take counts from');
  const busy = largest.orchestrated;
  const eventPolls = busy.pollsByOutcome.EVENTS ?? 0;
  return {
    memoryGb: input.memoryGb,
    holdSeconds: PRODUCTION_HOLD_SECONDS,
    transitionsPerPoll: per(busy.stateTransitions, busy.polls) ?? 2,
    handOverAfterPolls: input.handOverAfterPolls,
    idleOverheadSeconds: Math.max(0, (per(idle.billedMs, idle.polls) ?? 0) / 1000 - idle.pollTimeoutSeconds),
    eventPollsPerEvent: per(eventPolls, busy.eventsOnBus) ?? 1,
    busyNoEventPollsPerHour: (busy.pollsByOutcome.NO_EVENTS ?? 0) / hours(busy),
    chunksPerEvent: busy.chunksPerEvent,
    secretsManagerCallsPerHour: SHARED_TOKEN_READS_PER_HOUR,
    logBytesPerPoll: logBytesPerPoll(input),
    loginsPerHour: LOGINS_PER_HOUR,
    heartbeatSeconds: input.heartbeatSeconds,
    store: { write: store.write.units, read: store.read.units },
  };
}

/**
 * CloudWatch Logs bytes per poller invocation: what the handler wrote in the windows (the twin counts
 * its stdout and stderr per invocation, Powertools at its deployed level, EMF on), per 304 of the idle
 * run and per 304 and 200 of the largest busy run, and Lambda's platform records at the synthesized
 * system log level.
 */
export function logBytesPerPoll(input: BenchInput): LogBytesPerPoll {
  const idle = input.idle.orchestrated;
  const busy = [...input.sizes].sort((a, b) => b.sessions - a.sessions)[0]?.orchestrated;
  const perPoll = (phase: PhaseResult | undefined, outcome: string) =>
    roundOrNull(per(phase?.logBytesByOutcome[outcome] ?? 0, phase?.pollsByOutcome[outcome] ?? 0), 1);
  const idleNoEvents = perPoll(idle, 'NO_EVENTS') ?? 0;
  return {
    idle: idleNoEvents,
    // A short busy window may see no poll time out; a 304 is then taken to log what an idle one does.
    busyNoEvents: perPoll(busy, 'NO_EVENTS') ?? idleNoEvents,
    busyEvents: perPoll(busy, 'EVENTS') ?? 0,
    platform: platformLogBytesPerInvocation(input.pollerSystemLogLevel),
  };
}

/** The previous loop's measured transitions per poll (its window only: no session end in it). */
export function previousTransitionsPerPoll(input: BenchInput): { idle: number; busy: number } | null {
  const previous = input.previousLoop;
  if (!previous) return null;
  return { idle: per(previous.idle.stateTransitions, previous.idle.polls) ?? 2, busy: per(previous.busy.stateTransitions, previous.busy.polls) ?? 2 };
}

/** Dollars per agent-hour for an idle and a busy agent: this design, the previous loop (if measured) and the naive one. */
export function costFigures(counts: MeasuredCounts, previousPerPoll: { idle: number; busy: number } | null = null): CostFigures {
  const idleUsage = agentHourUsage(counts, 0);
  const busyUsage = agentHourUsage(counts, BUSY_EVENTS_PER_HOUR);
  const idleDesign = costPerAgentHour(idleUsage, 'arm64');
  const idleFloor = idleFloorPerAgentHour(counts.memoryGb, counts.holdSeconds);
  const previous = (usage: AgentHourUsage, perPoll: number | undefined) =>
    perPoll === undefined ? null : costPerAgentHour(withTransitionsPerPoll(usage, perPoll, counts.handOverAfterPolls), 'arm64');
  return {
    counts,
    previousTransitionsPerPoll: previousPerPoll,
    idle: {
      usage: idleUsage,
      design: idleDesign,
      previous: previous(idleUsage, previousPerPoll?.idle),
      naive: costPerAgentHour(naiveUsage(idleUsage, counts.handOverAfterPolls), 'x86_64'),
    },
    busy: {
      usage: busyUsage,
      design: costPerAgentHour(busyUsage, 'arm64'),
      previous: previous(busyUsage, previousPerPoll?.busy),
      naive: costPerAgentHour(naiveUsage(busyUsage, counts.handOverAfterPolls), 'x86_64'),
    },
    idleFloor,
    idleDistanceFromFloor: distanceFromFloor(idleDesign.total, idleFloor),
  };
}

/** The issue's targets, reported (never asserted). */
export function evaluateTargets(sizes: SizeFigures[], cost: CostFigures): Target[] {
  const targets: Target[] = [];
  const thousand = sizes.find((size) => size.sessions === 1_000);
  const p99 = thousand?.orchestratedMs.p99 ?? null;
  targets.push({
    name: 'p99 latency at 1,000 sessions',
    target: '< 250 ms',
    value: thousand ? `${p99 ?? '-'} ms` : 'not run (quick mode)',
    met: thousand ? p99 !== null && p99 < 250 : null,
  });
  const overheads = sizes.map((size) => size.overheadP50Ms).filter((value) => value !== null);
  const worst = overheads.length ? Math.max(...overheads) : null;
  targets.push({
    name: 'orchestration overhead at p50 (worst size)',
    target: '< 10 ms',
    value: worst === null ? '-' : `${worst} ms`,
    met: worst !== null && worst < 10,
  });
  const perPoll = sizes.map((size) => size.transitionsPerPoll).filter((value) => value !== null);
  const maxPerPoll = perPoll.length ? Math.max(...perPoll) : null;
  targets.push({
    name: 'billed transitions per poll, common path',
    target: '1.00',
    value: maxPerPoll === null ? '-' : `${maxPerPoll.toFixed(2)} measured; ${round(cost.busy.usage.transitionsPerPoll, 4)} with hand-overs`,
    met: maxPerPoll !== null && maxPerPoll <= 1,
    note: `rare paths, reported apart: a hand-over every ${cost.counts.handOverAfterPolls} polls adds ${HAND_OVER_TRANSITIONS} transitions (the entry that raises Loop.HandOverDue, HandOverToNextExecution, HandedOver); a session's end adds 2 (the entry that raises Loop.SessionEnded, SessionEnded)`,
  });
  targets.push({
    name: 'cost per idle agent-hour',
    target: '≤ $0.0076',
    value: dollars(cost.idle.design.total),
    met: cost.idle.design.total <= 0.0076,
  });
  targets.push({
    name: 'cost per busy agent-hour (300 events)',
    target: '≤ $0.012',
    value: dollars(cost.busy.design.total),
    met: cost.busy.design.total <= 0.012,
  });
  targets.push({
    name: 'idle cost vs floor',
    target: 'within 10 %',
    value: `$${cost.idle.design.total.toFixed(6)} vs $${cost.idleFloor.toFixed(6)} (+${(cost.idleDistanceFromFloor * 100).toFixed(2)} %)`,
    met: cost.idleDistanceFromFloor <= 0.1,
  });
  return targets;
}

/** Assembles everything the JSON file holds. */
export function buildResults(input: BenchInput): BenchResults {
  const sizes = input.sizes.map((size) => sizeFigures(size, input.memoryGb));
  const store = storeUnits(input);
  const counts = measuredCounts(input, store);
  const cost = costFigures(counts, previousTransitionsPerPoll(input));
  const idle = input.idle.orchestrated;
  return {
    generatedAt: new Date().toISOString(),
    mode: input.mode,
    durationSeconds: Math.round(input.durationSeconds),
    machine: input.machine,
    mapping: {
      busyEventsPerAgentHour: BUSY_EVENTS_PER_HOUR,
      scenarioEventsPerSimulatedHour: input.calibration.eventsPerSimulatedHour,
      busyTimeScale: input.busyTimeScale,
      explanation:
        `The scenario engine's default shift (calls, digital contacts, work items, voicemails, breaks; mean idle 90 s) emits ` +
        `${input.calibration.eventsPerSimulatedHour} events per simulated agent-hour. Played at time scale ${input.busyTimeScale} ` +
        `(= ${BUSY_EVENTS_PER_HOUR} / ${input.calibration.eventsPerSimulatedHour}), one real hour of an agent carries ${BUSY_EVENTS_PER_HOUR} events with the same mix: ` +
        `the busy agent. Polls, holds and Lambda time run in real time, so an agent-hour is a real hour. Runs under 100 sessions play 10x faster ` +
        `(3,000 events per agent-hour) so that they yield enough latency samples; the per-event counts of the cost model come from the largest run.`,
    },
    sizes,
    idle: {
      sessions: idle.sessions,
      pollTimeoutSeconds: idle.pollTimeoutSeconds,
      overheadMsPerPoll: round(counts.idleOverheadSeconds * 1000, 1),
      transitionsPerPoll: roundOrNull(per(idle.stateTransitions, idle.polls), 3),
      cpuMsPerPoll: idle.cpu.msPerPoll,
      bareCpuMsPerPoll: input.idle.bare.cpu.msPerPoll,
    },
    cost: {
      ...cost,
      formula: COST_FORMULA,
      prices: PRICES,
      store: { source: STORE_UNITS_SOURCE, ...store },
      assumptions: [
        `Idle agent: polls per hour = 3600 / (${PRODUCTION_HOLD_SECONDS} s hold + measured per-poll overhead of a 304 on the twin).`,
        `Busy agent: polls per hour = ${BUSY_EVENTS_PER_HOUR} events × measured polls-with-events per event + measured 304 polls per agent-hour (at most the idle rate).`,
        'Lambda duration = the whole hour (lambdaSeconds 3600): each poll ends only to start the next, so one invocation is always held; the twin measures the held share per size.',
        `Transitions per poll = measured steady-state value + 2 / handOverAfterPolls (${input.handOverAfterPolls}) for the hand-over to the next generation.`,
        `Secrets Manager: ${SHARED_TOKEN_READS_PER_HOUR} GetSecretValue per agent-hour (each session's execution environment re-reads the shared token once per token generation, about every 40 minutes); CXone token requests are free and tenant-wide (about 1.5 an hour per tenant).`,
        `CloudWatch Logs, measured: what the poller handler wrote per invocation in the windows (Powertools at its deployed level, EMF metrics on): ${counts.logBytesPerPoll.idle} bytes per idle 304, ${counts.logBytesPerPoll.busyNoEvents} per busy 304, ${counts.logBytesPerPoll.busyEvents} per poll answered 200; plus ${counts.logBytesPerPoll.platform} bytes of Lambda's platform records at the poller's system log level ${input.pollerSystemLogLevel} (sized from the Lambda docs' record fields; WARN sends none); the state machine logs ERROR only.`,
        `Lifecycle events: a PollingStarted and a PollingEnded per login, and for an idle agent one Heartbeat per ${input.heartbeatSeconds} s without events (none for the busy agent).`,
        `X-Ray: one trace per execution (${LOGINS_PER_HOUR} logins per agent-hour plus one per hand-over); SQS: the dead-letter queue sees requests only on failures (0 here).`,
        'Not per agent: per-tenant fixed costs (two secrets $0.80/month, custom metrics and alarms, the token refresher every 5 minutes).',
        'Naive design: Task, Pass and two Choices per poll (4 transitions), x86 Lambda; the same polls, memory, events and the rest.',
        `Previous loop: the poll Task followed by a Choice (synthesized with loopShape 'choice' and measured in this run); the same polls, memory, events, store and the rest at its measured transitions per poll.`,
        `DynamoDB (checkpoint store, on-demand): ${storeUnitsLine(store)}; ${STORE_UNITS_SOURCE}.`,
      ],
    },
    targets: evaluateTargets(sizes, cost),
    raw: { idle: input.idle, sizes: input.sizes, calibration: input.calibration },
  };
}

/** The store's measured units per driver, in words. */
export function storeUnitsLine(store: MeasuredStoreUnits): string {
  const perDriver = (units: StoreUnits) =>
    `${round(units.perPoll, 3)} per poll, ${round(units.perEventPoll, 3)} more per poll answered 200, ${round(units.perEvent, 3)} per event, ${round(units.perLifecycleEvent, 3)} per lifecycle event`;
  const apart = (kind: string, notSeparated: string[]) =>
    notSeparated.length > 0 ? ` (${kind}: ${notSeparated.join(', ')} not separable in these windows, left at 0)` : '';
  const idlePolls = store.idleWindows.reduce((total, window) => total + window.polls, 0);
  const busyPolls = store.busyWindows.reduce((total, window) => total + window.polls, 0);
  return (
    `write units ${perDriver(store.write.units)}; read units ${perDriver(store.read.units)}` +
    apart('write', store.write.notSeparated) +
    apart('read', store.read.notSeparated) +
    `; over ${idlePolls} idle polls in ${store.idleWindows.length} windows and ${busyPolls} busy polls in ${store.busyWindows.length} windows` +
    (store.nonAsciiRequests > 0 ? `; ${store.nonAsciiRequests} requests had non-ASCII text, which dynalite sizes short` : '')
  );
}

const ms = (value: number | null | undefined) => (value === null || value === undefined ? '-' : String(value));

/** The results as Markdown tables (printed, and pasted into the README). */
export function renderMarkdown(results: BenchResults): string {
  const lines: string[] = [];
  lines.push(
    '| sessions | events / agent-hour | latency p50 / p95 / p99 (ms), state machine | bare loop p50 / p95 / p99 (ms) | overhead p50 | transitions / poll | transitions / event | PutEvents / event | GB-s / agent-hour (share held) | token requests / agent-hour (tenant model) | CPU ms / session-s | peak RSS (MB), growth / session |',
    '| ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const size of results.sizes) {
    const o = size.orchestratedMs;
    const b = size.bareMs;
    lines.push(
      `| ${size.sessions.toLocaleString('en-US')} | ${size.eventsPerAgentHour.toLocaleString('en-US')} | ${ms(o.p50)} / ${ms(o.p95)} / ${ms(o.p99)} (n = ${size.latencySamples}) | ${ms(b.p50)} / ${ms(b.p95)} / ${ms(b.p99)} | ` +
        `${size.overheadP50Ms === null ? '-' : `${size.overheadP50Ms >= 0 ? '+' : ''}${size.overheadP50Ms} ms (×${size.ratioP50})`} | ${ms(size.transitionsPerPoll)} | ${ms(size.transitionsPerEvent)} | ${ms(size.putEventsPerEvent)} | ` +
        `${size.gbSecondsPerAgentHour} (${(size.lambdaHeldShare * 100).toFixed(1)} %) | ${size.tokenRequestsPerAgentHour} (${size.tokenRequestsPerAgentHourModel}) | ${size.cpuMsPerSessionSecond} | ${size.peakRssMb}, ${size.rssGrowthPerSessionKb} KB |`,
    );
  }
  const { idle, busy, idleFloor } = results.cost;
  const naivePerPoll = naiveUsage(idle.usage, results.cost.counts.handOverAfterPolls).transitionsPerPoll;
  const usageCell = (usage: AgentHourUsage, perPoll: number) => `${round(usage.polls, 1)}, ${round(usage.polls * perPoll, 1)}`;
  const previousPerPoll = results.cost.previousTransitionsPerPoll;
  const previousUsage = (usage: AgentHourUsage, perPoll: number | undefined) =>
    perPoll === undefined ? null : withTransitionsPerPoll(usage, perPoll, results.cost.counts.handOverAfterPolls);
  const idlePrevious = previousUsage(idle.usage, previousPerPoll?.idle);
  const busyPrevious = previousUsage(busy.usage, previousPerPoll?.busy);
  const cell = (cost: CostBreakdown | null, part: keyof CostBreakdown) => (cost ? dollars(cost[part]) : '-');
  const row = (label: string, part: keyof CostBreakdown) =>
    `| ${label} | ${dollars(idle.design[part])} | ${dollars(busy.design[part])} | ${cell(idle.previous, part)} | ${cell(busy.previous, part)} | ${dollars(idle.naive[part])} | ${dollars(busy.naive[part])} |`;
  lines.push(
    '',
    '| cost per agent-hour (USD) | idle | busy (300 events) | previous loop idle | previous loop busy | naive idle | naive busy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('Step Functions', 'stepFunctions'),
    row('Lambda', 'lambda'),
    row('EventBridge', 'eventBridge'),
    row('DynamoDB (checkpoint store)', 'dynamoDb'),
    row('the rest (Secrets Manager, CloudWatch Logs, X-Ray)', 'rest'),
    `| **total** | **${dollars(idle.design.total)}** | **${dollars(busy.design.total)}** | ${cell(idle.previous, 'total')} | ${cell(busy.previous, 'total')} | ${dollars(idle.naive.total)} | ${dollars(busy.naive.total)} |`,
    `| polls, transitions | ${usageCell(idle.usage, idle.usage.transitionsPerPoll)} | ${usageCell(busy.usage, busy.usage.transitionsPerPoll)} | ${idlePrevious ? usageCell(idlePrevious, idlePrevious.transitionsPerPoll) : '-'} | ${busyPrevious ? usageCell(busyPrevious, busyPrevious.transitionsPerPoll) : '-'} | ${usageCell(idle.usage, naivePerPoll)} | ${usageCell(busy.usage, naivePerPoll)} |`,
    `| CloudWatch Logs bytes per poll, measured (platform records ${results.cost.counts.logBytesPerPoll.platform}) | ${round(idle.usage.logBytesPerPoll, 1)} | ${round(busy.usage.logBytesPerPoll, 1)} | same | same | same | same |`,
    `| write / read request units (measured) | ${round(idle.usage.dynamoDbWriteUnits, 1)} / ${round(idle.usage.dynamoDbReadUnits, 1)} | ${round(busy.usage.dynamoDbWriteUnits, 1)} / ${round(busy.usage.dynamoDbReadUnits, 1)} | same | same | same | same |`,
    '',
    `Checkpoint store (DynamoDB): ${storeUnitsLine(results.cost.store)}; ${results.cost.store.source}.`,
    '',
    `Idle floor (128 MB arm64 held for the hour + 1 transition per 60-second poll): ${dollars(idleFloor)}; idle cost is ${(results.cost.idleDistanceFromFloor * 100).toFixed(2)} % above it.` +
      (previousPerPoll
        ? ` The previous loop (Task + Choice) measured ${previousPerPoll.idle.toFixed(3)} (idle) and ${previousPerPoll.busy.toFixed(3)} (busy) transitions per poll in this run.`
        : ''),
    '',
    '| target | wanted | measured | met |',
    '| --- | --- | --- | --- |',
    ...results.targets.map(
      (target) => `| ${target.name} | ${target.target} | ${target.value} | ${target.met === null ? '-' : target.met ? 'yes' : '**no**'} |`,
    ),
  );
  return lines.join('\n');
}
