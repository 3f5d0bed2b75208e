import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ParkedItem, type ParkPort, ParkReason } from '../../contract/dead-letter.js';
import type { EnvelopeEntry } from '../../contract/envelope.js';
import { CheckpointStoreUnavailableError, CxoneContractViolationError, CxoneSessionNotFoundError, CxoneUnavailableError } from '../../contract/errors.js';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { LegacyPollStateSchema, nextGenerationName, type PollState, PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import type { PollReport } from '../../lambdas/cxone/agent-api.js';
import type { CheckpointStore, SessionCheckpoint } from '../../lambdas/poll-session/checkpoint-store.js';
import { DynamoDbCheckpointStore } from '../../lambdas/poll-session/dynamodb-checkpoint-store.js';
import { type PollDependencies, pollOnce } from '../../lambdas/poll-session/poll-once.js';
import { CLOCK_SKEW_MS, LEASE_MS } from '../../lambdas/poll-session/session-lease.js';
import type { PutEventsEntryResult, PutEventsPort } from '../../lambdas/publishing/publisher.js';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/local-dynamodb.js';

const start = { Type: 'AgentSessionStart', SessionId: '698120331042', AgentId: '2103457', IISHost: 'H', VCHost: 'H' };
const available = { Type: 'AgentState', CurrentState: 'Available', StartTimeUTC: '2025-03-12T14:01:35.000Z' };
const end = { Type: 'AgentSessionEnd', Success: 'True', Message: '' };

/** A CXone client that reports from a script (a report may be an error to throw) and records the polls it made. */
function scriptedCxone(...reports: (PollReport | Error)[]) {
  const polls: { sessionId: string; timeoutSeconds: number; deadlineMs: number }[] = [];
  const joins: string[] = [];
  return {
    polls,
    joins,
    joinAnswers: [] as (string | Error)[],
    getNextEvent: async (sessionId: string, timeoutSeconds: number, deadlineMs: number) => {
      polls.push({ sessionId, timeoutSeconds, deadlineMs });
      const report = reports.shift();
      if (!report) throw new Error('no more scripted reports');
      if (report instanceof Error) throw report;
      return report;
    },
    async joinSession(agentId: string) {
      joins.push(agentId);
      const answer = this.joinAnswers.shift() ?? `joined-${joins.length}`;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

/** A dead-letter store that records what was parked, or refuses. */
function recordingParking(refuse = false) {
  const parked: ParkedItem[] = [];
  const park: ParkPort = async (items) => {
    if (refuse) throw new Error('queue unavailable');
    parked.push(...items);
  };
  return { parked, park };
}

/** A bus that records entries and fails the entries a rule picks. */
function recordingBus(failWhen: (entry: EnvelopeEntry, call: number) => boolean = () => false) {
  const published: EnvelopeEntry[] = [];
  const lifecycle: EnvelopeEntry[] = [];
  let calls = 0;
  const putEvents: PutEventsPort = async (entries) => {
    calls += 1;
    return entries.map((entry): PutEventsEntryResult => {
      if (isLifecycleDetailType(entry.DetailType)) {
        lifecycle.push(entry);
        return {};
      }
      if (failWhen(entry, calls)) return { errorCode: 'ThrottlingException', errorMessage: 'Rate exceeded' };
      published.push(entry);
      return {};
    });
  };
  return { published, lifecycle, putEvents, calls: () => calls };
}

/** The checkpoint store is the real adapter on dynalite: the resume paths run against a real conditional-write implementation. */
const TABLE = 'poll-once-checkpoints';
let dynamo: LocalDynamoDb;
let realStore: DynamoDbCheckpointStore;
beforeAll(async () => {
  const keys = {
    keySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' as const },
      { AttributeName: 'sk', KeyType: 'RANGE' as const },
    ],
  };
  dynamo = await startLocalDynamoDb([
    {
      name: TABLE,
      ...keys,
      attributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      billingMode: 'PAY_PER_REQUEST',
    },
  ]);
  realStore = new DynamoDbCheckpointStore(dynamo.client, TABLE);
});
afterAll(async () => dynamo?.close());

let sessions = 0;
/** A fresh login per test: its own session key in the store. */
function session() {
  sessions += 1;
  const executionName = `acme-2103457-20250312T1400${String(sessions).padStart(2, '0')}000Z`;
  return { executionName, key: executionName };
}

function deps(cxone: PollDependencies['cxone'], putEvents: PutEventsPort, overrides: Partial<PollDependencies> = {}): PollDependencies {
  return {
    cxone,
    putEvents,
    park: recordingParking().park,
    store: realStore,
    executionName: session().executionName,
    handOverAfterPolls: 1_000,
    sleep: async () => {},
    tenant: 'acme',
    eventSource: 'cxone.agent-events',
    pollTimeoutSeconds: 60,
    remainingTimeMs: () => 100_000,
    publishReserveMs: 20_000,
    invocationMaxMs: 100_000,
    now: () => NOW,
    ...overrides,
  };
}

const NOW = Date.parse('2025-03-12T14:05:10.000Z');

/** A session whose checkpoint already exists (an execution that has polled before), its lease held by that execution. */
async function resumed(checkpoint: Partial<SessionCheckpoint> = {}, events: Parameters<CheckpointStore['create']>[2] = [], ownedUntil = NOW + LEASE_MS) {
  const { executionName, key } = session();
  await realStore.create(
    key,
    {
      agentId: '2103457',
      cursor: 'cursor-1',
      sequence: 0,
      publishedThrough: 0,
      lifecycleSequence: 0,
      platformSessionId: null,
      sessionEnded: false,
      ...checkpoint,
    },
    events,
    executionName,
    ownedUntil,
  );
  return { executionName, key };
}

/** The real store, except that a commit the predicate picks fails as an unavailable store fails it. */
function storeRefusingCommitsWhen(refuses: (...args: Parameters<CheckpointStore['commit']>) => boolean): CheckpointStore {
  return Object.create(realStore, {
    commit: {
      value: async (...args: Parameters<CheckpointStore['commit']>) => {
        if (refuses(...args)) throw new CheckpointStoreUnavailableError('could not advance the checkpoint: ServiceUnavailable');
        return realStore.commit(...args);
      },
    },
  });
}

const initial = (overrides: Partial<PollState> = {}): PollState => PollStateSchema.parse({ v: 2, agentId: '2103457', sessionId: 'cursor-1', ...overrides });
const detailOf = (entry: EnvelopeEntry) => JSON.parse(entry.Detail) as { metadata: Record<string, unknown>; data: unknown };
const stored = (sequence: number, data: unknown) => ({ sequence, platformSessionId: '6', receivedAt: '2025-03-12T14:05:10.000Z', data });

describe('pollOnce', () => {
  it('checkpoints a 200 batch, then publishes it in order with increasing sequence, and keeps the rotated cursor', async () => {
    // Prepare
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [start, available] } });
    const bus = recordingBus();
    const d = deps(cxone, bus.putEvents);
    // Act
    const { state, received, published, waiting } = await pollOnce(initial(), d);
    // Assess
    expect(cxone.polls[0]?.sessionId).toBe('cursor-1');
    expect(state).toMatchObject({ v: 2, sequence: 2, status: PollStatus.Events });
    expect(state).not.toHaveProperty('sessionId');
    expect([received, published, waiting]).toEqual([2, 2, 0]);
    expect(await realStore.load(d.executionName)).toMatchObject({ cursor: 'cursor-2', sequence: 2, publishedThrough: 2, platformSessionId: '698120331042' });
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentSessionStart', 'AgentState']);
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1, 2]);
    expect(detailOf(bus.published[1] as EnvelopeEntry)).toMatchObject({
      metadata: { tenant: 'acme', agentId: '2103457', platformSessionId: '698120331042', schemaVersion: '1' },
      data: available,
    });
    expect(bus.published[0]?.Source).toBe('cxone.agent-events');
  });

  it("joins the agent's session itself on the execution's first poll when no cursor was given", async () => {
    const cxone = scriptedCxone({ kind: 'no-events' });
    const d = deps(cxone, recordingBus().putEvents);
    const { state } = await pollOnce(PollStateSchema.parse({ v: 2, agentId: '2103457' }), d);
    expect(cxone.joins).toEqual(['2103457']);
    expect(cxone.polls[0]?.sessionId).toBe('joined-1');
    expect(state.status).toBe(PollStatus.NoEvents);
    expect(await realStore.load(d.executionName)).toMatchObject({ cursor: 'joined-1', sequence: 0 });
  });

  it('ends without polling when there is no session to join', async () => {
    const cxone = scriptedCxone();
    cxone.joinAnswers.push(new CxoneSessionNotFoundError('no session'));
    const { state } = await pollOnce(PollStateSchema.parse({ v: 2, agentId: '2103457' }), deps(cxone, recordingBus().putEvents));
    expect(state.status).toBe(PollStatus.Ended);
    expect(cxone.polls).toHaveLength(0);
  });

  it('continues the sequence of the checkpoint, across executions of the same login', async () => {
    // The earlier execution's lease has run out: it polls no more.
    const { executionName } = await resumed({ sequence: 41, publishedThrough: 41, platformSessionId: '698120331042', cursor: 'cursor-8' }, [], NOW - 1);
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-9', events: [available] } });
    const bus = recordingBus();
    // The restart of this login, in its second generation: same session key.
    const { state } = await pollOnce(initial({ sessionId: undefined }), deps(cxone, bus.putEvents, { executionName: `${executionName}-r1-g2` }));
    expect(cxone.polls[0]?.sessionId).toBe('cursor-8');
    expect(cxone.joins).toEqual([]);
    expect(state.sequence).toBe(42);
    expect(detailOf(bus.published[0] as EnvelopeEntry).metadata).toMatchObject({ sequence: 42, platformSessionId: '698120331042' });
  });

  it('re-polls with the same cursor after a 304, writing nothing', async () => {
    const { executionName, key } = await resumed();
    const cxone = scriptedCxone({ kind: 'no-events' });
    const { state } = await pollOnce(initial(), deps(cxone, recordingBus().putEvents, { executionName }));
    expect(state).toMatchObject({ sequence: 0, status: PollStatus.NoEvents });
    expect(await realStore.load(key)).toMatchObject({ cursor: 'cursor-1' });
  });

  it('ends on 409', async () => {
    const d = deps(scriptedCxone({ kind: 'session-ended' }), recordingBus().putEvents);
    const { state } = await pollOnce(initial(), d);
    expect(state).toMatchObject({ status: PollStatus.Ended });
    expect(await realStore.load(d.executionName)).toMatchObject({ sessionEnded: true, endReason: 'session-gone' });
  });

  it('ends after publishing a batch that holds AgentSessionEnd', async () => {
    const bus = recordingBus();
    const { state } = await pollOnce(
      initial(),
      deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c2', events: [available, end] } }), bus.putEvents),
    );
    expect(state.status).toBe(PollStatus.Ended);
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentState', 'AgentSessionEnd']);
    expect(bus.lifecycle.map((entry) => JSON.parse(entry.Detail).data.reason).filter(Boolean)).toEqual(['agent-session-end']);
  });

  it('asks CXone to hold no longer than the invocation can wait for', async () => {
    const cxone = scriptedCxone({ kind: 'no-events' });
    await pollOnce(initial(), deps(cxone, recordingBus().putEvents, { remainingTimeMs: () => 45_000 }));
    expect(cxone.polls[0]).toEqual({ sessionId: 'cursor-1', timeoutSeconds: 20, deadlineMs: 25_000 });
  });

  it('keeps events EventBridge refused in the store, polls on, and publishes them first, in order, once it accepts', async () => {
    // Prepare: EventBridge refuses everything during the first two invocations.
    let refusing = true;
    const bus = recordingBus(() => refusing);
    const cxone = scriptedCxone(
      { kind: 'events', response: { sessionId: 'cursor-2', events: [start, available] } },
      { kind: 'events', response: { sessionId: 'cursor-3', events: [end] } },
    );
    const d = deps(cxone, bus.putEvents, { now: Date.now });
    // Act
    const first = await pollOnce(initial(), d);
    const second = await pollOnce(first.state, d);
    refusing = false;
    const third = await pollOnce(second.state, d);
    // Assess: the loop kept polling (no attempt limit, nothing parked), the state never held an event.
    expect(cxone.polls.map((poll) => poll.sessionId)).toEqual(['cursor-1', 'cursor-2']);
    expect([first.state.status, second.state.status, third.state.status]).toEqual([PollStatus.Events, PollStatus.PublishPending, PollStatus.Ended]);
    expect([first.waiting, second.waiting, third.waiting]).toEqual([2, 3, 0]);
    expect(JSON.stringify(second.state)).not.toContain('AgentSessionStart');
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1, 2, 3]);
    expect(third.parked).toEqual([]);
  });

  it('resumes from the checkpoint when a retried invocation gets the input of one that already ran: no poll with the consumed cursor, same ids', async () => {
    // Prepare: the first run checkpointed and published, but its result never reached Step Functions.
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [start, available] } }, { kind: 'no-events' });
    const bus = recordingBus();
    const d = deps(cxone, bus.putEvents);
    const input = initial();
    await pollOnce(input, d);
    // Act: the Retry sends the same input again.
    const retried = await pollOnce(input, d);
    // Assess
    expect(cxone.polls.map((poll) => poll.sessionId)).toEqual(['cursor-1', 'cursor-2']);
    expect(retried.state).toMatchObject({ sequence: 2, status: PollStatus.NoEvents });
    expect(bus.published).toHaveLength(2);
  });

  it('publishes a checkpointed batch the crashed invocation never published, before polling, with the same ids', async () => {
    const { executionName } = await resumed({ cursor: 'cursor-2', sequence: 2, publishedThrough: 0, platformSessionId: '6' }, [
      stored(1, start),
      stored(2, available),
    ]);
    const cxone = scriptedCxone({ kind: 'no-events' });
    const bus = recordingBus();
    const outcome = await pollOnce(initial(), deps(cxone, bus.putEvents, { executionName }));
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1, 2]);
    expect(cxone.polls.map((poll) => poll.sessionId)).toEqual(['cursor-2']);
    expect(outcome.published).toBe(2);
    const again = recordingBus();
    await pollOnce(initial(), deps(scriptedCxone(), again.putEvents, { executionName: `${executionName}-g2` })).catch(() => undefined);
    expect(again.published).toEqual([]);
  });

  it('publishes nothing when another invocation advanced the checkpoint from the same cursor first', async () => {
    const { executionName, key } = await resumed();
    const bus = recordingBus();
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-x', events: [available] } });
    // The other invocation commits while this one waits for CXone.
    const racing: PollDependencies['cxone'] = {
      joinSession: cxone.joinSession.bind(cxone),
      getNextEvent: async (...args) => {
        await realStore.commit(
          key,
          { cursor: 'cursor-1', sequence: 0 },
          { cursor: 'cursor-2', sequence: 1, platformSessionId: null, sessionEnded: false },
          [stored(1, start)],
          Date.now() + 60_000,
          { through: 0, unpublishedInline: [] },
        );
        return cxone.getNextEvent(...args);
      },
    };
    const { state } = await pollOnce(initial(), deps(racing, bus.putEvents, { executionName }));
    expect(state.status).toBe(PollStatus.NoEvents);
    expect(bus.published).toEqual([]);
    const head = await realStore.load(key);
    expect(head).toMatchObject({ cursor: 'cursor-2', sequence: 1 });
    expect(await realStore.backlog(key, 0, 1, 1_000_000, head?.inline)).toEqual([stored(1, start)]);
  });

  it("does not poll while another invocation holds the checkpoint's write lock", async () => {
    const { executionName } = await resumed();
    const locked: CheckpointStore = Object.create(realStore, {
      load: {
        value: async (...args: Parameters<CheckpointStore['load']>) => {
          const loaded = await realStore.load(...args);
          return loaded && { ...loaded, lockedUntil: NOW + 30_000 };
        },
      },
    });
    const cxone = scriptedCxone();
    await expect(pollOnce(initial(), deps(cxone, recordingBus().putEvents, { executionName, store: locked }))).rejects.toBeInstanceOf(
      CheckpointStoreUnavailableError,
    );
    expect(cxone.polls).toHaveLength(0);
  });

  it("lets a restart poll only once the stopped execution's last invocation has yielded the session's lease", async () => {
    // Prepare: the stopped execution owns the lease; its last invocation is holding a poll when the restart starts.
    const { executionName, key } = await resumed();
    const restart = `${executionName}-r1`;
    let holding = 0;
    let mostAtOnce = 0;
    const polls: string[] = [];
    const cxone: PollDependencies['cxone'] = {
      joinSession: async () => 'unused',
      getNextEvent: async (sessionId) => {
        holding += 1;
        mostAtOnce = Math.max(mostAtOnce, holding);
        polls.push(sessionId);
        if (polls.length === 1) {
          // Act: the restart's first invocation claims the lease and waits, without polling.
          const waited = await pollOnce(initial(), deps(cxone, recordingBus().putEvents, { executionName: restart, remainingTimeMs: () => 25_000 }));
          expect(waited).toMatchObject({ waitedForLease: true, state: { status: PollStatus.NoEvents, announced: false } });
          expect((await realStore.load(key))?.lease).toMatchObject({ owner: executionName, claimant: restart });
        }
        holding -= 1;
        return { kind: 'no-events' };
      },
    };
    // The owner's last invocation ends: it sees the claim and yields.
    await pollOnce({ ...initial(), publishedThrough: 0 }, deps(cxone, recordingBus().putEvents, { executionName }));
    expect((await realStore.load(key))?.lease).toEqual({ owner: restart, ownedUntil: NOW + LEASE_MS });
    const { state } = await pollOnce(initial(), deps(cxone, recordingBus().putEvents, { executionName: restart }));
    // Assess: one poll by the owner's last invocation, then one by the restart; never both at once.
    expect(state.status).toBe(PollStatus.NoEvents);
    expect(polls).toEqual(['cursor-1', 'cursor-1']);
    expect(mostAtOnce).toBe(1);
  });

  it('takes the lease from a claimed owner that never yields once the claim is older than the longest invocation', async () => {
    const { executionName, key } = await resumed();
    const restart = `${executionName}-r1`;
    let now = NOW;
    const cxone = scriptedCxone({ kind: 'no-events' });
    const at = () => deps(cxone, recordingBus().putEvents, { executionName: restart, now: () => now, remainingTimeMs: () => 25_000 });
    await pollOnce(initial(), at());
    expect(cxone.polls).toHaveLength(0);
    now += 100_000 + CLOCK_SKEW_MS + 1;
    await pollOnce(initial(), at());
    expect(cxone.polls).toHaveLength(1);
    expect((await realStore.load(key))?.lease).toMatchObject({ owner: restart });
  });

  it('hands the lease from one generation to the next without waiting, and renews it before it would run out during a poll', async () => {
    const { executionName, key } = await resumed({}, [], NOW + 60_000);
    const cxone = scriptedCxone({ kind: 'no-events' }, { kind: 'no-events' });
    await pollOnce({ ...initial(), publishedThrough: 0 }, deps(cxone, recordingBus().putEvents, { executionName }));
    // 60 s left is less than an invocation may take: renewed first.
    expect((await realStore.load(key))?.lease).toEqual({ owner: executionName, ownedUntil: NOW + LEASE_MS });
    await pollOnce({ ...initial(), publishedThrough: 0 }, deps(cxone, recordingBus().putEvents, { executionName: nextGenerationName(executionName) }));
    expect((await realStore.load(key))?.lease).toEqual({ owner: nextGenerationName(executionName), ownedUntil: NOW + LEASE_MS });
    expect(cxone.polls).toHaveLength(2);
  });

  it('never polls beside another execution that took the lease from this one: it was superseded', async () => {
    const { executionName, key } = await resumed();
    const other = `${executionName}-r1`;
    const loaded = await realStore.load(key);
    await realStore.takeLease(key, other, NOW + LEASE_MS, { ...loaded?.lease, ownedUntil: loaded?.lease.ownedUntil });
    // The lease as seen had to match: take it for real with the owner's values.
    expect((await realStore.load(key))?.lease.owner).toBe(other);
    const cxone = scriptedCxone();
    await expect(pollOnce({ ...initial(), publishedThrough: 0 }, deps(cxone, recordingBus().putEvents, { executionName }))).rejects.toThrow(
      `execution ${other} polls this session now`,
    );
    expect(cxone.polls).toHaveLength(0);
  });

  it('publishes directly and carries the checkpoint in the state when the store refuses it after CXone answered, then saves it', async () => {
    // Prepare: a store that fails the commit once.
    const { executionName, key } = await resumed();
    let failCommit = true;
    const flaky = storeRefusingCommitsWhen((...args) => failCommit && args[4] > 0 && args[3].length > 0);
    const bus = recordingBus();
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [start, available] } }, { kind: 'no-events' });
    const d = deps(cxone, bus.putEvents, { executionName, store: flaky });
    // Act
    const first = await pollOnce(initial(), d);
    failCommit = false;
    const second = await pollOnce(first.state, d);
    // Assess
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1, 2]);
    expect(first.state.unsaved).toMatchObject({ expectedCursor: 'cursor-1', cursor: 'cursor-2', sequence: 2 });
    expect(cxone.polls.map((poll) => poll.sessionId)).toEqual(['cursor-1', 'cursor-2']);
    expect(second.state).not.toHaveProperty('unsaved');
    expect(await realStore.load(key)).toMatchObject({ cursor: 'cursor-2', sequence: 2, publishedThrough: 2 });
  });

  it('carries the batch in the state when the store, EventBridge and the dead-letter store all refuse it, and stores and publishes it once the store is back', async () => {
    // Prepare: a store whose commit fails once, a bus that refuses once, a dead-letter store that refuses.
    const { executionName, key } = await resumed();
    let down = true;
    const flaky = storeRefusingCommitsWhen(() => down);
    const bus = recordingBus(() => down);
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [start, available] } }, { kind: 'no-events' });
    const d = deps(cxone, bus.putEvents, { executionName, store: flaky, park: recordingParking(true).park });
    // Act
    const first = await pollOnce(initial(), d);
    down = false;
    const second = await pollOnce(first.state, d);
    // Assess: carried, then stored and published in order; the loop went on with the new cursor.
    expect(first.state.unsaved?.events?.map((event) => event.sequence)).toEqual([1, 2]);
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1, 2]);
    expect(cxone.polls.map((poll) => poll.sessionId)).toEqual(['cursor-1', 'cursor-2']);
    expect(second.state).not.toHaveProperty('unsaved');
    expect(await realStore.load(key)).toMatchObject({ cursor: 'cursor-2', sequence: 2, publishedThrough: 2 });
  });

  it('still publishes events that waited in the store before it refused a later batch', async () => {
    // Prepare: one event waits in the store (EventBridge had refused it); the store then refuses a commit.
    const waiting = { sequence: 1, platformSessionId: null, receivedAt: '2025-03-12T14:05:00.000Z', data: start };
    const { executionName, key } = await resumed({ sequence: 1, publishedThrough: 0 }, [waiting]);
    let down = true;
    const flaky = storeRefusingCommitsWhen(() => down);
    const bus = recordingBus(() => down);
    const parking = recordingParking();
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [available] } }, { kind: 'no-events' });
    const d = deps(cxone, bus.putEvents, { executionName, store: flaky, park: parking.park });
    // Act
    const first = await pollOnce(initial(), d);
    down = false;
    await pollOnce(first.state, d);
    // Assess: the new batch was parked; the event that waited from before reached the bus afterwards.
    expect(parking.parked.map((item) => [item.reason, item.sequence])).toEqual([[ParkReason.CheckpointUnavailable, 2]]);
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1]);
    expect(await realStore.load(key)).toMatchObject({ cursor: 'cursor-2', sequence: 2, publishedThrough: 2 });
  });

  it('migrates a state written by the build before version 2: cursor, sequence and pending events move into the store', async () => {
    // Prepare: the old shape, with one event EventBridge had refused.
    const legacy = LegacyPollStateSchema.parse({
      agentId: '2103457',
      sessionId: 'cursor-5',
      sequence: 4,
      platformSessionId: '6',
      pending: [stored(4, available)],
      publishAttempts: 2,
      polls: 7,
      announced: true,
      status: 'PUBLISH_PENDING',
    });
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-6', events: [end] } }, { kind: 'no-events' });
    const bus = recordingBus();
    const d = deps(cxone, bus.putEvents);
    // Act, twice with the same input: a retried migration is the same migration.
    const once = await pollOnce(legacy, d);
    const again = await pollOnce(legacy, d);
    // Assess
    expect(once.migrated).toBe(true);
    expect(once.state).toMatchObject({ v: 2, polls: 8, sequence: 5, status: PollStatus.Ended });
    expect(once.state).not.toHaveProperty('pending');
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([4, 5]);
    expect(cxone.polls.map((poll) => poll.sessionId)).toEqual(['cursor-5']);
    expect(again.state.status).toBe(PollStatus.Ended);
  });

  it('gives a re-published event the same eventId', async () => {
    const busA = recordingBus();
    const busB = recordingBus();
    await pollOnce(initial(), deps(scriptedCxone({ kind: 'events', response: { sessionId: 'a', events: [start, available] } }), busA.putEvents));
    await pollOnce(initial(), deps(scriptedCxone({ kind: 'events', response: { sessionId: 'b', events: [start, available] } }), busB.putEvents));
    const ids = (bus: typeof busA) => bus.published.map((entry) => detailOf(entry).metadata.eventId);
    expect(ids(busA)).toEqual(ids(busB));
    expect(new Set(ids(busA)).size).toBe(2);
  });

  it('publishes an event of unknown type as it came', async () => {
    const bus = recordingBus();
    const novel = { Type: 'BrandNewThing', Foo: 'bar' };
    const untyped = { Foo: 'no type at all' };
    await pollOnce(initial(), deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c', events: [novel, untyped] } }), bus.putEvents));
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['BrandNewThing', 'UntypedCxoneEvent']);
    expect(bus.published.map((entry) => detailOf(entry).data)).toEqual([novel, untyped]);
  });

  it('publishes an event of 700 KB whole, under the 1 MB EventBridge limit', async () => {
    const bus = recordingBus();
    const parking = recordingParking();
    const large = { Type: 'CustomEvent', data: 'x'.repeat(700 * 1024) };
    await pollOnce(
      initial(),
      deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c', events: [available, large] } }), bus.putEvents, { park: parking.park }),
    );
    expect(bus.published.map((entry) => detailOf(entry).data)).toEqual([available, large]);
    expect(parking.parked).toEqual([]);
  });

  it('publishes an event over 1 MB as a claim check in its place in the batch', async () => {
    const bus = recordingBus();
    const parking = recordingParking();
    const stored: EnvelopeEntry[] = [];
    const huge = { Type: 'CustomEvent', data: 'x'.repeat(1_200_000) };
    const outcome = await pollOnce(
      initial(),
      deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c', events: [available, huge, end] } }), bus.putEvents, {
        park: parking.park,
        claimCheck: async (entry) => {
          stored.push(entry);
          return { ...entry, Detail: JSON.stringify({ metadata: JSON.parse(entry.Detail).metadata, claimCheck: { key: 'k' } }) };
        },
      }),
    );
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentState', 'CustomEvent', 'AgentSessionEnd']);
    expect(JSON.parse(bus.published[1]?.Detail ?? '{}')).toMatchObject({ metadata: { sequence: 2 }, claimCheck: { key: 'k' } });
    expect(stored.map((entry) => JSON.parse(entry.Detail).data)).toEqual([huge]);
    expect(parking.parked).toEqual([]);
    expect(outcome.state).toMatchObject({ status: PollStatus.Ended });
  });

  it('parks an event over 1 MB whole when there is no claim-check store, and publishes the rest of its batch', async () => {
    const bus = recordingBus();
    const parking = recordingParking();
    const huge = { Type: 'CustomEvent', data: 'x'.repeat(1_200_000) };
    const outcome = await pollOnce(
      initial(),
      deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c', events: [available, huge, end] } }), bus.putEvents, { park: parking.park }),
    );
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentState', 'AgentSessionEnd']);
    expect(parking.parked).toEqual([
      expect.objectContaining({
        reason: 'OVERSIZED',
        sequence: 2,
        detailType: 'CustomEvent',
        detail: expect.stringMatching(/1000000/),
        payload: huge,
        truncated: false,
      }),
    ]);
    expect(outcome.state).toMatchObject({ status: PollStatus.Ended });
  });

  it('keeps an event the dead-letter queue refuses in the store, and what follows it, in order', async () => {
    const bus = recordingBus();
    // Over the 1 MB entry limit, with no claim-check store in these deps: it must be parked, and parking is refused.
    const huge = { Type: 'CustomEvent', data: 'x'.repeat(1_200_000) };
    const d = deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c', events: [available, huge, end] } }), bus.putEvents, {
      park: recordingParking(true).park,
    });
    const { state, waiting } = await pollOnce(initial(), d);
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentState']);
    expect(state.status).toBe(PollStatus.PublishPending);
    expect(waiting).toBe(2);
    expect(await realStore.backlog(d.executionName, 1, 3, 10_000_000)).toEqual([
      expect.objectContaining({ sequence: 2, data: huge }),
      expect.objectContaining({ sequence: 3, data: end }),
    ]);
  });

  it('publishes a state event that a resync snapshot repeats in the same batch once, in its later place', async () => {
    // Prepare: a join snapshot restates the session, then the queued events that built it follow.
    const leg = { Type: 'AgentLeg', AgentLegId: '1', Status: 'Active', FinalState: 'False' };
    const permissions = { Type: 'UpdatePermissions' };
    const snapshotThenQueue = [start, leg, available, start, permissions, permissions, leg, available];
    const bus = recordingBus();
    // Act
    const outcome = await pollOnce(initial(), deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c', events: snapshotThenQueue } }), bus.putEvents));
    // Assess
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentSessionStart', 'UpdatePermissions', 'UpdatePermissions', 'AgentLeg', 'AgentState']);
    expect(outcome).toMatchObject({ received: 8, restatementsDropped: 3 });
    expect(outcome.state.sequence).toBe(5);
  });

  it('rejoins the session when CXone no longer knows the cursor (404), and checkpoints the new cursor', async () => {
    const { executionName, key } = await resumed({ sequence: 3, publishedThrough: 3 });
    const cxone = scriptedCxone(new CxoneSessionNotFoundError('gone'));
    const { state } = await pollOnce(initial(), deps(cxone, recordingBus().putEvents, { executionName }));
    expect(cxone.joins).toEqual(['2103457']);
    expect(state).toMatchObject({ status: PollStatus.Resynced, resyncs: 1, sequence: 3 });
    expect(await realStore.load(key)).toMatchObject({ cursor: 'joined-1', sequence: 3 });
  });

  it('ends when the session to rejoin no longer exists and the cursor stays unknown', async () => {
    const cxone = scriptedCxone(new CxoneSessionNotFoundError('gone'), new CxoneSessionNotFoundError('still gone'));
    cxone.joinAnswers.push(new CxoneSessionNotFoundError('no session to join'));
    const { state } = await pollOnce(initial(), deps(cxone, recordingBus().putEvents));
    expect(state).toMatchObject({ status: PollStatus.Ended });
    expect(cxone.polls.map((poll) => poll.timeoutSeconds)).toEqual([60, 0]);
  });

  it('collects a final batch still waiting behind a 404 when the session is ending', async () => {
    const bus = recordingBus();
    const cxone = scriptedCxone(new CxoneSessionNotFoundError('glitch'), { kind: 'events', response: { sessionId: 'cursor-9', events: [end] } });
    cxone.joinAnswers.push(new CxoneSessionNotFoundError('session is ending'));
    const d = deps(cxone, bus.putEvents);
    const { state } = await pollOnce(initial(), d);
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentSessionEnd']);
    expect(state).toMatchObject({ status: PollStatus.Ended });
    expect(await realStore.load(d.executionName)).toMatchObject({ cursor: 'cursor-9' });
  });

  it('parks an unreadable 200 body and polls again with the same cursor instead of failing', async () => {
    const parking = recordingParking();
    const cxone = scriptedCxone(new CxoneContractViolationError('get-next-event answered 200 with a body that is not JSON', { body: '<html>oops</html>' }));
    const d = deps(cxone, recordingBus().putEvents, { park: parking.park });
    const { state } = await pollOnce(initial(), d);
    expect(parking.parked).toEqual([
      expect.objectContaining({ reason: 'MALFORMED_BATCH', payload: '<html>oops</html>', detail: expect.stringMatching(/not JSON/) }),
    ]);
    expect(state).toMatchObject({ status: PollStatus.Resynced, resyncs: 1 });
    expect(await realStore.load(d.executionName)).toMatchObject({ cursor: 'cursor-1' });
    expect(cxone.joins).toEqual([]);
  });

  it('waits out Retry-After inside the invocation before reporting CXone unavailable', async () => {
    const waits: number[] = [];
    const cxone = scriptedCxone(new CxoneUnavailableError('CXone get-next-event answered HTTP 503', 7));
    await expect(pollOnce(initial(), deps(cxone, recordingBus().putEvents, { sleep: async (ms) => void waits.push(ms) }))).rejects.toMatchObject({
      name: 'CxoneUnavailableError',
    });
    expect(waits).toEqual([7_000]);
  });

  it('hands over to the next generation with a deterministic name; the checkpoint carries cursor and sequence', async () => {
    const { executionName, key } = await resumed({ sequence: 4, publishedThrough: 4 });
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [available] } });
    const { state } = await pollOnce(initial({ polls: 9 }), deps(cxone, recordingBus().putEvents, { handOverAfterPolls: 10, executionName }));
    expect(state).toMatchObject({ status: PollStatus.HandOver, polls: 0, sequence: 5, nextExecutionName: `${executionName}-g2` });
    expect(await realStore.load(key)).toMatchObject({ cursor: 'cursor-2', sequence: 5 });
  });

  it('hands over after the answered poll when an operator asked this execution to, and only this one', async () => {
    const { executionName, key } = await resumed({ sequence: 4, publishedThrough: 4 });
    expect(await realStore.requestHandOver(key, executionName)).toBe(true);
    const bus = recordingBus();
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [available] } }, { kind: 'no-events' });
    const { state } = await pollOnce(initial({ polls: 3 }), deps(cxone, bus.putEvents, { executionName }));
    expect(state).toMatchObject({ status: PollStatus.HandOver, polls: 0, sequence: 5, nextExecutionName: `${executionName}-g2` });
    // What the answered poll delivered is on the bus and checkpointed before the hand-over.
    expect(bus.published).toHaveLength(1);
    expect(await realStore.load(key)).toMatchObject({ cursor: 'cursor-2', sequence: 5, publishedThrough: 5, handOverRequestedFor: executionName });
    // The next generation reads the same request and polls on.
    const next = await pollOnce({ ...state, status: undefined }, deps(cxone, bus.putEvents, { executionName: `${executionName}-g2` }));
    expect(next.state.status).toBe(PollStatus.NoEvents);
  });

  it('refuses a hand-over request for a session that has no checkpoint', async () => {
    expect(await realStore.requestHandOver('acme-2103457-nosuchlogin', 'acme-2103457-nosuchlogin')).toBe(false);
  });

  it("numbers lifecycle events in their own series, never with a CXone event's sequence", async () => {
    const bus = recordingBus();
    const cxone = scriptedCxone(
      { kind: 'events', response: { sessionId: 'c2', events: [start] } },
      { kind: 'events', response: { sessionId: 'c3', events: [end] } },
    );
    const d = deps(cxone, bus.putEvents);
    const first = await pollOnce(initial(), d);
    await pollOnce(first.state, d);
    const metadata = bus.lifecycle.map((entry) => detailOf(entry).metadata);
    expect(metadata.map((m) => [m.lifecycleSequence, m.afterSequence])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(metadata.every((m) => !('sequence' in m))).toBe(true);
  });

  it.each([
    ['acme-1-20250312T140001000Z', 'acme-1-20250312T140001000Z-g2'],
    ['acme-1-20250312T140001000Z-g2', 'acme-1-20250312T140001000Z-g3'],
    ['acme-1-20250312T140001000Z-g41', 'acme-1-20250312T140001000Z-g42'],
  ])('names the generation after %s %s', (current, next) => {
    expect(nextGenerationName(current)).toBe(next);
  });
});
