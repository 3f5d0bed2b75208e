import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParkReason } from '../../contract/dead-letter.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { busyEvents, detailOf, executionsOf, type OutageRun, recordBus } from './outage-run.js';
import { accountFor, cxoneEvents, distinctSequences, oneEventIdPerSequence, parkedItems, waitFor } from './zero-loss.js';

/**
 * AWS's side down for longer than every retry budget, in the middle of busy sessions, on the twin's
 * time scale (each simulated second lasts MS_PER_SECOND real ms for Wait states, Retry intervals,
 * schedules and the outage windows): EventBridge and the parking store for an hour, the checkpoint
 * store (DynamoDB) for ten minutes, alone and together with EventBridge. No session ends, every
 * event CXone handed over reaches the bus (or waits whole and then does), duplicates only under the
 * same eventId, sequence gap-free per session.
 *
 * CXone's long-poll hold is real time (HOLD_SECONDS): the store outage is injected while every
 * session's poll is held, so the batch that ends each hold meets a store that refuses it.
 */
const MS_PER_SECOND = 10;
const HOLD_SECONDS = 3;
const SESSIONS = 4;
let simulator: CxoneSimulator;
let twin: LocalTwin;
let received: OutageRun['received'];
let nextAgentId = 3600001;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 53 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: HOLD_SECONDS },
    timeScale: 1000 / MS_PER_SECOND,
  });
  received = recordBus(twin);
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

const delivered = (agentId: string) => simulator.emittedEvents({ agentId }).every((event) => event.deliveredAt !== undefined);
const cxoneDetails = (agentId: string) =>
  cxoneEvents(received.map(({ event }) => event))
    .map(detailOf)
    .filter((detail) => detail.metadata.agentId === agentId);
const parkedFor = (agentIds: string[]) => parkedItems(twin).filter((item) => agentIds.includes(item.agentId));

/** Logged-in, polling sessions whose first events are on the bus, each with its poll held at CXone. */
async function busySessions(): Promise<string[]> {
  const agentIds = Array.from({ length: SESSIONS }, () => String(nextAgentId++));
  for (const agentId of agentIds) {
    simulator.loginAgent(agentId);
    await twin.startSession(agentId);
    simulator.enqueueEvents(agentId, busyEvents(agentId, 'before', 5));
  }
  await waitFor(() => agentIds.every(delivered), 60_000, 'events before the outage delivered');
  await waitFor(() => simulator.stats().heldPolls >= SESSIONS, 30_000, 'every poll held');
  return agentIds;
}

/** The status of each agent's latest execution. */
const latestStatuses = (agentIds: string[]) => agentIds.map((agentId) => executionsOf(twin, agentId).at(-1)?.status);

/** Waits until every AWS outage the test injected is over. */
const outageWindowsClosed = (timeoutMs: number) => waitFor(() => !twin.faults.aws.pending(), timeoutMs, 'the outage windows closed');

/** Logs the agents out and waits until every execution of theirs has ended. */
async function endSessions(agentIds: string[]): Promise<void> {
  await waitFor(() => agentIds.every(delivered), 120_000, 'every event delivered');
  for (const agentId of agentIds) simulator.logoutAgent(agentId);
  await waitFor(() => agentIds.every((agentId) => executionsOf(twin, agentId).every((execution) => execution.status !== 'RUNNING')), 120_000, 'sessions ended');
}

/** The acceptance of #9: nothing ended early, nothing lost, repeats only under the same id, no gap. */
function expectWholeAndInOrder(agentIds: string[], runningAtTheEnd: (string | undefined)[]): void {
  expect(runningAtTheEnd).toEqual(agentIds.map(() => 'RUNNING'));
  for (const agentId of agentIds) {
    expect(executionsOf(twin, agentId).map((execution) => execution.status)).toEqual(executionsOf(twin, agentId).map(() => 'SUCCEEDED'));
    const details = cxoneDetails(agentId);
    const distinct = distinctSequences(details);
    expect(distinct).toEqual(distinct.map((_, index) => index + 1));
    expect(oneEventIdPerSequence(details)).toBe(true);
  }
  const figures = accountFor(simulator, twin, cxoneEvents(received.map(({ event }) => event)), agentIds);
  expect(figures).toMatchObject({ lost: 0, parked: 0, duplicatesWithoutEarlierId: 0 });
  expect(figures.onBus).toBeGreaterThanOrEqual(figures.emitted);
}

