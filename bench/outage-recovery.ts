#!/usr/bin/env node
/**
 * `npx tsx bench/outage-recovery.ts [--sessions 1000] [--minutes 5] [--ms-per-second 1000] [--hold 60] [--out FILE.json]`
 *
 * CXone down (503 and connection resets) for a window of simulated time while N sessions run on the
 * twin, then back: how long from CXone's return until every session polls again. Two figures:
 * - scheduled: what the loop itself decided, from the Wait each session was in when CXone came back
 *   (its start and its backOffSeconds) — independent of this machine's speed;
 * - observed: until CXone answered each session's first poll after its return (a marker event queued
 *   for every agent as CXone comes back, handed over by that poll), on the twin's simulated clock
 *   (each simulated second lasts --ms-per-second real ms, so the twin's own CPU time is counted too);
 *   and until that marker reached the bus. Not PollingRecovered: a session still inside its quick
 *   retries when CXone came back never degraded, so never recovers. Not the events queued during
 *   the outage: a poll held when the outage began is answered with them before the outage hits it.
 * Not part of the suite: a bench prints figures, it asserts nothing but zero loss.
 *
 * At 1,000 sessions on 2 cores the whole twin (engine, handlers, dynalite, simulator) shares one
 * Node.js thread, so: the hold is real (CXone's long poll is not scaled; 1,000 sessions at a 1 s hold
 * would be 1,000 polls a second), progress is checked once a second from per-agent indexes (a scan
 * of every bus event per agent every 25 ms is quadratic), and the clock runs at 1 simulated second
 * per real second by default (the outage's retries and back-offs cost CPU; a faster clock at this
 * scale measures the CPU queue, not the loop).
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

// The twin reports its own figures; EMF and INFO lines would flood the output (read when those modules load).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
// SILENT: at 1,000 sessions every failed poll of the outage would print an ERROR line with its stack.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const { StateName } = await import('../contract/state-machine.js');
const { isLifecycleDetailType } = await import('../contract/lifecycle.js');
const { canonicalJson } = await import('../contract/envelope.js');
const { startCxoneSimulator } = await import('../local/cxone-simulator/index.js');
const { startLocalTwin } = await import('../local/twin/local-twin.js');
const { busyEvents, DEGRADED, detailOf, executionsOf, percentile, RECOVERED, takeCxoneDown } = await import('../test/twin/outage-run.js');
const { accountFor } = await import('../test/twin/zero-loss.js');
type BusEvent = import('../local/eventbridge/local-event-bus.js').EventBridgeEvent;

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '5' },
    'ms-per-second': { type: 'string', default: '1000' },
    hold: { type: 'string', default: '60' },
    out: { type: 'string' },
  },
});
const sessions = Number(values.sessions);
const minutes = Number(values.minutes);
const msPerSecond = Number(values['ms-per-second']);
const hold = Number(values.hold);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();
let peakRssMb = 0;
const rssSampler = setInterval(() => {
  peakRssMb = Math.max(peakRssMb, process.memoryUsage.rss() / 1e6);
}, 1_000);
const cpuAtStart = process.cpuUsage();
const startedAt = Date.now();

const simulator = await startCxoneSimulator({ agents: 1, seed: 47 });
const twin = await startLocalTwin({
  cxoneIssuerUrl: simulator.issuerUrl,
  credentials: simulator.credentials,
  config: { pollTimeoutSeconds: hold },
  timeScale: 1000 / msPerSecond,
});

// Per-agent indexes, kept as the bus accepts events: every check below is linear in the agents.
const cxoneOnBus: BusEvent[] = [];
const firstRecoveredAt = new Map<string, number>();
const firstDeliveredAfterBack = new Map<string, number>();
let backAt: number | undefined;
const degraded = new Set<string>();
twin.bus.onEvent(({ event }) => {
  const type = event['detail-type'];
  if (!isLifecycleDetailType(type)) {
    cxoneOnBus.push(event);
    const agentId = detailOf(event).metadata.agentId;
    const marker = (detailOf(event).data as { eventName?: string } | null)?.eventName?.startsWith('back-');
    if (marker && !firstDeliveredAfterBack.has(agentId)) firstDeliveredAfterBack.set(agentId, Date.now());
    return;
  }
  const agentId = detailOf(event).metadata.agentId;
  if (type === DEGRADED) degraded.add(agentId);
  if (type === RECOVERED && !firstRecoveredAt.has(agentId)) firstRecoveredAt.set(agentId, Date.now());
});

/** Checks once a second (the twin runs on the same thread), logging progress every 10 s. */
async function until(condition: () => boolean, what: string, progress: () => string, timeoutMs = 1_800_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = Date.now();
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms (${progress()})`);
    if (Date.now() - lastLog >= 10_000) {
      log(
        `  waiting for ${what}: ${progress()}; rss ${Math.round(process.memoryUsage.rss() / 1e6)} MB, loop lag p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms`,
      );
      lastLog = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const agentIds = Array.from({ length: sessions }, (_, n) => String(3_500_000 + n));
const ours = new Set(agentIds);
const undelivered = () => simulator.emittedEvents().filter((event) => ours.has(event.agentId) && event.deliveredAt === undefined).length;

try {
  let started = 0;
  for (let start = 0; start < agentIds.length; start += 20) {
    await Promise.all(
      agentIds.slice(start, start + 20).map(async (agentId) => {
        simulator.loginAgent(agentId);
        // A loaded machine can miss the start's own deadlines: try again, as `session start` would be.
        for (let attempt = 1; ; attempt++) {
          try {
            await twin.startSession(agentId);
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
          }
        }
        simulator.enqueueEvents(agentId, busyEvents(agentId, 'before', 2));
        started += 1;
      }),
    );
    if (start % 200 === 0) log(`  ${started} of ${sessions} sessions started`);
  }
  await until(
    () => undelivered() === 0,
    'events before the outage delivered',
    () => `${undelivered()} undelivered`,
  );
  log(`${sessions} sessions polling; CXone down for ${minutes} simulated minutes`);

  takeCxoneDown(simulator);
  for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 2));
  const downUntil = Date.now() + minutes * 60 * msPerSecond;
  await until(
    () => Date.now() >= downUntil,
    'the end of the outage',
    () => `${degraded.size} sessions degraded`,
  );
  backAt = Date.now();
  const back = backAt;
  const degradedWhenBack = degraded.size;
  simulator.clearFaults();
  // No poll is held at CXone now (every poll of the last minutes failed): each session's first
  // answered poll hands its marker over.
  for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'back', 1));
  const markers = new Map(
    simulator
      .emittedEvents()
      .filter((event) => ours.has(event.agentId) && (event.event as { eventName?: string }).eventName === `back-${event.agentId}-0`)
      .map((event) => [event.agentId, event]),
  );
  log(`CXone back; ${degradedWhenBack} of ${sessions} sessions had published PollingDegraded`);
  const pollingAgain = () => [...markers.values()].filter((marker) => marker.deliveredAt !== undefined).length;

  await until(
    () => pollingAgain() === sessions && firstDeliveredAfterBack.size === sessions,
    'every session polling again',
    () => `${pollingAgain()} answered by CXone, ${firstDeliveredAfterBack.size} with events on the bus, ${firstRecoveredAt.size} PollingRecovered`,
  );
  const recoveredAllAt = Date.now();
  // Scheduled: the rest of the Wait each session was in when CXone came back (0 if it was not waiting),
  // read from the history once it is complete.
  const scheduled = agentIds.map((agentId) => {
    const history = executionsOf(twin, agentId).flatMap((execution) => execution.history);
    const lastWait = history
      .filter((event) => event.type === 'StateEntered' && event.state.name === StateName.WaitBeforeNextPoll && event.timestamp <= back)
      .at(-1);
    if (!lastWait) return 0;
    const seconds = (lastWait as { state: { input: { backOffSeconds?: number } } }).state.input.backOffSeconds ?? 0;
    return Math.max(0, (lastWait.timestamp + seconds * msPerSecond - back) / msPerSecond);
  });
  const observed = agentIds.map((agentId) => ((markers.get(agentId)?.deliveredAt ?? back) - back) / msPerSecond);
  const onBusAgain = agentIds.map((agentId) => ((firstDeliveredAfterBack.get(agentId) ?? back) - back) / msPerSecond);
  const recoveredEvents = agentIds.flatMap((agentId) => {
    const at = firstRecoveredAt.get(agentId);
    return at === undefined ? [] : [(at - back) / msPerSecond];
  });
  const notRunningWhenBack = agentIds.filter((agentId) => !executionsOf(twin, agentId).some((execution) => execution.status === 'RUNNING')).length;
  await until(
    () => undelivered() === 0,
    'events of the outage delivered',
    () => `${undelivered()} undelivered`,
  );
  for (const agentId of agentIds) simulator.logoutAgent(agentId);
  const stillRunning = () => agentIds.filter((agentId) => executionsOf(twin, agentId).some((execution) => execution.status === 'RUNNING')).length;
  await until(
    () => stillRunning() === 0,
    'sessions ended',
    () => `${stillRunning()} running`,
  );

  const figures = accountFor(simulator, twin, cxoneOnBus, agentIds);
  const failed = agentIds.filter((agentId) => executionsOf(twin, agentId).some((execution) => execution.status !== 'SUCCEEDED')).length;
  // Gap-free: each session's distinct sequence numbers are 1..n.
  const sequences = new Map<string, Set<number>>();
  for (const event of cxoneOnBus) {
    const { agentId, sequence } = detailOf(event).metadata;
    sequences.set(agentId, (sequences.get(agentId) ?? new Set()).add(sequence));
  }
  const withGaps = agentIds.filter((agentId) => {
    const seen = [...(sequences.get(agentId) ?? [])].sort((a, b) => a - b);
    return !seen.every((sequence, index) => sequence === index + 1);
  }).length;
  // What was lost, and what the agent's poller and CXone did around it (empty when nothing was).
  const onBusKeys = new Set(cxoneOnBus.map((event) => `${detailOf(event).metadata.agentId}|${canonicalJson(detailOf(event).data)}`));
  const lostEvents = simulator.emittedEvents().filter((event) => ours.has(event.agentId) && !onBusKeys.has(`${event.agentId}|${canonicalJson(event.event)}`));
  const lostDetail = lostEvents.map((event) => ({
    agentId: event.agentId,
    event: event.event,
    emittedAfterBackS: (event.emittedAt - back) / 1000,
    deliveredAfterBackS: event.deliveredAt === undefined ? null : (event.deliveredAt - back) / 1000,
    batches: simulator.deliveredBatches({ agentId: event.agentId }).map((batch) => ({
      atAfterBackS: (batch.deliveredAt - back) / 1000,
      snapshot: batch.snapshot,
      events: batch.events.length,
      request: batch.requestSessionId.slice(-6),
      response: batch.responseSessionId.slice(-6),
    })),
    failures: executionsOf(twin, event.agentId).flatMap((execution) =>
      execution.history
        .filter((entry) => JSON.stringify(entry).includes('Sandbox.Timedout') || JSON.stringify(entry).includes('"unsaved"'))
        .map((entry) => ({ type: entry.type, atAfterBackS: (entry.timestamp - back) / 1000 })),
    ),
  }));
  const cpu = process.cpuUsage(cpuAtStart);
  const summary = (list: number[]) => ({ p50: percentile(list, 50), p90: percentile(list, 90), p99: percentile(list, 99), max: Math.max(...list) });
  const result = {
    sessions,
    outageMinutes: minutes,
    msPerSimulatedSecond: msPerSecond,
    holdSeconds: hold,
    events: figures,
    executionsNotSucceeded: failed,
    sessionsWithoutRunningExecutionWhenBack: notRunningWhenBack,
    sessionsWithSequenceGaps: withGaps,
    maxConcurrentPollsPerAgent: twin.maxConcurrentPollsPerAgent(),
    degradedSessionsWhenBack: degradedWhenBack,
    degradedSessions: degraded.size,
    pollingRecoveredSessions: firstRecoveredAt.size,
    pollingRecoveredSeconds: recoveredEvents.length > 0 ? summary(recoveredEvents) : null,
    scheduledSeconds: summary(scheduled),
    observedSeconds: summary(observed),
    onTheBusAgainSeconds: summary(onBusAgain),
    everySessionPollingAgainAfterRealSeconds: (recoveredAllAt - back) / 1000,
    pollerInvocations: twin.lambdaStats.invocations,
    pollerErrors: Object.fromEntries(twin.lambdaStats.errors),
    machine: { cores: (await import('node:os')).availableParallelism(), loadAverage: (await import('node:os')).loadavg(), node: process.version },
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (Date.now() - startedAt) / 1000,
    peakRssMb: Math.round(peakRssMb),
    eventLoopLagMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
    measuredAt: new Date().toISOString(),
    lost: lostDetail,
  };
  const row = (name: string, list: number[]) =>
    `${name}: p50 ${percentile(list, 50).toFixed(0)} s, p90 ${percentile(list, 90).toFixed(0)} s, max ${Math.max(...list).toFixed(0)} s`;
  console.log(
    `outage ${minutes} min (simulated), ${sessions} sessions, ${figures.emitted} events: lost ${figures.lost}, duplicates ${figures.duplicates} (${figures.duplicatesWithoutEarlierId} without an earlier eventId), sessions with sequence gaps ${withGaps}, executions not SUCCEEDED ${failed}`,
  );
  console.log(`CXone back → every session polling again, ${row('scheduled', scheduled)}`);
  console.log(`CXone back → CXone answers the session's first poll (twin clock, ${msPerSecond} ms per simulated s), ${row('observed', observed)}`);
  console.log(`CXone back → an event on the bus again, ${row('observed', onBusAgain)}`);
  console.log(`sessions that published PollingDegraded ${degraded.size} (${degradedWhenBack} by CXone's return), PollingRecovered ${firstRecoveredAt.size}`);
  console.log(
    `process: ${result.cpuSeconds.toFixed(0)} s CPU in ${result.wallSeconds.toFixed(0)} s, peak RSS ${result.peakRssMb} MB, event-loop lag p99 ${result.eventLoopLagMs.p99.toFixed(0)} ms, ${result.pollerInvocations} poller invocations`,
  );
  if (values.out) writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  clearInterval(rssSampler);
  await twin.close();
  await simulator.close();
}
