#!/usr/bin/env node
/**
 * `npx tsx bench/outage-recovery.ts [--sessions 1000] [--minutes 5] [--ms-per-second 50] [--hold 1]`
 *
 * CXone down (503 and connection resets) for a window of simulated time while N sessions run on the
 * twin, then back: how long from CXone's return until every session polls again. Two figures:
 * - scheduled: what the loop itself decided, from the Wait each session was in when CXone came back
 *   (its start and its backOffSeconds) — independent of this machine's speed;
 * - observed: until each session's PollingRecovered reached the bus, on the twin's simulated clock
 *   (each simulated second lasts --ms-per-second real ms, so the twin's own CPU time is counted too).
 * Not part of the suite: a bench prints figures, it asserts nothing but zero loss.
 */
import { parseArgs } from 'node:util';

// The twin reports its own figures; EMF and INFO lines would flood the output (read when those modules load).
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const { StateName } = await import('../contract/state-machine.js');
const { startCxoneSimulator } = await import('../local/cxone-simulator/index.js');
const { startLocalTwin } = await import('../local/twin/local-twin.js');
const { busyEvents, executionsOf, lifecycleOf, percentile, RECOVERED, recordBus, sleepSimulated, takeCxoneDown } = await import('../test/twin/outage-run.js');
const { accountFor, cxoneEvents, waitFor } = await import('../test/twin/zero-loss.js');

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '5' },
    'ms-per-second': { type: 'string', default: '50' },
    hold: { type: 'string', default: '1' },
  },
});
const sessions = Number(values.sessions);
const minutes = Number(values.minutes);
const msPerSecond = Number(values['ms-per-second']);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

const simulator = await startCxoneSimulator({ agents: 1, seed: 47 });
const twin = await startLocalTwin({
  cxoneIssuerUrl: simulator.issuerUrl,
  credentials: simulator.credentials,
  config: { pollTimeoutSeconds: Number(values.hold) },
  timeScale: 1000 / msPerSecond,
});
const received = recordBus(twin);
try {
  const agentIds = Array.from({ length: sessions }, (_, n) => String(3_500_000 + n));
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
      }),
    );
  }
  const delivered = (agentId: string) => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined);
  await waitFor(() => agentIds.every(delivered), 600_000, 'events before the outage delivered');
  log(`${sessions} sessions polling; CXone down for ${minutes} simulated minutes`);

  takeCxoneDown(simulator);
  for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 2));
  await sleepSimulated(minutes * 60, msPerSecond);
  const backAt = Date.now();
  simulator.clearFaults();
  log('CXone back');

  await waitFor(() => agentIds.every((agentId) => lifecycleOf(received, agentId, RECOVERED).length > 0), 900_000, 'every session recovered');
  // Scheduled: the rest of the Wait each session was in when CXone came back (0 if it was not waiting),
  // read from the history once it is complete.
  const scheduled = agentIds.map((agentId) => {
    const history = executionsOf(twin, agentId).flatMap((execution) => execution.history);
    const lastWait = history
      .filter((event) => event.type === 'StateEntered' && event.state.name === StateName.WaitBeforeNextPoll && event.timestamp <= backAt)
      .at(-1);
    if (!lastWait) return 0;
    const seconds = (lastWait as { state: { input: { backOffSeconds?: number } } }).state.input.backOffSeconds ?? 0;
    return Math.max(0, (lastWait.timestamp + seconds * msPerSecond - backAt) / msPerSecond);
  });
  const observed = agentIds.map((agentId) => ((lifecycleOf(received, agentId, RECOVERED)[0]?.at ?? backAt) - backAt) / msPerSecond);
  await waitFor(() => agentIds.every(delivered), 600_000, 'events of the outage delivered');
  for (const agentId of agentIds) simulator.logoutAgent(agentId);
  await waitFor(() => agentIds.every((agentId) => executionsOf(twin, agentId).every((execution) => execution.status !== 'RUNNING')), 600_000, 'sessions ended');
  const figures = accountFor(simulator, twin, cxoneEvents(received.map(({ event }) => event)), agentIds);
  const failed = agentIds.filter((agentId) => executionsOf(twin, agentId).some((execution) => execution.status !== 'SUCCEEDED')).length;
  const row = (name: string, list: number[]) =>
    `${name}: p50 ${percentile(list, 50).toFixed(0)} s, p90 ${percentile(list, 90).toFixed(0)} s, max ${Math.max(...list).toFixed(0)} s`;
  console.log(
    `outage ${minutes} min (simulated), ${sessions} sessions, ${figures.emitted} events: lost ${figures.lost}, duplicates ${figures.duplicates}, executions not SUCCEEDED ${failed}`,
  );
  console.log(`CXone back → every session polling again, ${row('scheduled', scheduled)}`);
  console.log(`CXone back → PollingRecovered on the bus (twin clock, ${msPerSecond} ms per simulated s), ${row('observed', observed)}`);
} finally {
  await twin.close();
  await simulator.close();
}