/** Whether an execution of the agent carried a checkpoint the store refused (`unsaved` in its state). */
const carriedUnsaved = (agentId: string) =>
  executionsOf(twin, agentId).some((execution) =>
    execution.history.some((event) => (event as { state?: { output?: { unsaved?: unknown } } }).state?.output?.unsaved !== undefined),
  );

describe('EventBridge and the parking store down together for an hour of simulated time', () => {
  it('keeps every session polling, holds the events in the checkpoint store and publishes them in order afterwards', { timeout: 240_000 }, async () => {
    // Prepare
    const agentIds = await busySessions();
    const onBusBefore = agentIds.flatMap(cxoneDetails).length;
    // Act: both refuse for an hour while the agents keep working.
    twin.faults.awsDown('eventbridge', { forSeconds: 3600 });
    twin.faults.awsDown('dlq', { forSeconds: 3600 });
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 5));
    await twin.advance(1800);
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'later', 5));
    await twin.advance(1800);
    const runningAtTheEnd = latestStatuses(agentIds);
    const onBusDuringOutage = agentIds.flatMap(cxoneDetails).length;
    const handedOverDuringOutage = agentIds.every(delivered);
    await outageWindowsClosed(30_000);
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'after', 5));
    await endSessions(agentIds);

    // Assess: CXone handed the events over during the outage; they waited in the store, not on the bus.
    expect(handedOverDuringOutage).toBe(true);
    expect(onBusDuringOutage).toBe(onBusBefore);
    expectWholeAndInOrder(agentIds, runningAtTheEnd);
  });
});

describe('the checkpoint store (DynamoDB) down for ten minutes of simulated time', () => {
  it('publishes the batch it cannot checkpoint, carries the cursor until the store is back, and loses nothing', { timeout: 240_000 }, async () => {
    // Prepare: every session's poll is held at CXone.
    const agentIds = await busySessions();
    // Act: the store refuses; the held polls are answered with a batch each, more events queue at CXone.
    twin.faults.awsDown('dynamodb', { forSeconds: 600 });
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 5));
    await twin.advance(300);
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'later', 5));
    await twin.advance(300);
    const runningAtTheEnd = latestStatuses(agentIds);
    await outageWindowsClosed(30_000);
    await endSessions(agentIds);

    // Assess: each session took the CHECKPOINT_UNAVAILABLE path (its batch published directly, the
    // new cursor and sequence carried in the state), then saved them once the store answered.
    expect(agentIds.filter(carriedUnsaved)).toEqual(agentIds);
    expectWholeAndInOrder(agentIds, runningAtTheEnd);
    // Resumed with the carried cursor: no batch after the join's is a snapshot.
    for (const agentId of agentIds)
      expect(
        simulator
          .deliveredBatches({ agentId })
          .slice(1)
          .filter((batch) => batch.snapshot),
      ).toEqual([]);
  });

  it('parks what EventBridge refuses meanwhile as CHECKPOINT_UNAVAILABLE and the redrive puts it on the bus with its eventId and sequence', {
    timeout: 240_000,
  }, async () => {
    // Prepare
    const agentIds = await busySessions();
    // Act: the store and EventBridge refuse together; the parking store (S3) takes the refused batch.
    twin.faults.awsDown('dynamodb', { forSeconds: 600 });
    twin.faults.awsDown('eventbridge', { forSeconds: 600 });
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 5));
    await waitFor(() => parkedFor(agentIds).length >= agentIds.length * 5, 60_000, 'the refused batches parked');
    const parked = parkedFor(agentIds);
    const runningAtTheEnd = latestStatuses(agentIds);
    await outageWindowsClosed(30_000);
    await waitFor(() => parkedFor(agentIds).length === 0, 60_000, 'the scheduled redrive re-published the parked events');
    await endSessions(agentIds);

    // Assess
    expect(new Set(parked.map((item) => item.reason))).toEqual(new Set([ParkReason.CheckpointUnavailable]));
    const onBus = agentIds.flatMap(cxoneDetails).map((detail) => `${detail.metadata.eventId}|${detail.metadata.sequence}`);
    expect(onBus).toEqual(expect.arrayContaining(parked.map((item) => `${item.eventId}|${item.sequence}`)));
    expect(agentIds.filter(carriedUnsaved)).toEqual(agentIds);
    expectWholeAndInOrder(agentIds, runningAtTheEnd);
  });
});

describe('the checkpoint store down while events already wait in it', () => {
  it('publishes the events that waited from before the store outage, and those of the batch it could not checkpoint', { timeout: 240_000 }, async () => {
    // Prepare: EventBridge refuses, so what CXone hands over waits in the checkpoint store.
    const agentIds = await busySessions();
    twin.faults.awsDown('eventbridge', { forSeconds: 1200 });
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'waiting', 5));
    await waitFor(() => agentIds.every(delivered), 60_000, 'events handed over into the store');
    await waitFor(() => simulator.stats().heldPolls >= SESSIONS, 30_000, 'every poll held');
    // Act: the store goes too; the held polls are answered with a batch that can be neither
    // checkpointed nor published, so it is parked (CHECKPOINT_UNAVAILABLE).
    twin.faults.awsDown('dynamodb', { forSeconds: 600 });
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 5));
    await waitFor(() => parkedFor(agentIds).length >= agentIds.length * 5, 60_000, 'the refused batches parked');
    const runningAtTheEnd = latestStatuses(agentIds);
    await outageWindowsClosed(60_000);
    await waitFor(() => parkedFor(agentIds).length === 0, 60_000, 'the scheduled redrive re-published the parked events');
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'after', 5));
    await endSessions(agentIds);

    // Assess
    expect(agentIds.filter(carriedUnsaved)).toEqual(agentIds);
    expectWholeAndInOrder(agentIds, runningAtTheEnd);
  });

  it('carries a batch that neither the store, EventBridge nor the parking store takes in the state, and publishes it afterwards', {
    timeout: 240_000,
  }, async () => {
    // Prepare
    const agentIds = await busySessions();
    // Act: all three refuse as the held polls are answered.
    for (const target of ['dynamodb', 'eventbridge', 'dlq']) twin.faults.awsDown(target, { forSeconds: 600 });
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'during', 5));
    await twin.advance(300);
    for (const agentId of agentIds) simulator.enqueueEvents(agentId, busyEvents(agentId, 'later', 5));
    await twin.advance(300);
    const runningAtTheEnd = latestStatuses(agentIds);
    await outageWindowsClosed(60_000);
    await endSessions(agentIds);

    // Assess: the batch rode in the state (no resync snapshot: the loop went on with the new cursor).
    const carriedEvents = (agentId: string) =>
      executionsOf(twin, agentId).some((execution) =>
        execution.history.some(
          (event) => ((event as { state?: { output?: { unsaved?: { events?: unknown[] } } } }).state?.output?.unsaved?.events?.length ?? 0) > 0,
        ),
      );
    expect(agentIds.filter(carriedEvents)).toEqual(agentIds);
    for (const agentId of agentIds)
      expect(
        simulator
          .deliveredBatches({ agentId })
          .slice(1)
          .filter((batch) => batch.snapshot),
      ).toEqual([]);
    expectWholeAndInOrder(agentIds, runningAtTheEnd);
  });
});

describe('the AWS outages', () => {
  it('never ran two pollers for one session', () => {
    expect(twin.maxConcurrentPollsPerAgent()).toBe(1);
  });
});
