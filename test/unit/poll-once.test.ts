import { describe, expect, it } from 'vitest';
import type { ParkedItem, ParkPort } from '../../contract/dead-letter.js';
import type { EnvelopeEntry } from '../../contract/envelope.js';
import { CxoneContractViolationError, CxoneSessionNotFoundError, CxoneUnavailableError } from '../../contract/errors.js';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { nextGenerationName, type PollState, PollStateSchema, PollStatus } from '../../contract/poll-state.js';
import type { NextEventOutcome } from '../../lambdas/cxone/agent-api.js';
import { type PollDependencies, pollOnce } from '../../lambdas/poll-session/poll-once.js';
import type { PutEventsEntryResult, PutEventsPort } from '../../lambdas/publishing/publisher.js';

const start = { Type: 'AgentSessionStart', SessionId: '698120331042', AgentId: '2103457', IISHost: 'H', VCHost: 'H' };
const available = { Type: 'AgentState', CurrentState: 'Available', StartTimeUTC: '2025-03-12T14:01:35.000Z' };
const end = { Type: 'AgentSessionEnd', Success: 'True', Message: '' };

/** A CXone that answers from a script (an answer may be an error to throw) and records the polls it saw. */
function scriptedCxone(...answers: (NextEventOutcome | Error)[]) {
  const polls: { sessionId: string; timeoutSeconds: number; deadlineMs: number }[] = [];
  const joins: string[] = [];
  return {
    polls,
    joins,
    joinAnswers: [] as (string | Error)[],
    getNextEvent: async (sessionId: string, timeoutSeconds: number, deadlineMs: number) => {
      polls.push({ sessionId, timeoutSeconds, deadlineMs });
      const answer = answers.shift();
      if (!answer) throw new Error('no more scripted answers');
      if (answer instanceof Error) throw answer;
      return answer;
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

function deps(cxone: PollDependencies['cxone'], putEvents: PutEventsPort, overrides: Partial<PollDependencies> = {}): PollDependencies {
  return {
    cxone,
    putEvents,
    park: recordingParking().park,
    executionName: 'acme-2103457-20250312T140001000Z',
    handOverAfterPolls: 1_000,
    sleep: async () => {},
    tenant: 'acme',
    eventSource: 'cxone.agent-events',
    pollTimeoutSeconds: 60,
    remainingTimeMs: () => 100_000,
    publishReserveMs: 20_000,
    now: () => Date.parse('2025-03-12T14:05:10.000Z'),
    ...overrides,
  };
}

const initial = (overrides: Partial<PollState> = {}): PollState => PollStateSchema.parse({ agentId: '2103457', sessionId: 'cursor-1', ...overrides });
const detailOf = (entry: EnvelopeEntry) => JSON.parse(entry.Detail) as { metadata: Record<string, unknown>; data: unknown };

describe('pollOnce', () => {
  it('publishes a 200 batch in order with increasing sequence and keeps the rotated sessionId', async () => {
    // Prepare
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [start, available] } });
    const bus = recordingBus();
    // Act
    const { state, received, published } = await pollOnce(initial(), deps(cxone, bus.putEvents));
    // Assess
    expect(cxone.polls[0]?.sessionId).toBe('cursor-1');
    expect(state).toMatchObject({ sessionId: 'cursor-2', sequence: 2, platformSessionId: '698120331042', status: PollStatus.Events, pending: [] });
    expect([received, published]).toEqual([2, 2]);
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentSessionStart', 'AgentState']);
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1, 2]);
    expect(detailOf(bus.published[1] as EnvelopeEntry)).toMatchObject({
      metadata: { tenant: 'acme', agentId: '2103457', platformSessionId: '698120331042', schemaVersion: '1' },
      data: available,
    });
    expect(bus.published[0]?.Source).toBe('cxone.agent-events');
  });

  it('continues the sequence across polls', async () => {
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-9', events: [available] } });
    const bus = recordingBus();
    const { state } = await pollOnce(initial({ sequence: 41, platformSessionId: '698120331042' }), deps(cxone, bus.putEvents));
    expect(state.sequence).toBe(42);
    expect(detailOf(bus.published[0] as EnvelopeEntry).metadata).toMatchObject({ sequence: 42, platformSessionId: '698120331042' });
  });

  it('re-polls with the same sessionId after a 304', async () => {
    const cxone = scriptedCxone({ kind: 'no-events' });
    const { state } = await pollOnce(initial(), deps(cxone, recordingBus().putEvents));
    expect(state).toMatchObject({ sessionId: 'cursor-1', sequence: 0, status: PollStatus.NoEvents });
  });

  it('ends on 409', async () => {
    const { state } = await pollOnce(initial(), deps(scriptedCxone({ kind: 'session-ended' }), recordingBus().putEvents));
    expect(state).toMatchObject({ status: PollStatus.Ended, sessionEnded: true });
  });

  it('ends after publishing a batch that holds AgentSessionEnd', async () => {
    const bus = recordingBus();
    const { state } = await pollOnce(initial(), deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c2', events: [available, end] } }), bus.putEvents));
    expect(state.status).toBe(PollStatus.Ended);
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentState', 'AgentSessionEnd']);
  });

  it('asks CXone to hold no longer than the invocation can wait for', async () => {
    const cxone = scriptedCxone({ kind: 'no-events' });
    await pollOnce(initial(), deps(cxone, recordingBus().putEvents, { remainingTimeMs: () => 45_000 }));
    expect(cxone.polls[0]).toEqual({ sessionId: 'cursor-1', timeoutSeconds: 20, deadlineMs: 25_000 });
  });

  it('carries events EventBridge refused, keeps the rotated sessionId, and publishes them first on the next iteration', async () => {
    // Prepare: the first call's entries all fail, every retry too.
    const bus = recordingBus((_, call) => call <= 3);
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [start, available] } });
    // Act
    const first = await pollOnce(initial(), deps(cxone, bus.putEvents, { now: Date.now }));
    // Assess
    expect(first.state).toMatchObject({ sessionId: 'cursor-2', status: PollStatus.PublishPending, publishAttempts: 1, sequence: 2 });
    expect(first.state.pending.map((event) => event.sequence)).toEqual([1, 2]);
    const second = await pollOnce(first.state, deps(cxone, bus.putEvents, { now: Date.now }));
    // No poll in the publishing invocation: a failed poll's retry would otherwise publish them twice.
    expect(cxone.polls.map((poll) => poll.sessionId)).toEqual(['cursor-1']);
    expect(second.state).toMatchObject({ pending: [], publishAttempts: 0, status: PollStatus.Events, sessionId: 'cursor-2' });
    expect(second.published).toBe(2);
    expect(bus.published.map((entry) => detailOf(entry).metadata.sequence)).toEqual([1, 2]);
  });

  it('gives a re-published event the same eventId', async () => {
    const busA = recordingBus();
    const busB = recordingBus();
    await pollOnce(initial(), deps(scriptedCxone({ kind: 'events', response: { sessionId: 'a', events: [start, available] } }), busA.putEvents));
    await pollOnce(initial({ sequence: 7 }), deps(scriptedCxone({ kind: 'events', response: { sessionId: 'b', events: [start, available] } }), busB.putEvents));
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

  it('parks an event over the EventBridge size limit with the reason and publishes the rest of its batch', async () => {
    const bus = recordingBus();
    const parking = recordingParking();
    const huge = { Type: 'CustomEvent', data: 'x'.repeat(300 * 1024) };
    const outcome = await pollOnce(
      initial(),
      deps(scriptedCxone({ kind: 'events', response: { sessionId: 'c', events: [available, huge, end] } }), bus.putEvents, { park: parking.park }),
    );
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentState', 'AgentSessionEnd']);
    expect(parking.parked).toEqual([
      expect.objectContaining({ reason: 'OVERSIZED', sequence: 2, detailType: 'CustomEvent', detail: expect.stringMatching(/256 KB/), payload: huge, truncated: false }),
    ]);
    expect(outcome.state).toMatchObject({ status: PollStatus.Ended, pending: [] });
  });

  it('does not poll while earlier events are still unpublished', async () => {
    const bus = recordingBus(() => true);
    const cxone = scriptedCxone();
    const pendingState = initial({ sequence: 1, pending: [{ sequence: 1, platformSessionId: null, receivedAt: '2025-03-12T14:05:10.000Z', data: available }], publishAttempts: 1 });
    const { state } = await pollOnce(pendingState, deps(cxone, bus.putEvents, { now: Date.now }));
    expect(cxone.polls).toHaveLength(0);
    expect(state).toMatchObject({ status: PollStatus.PublishPending, publishAttempts: 2, sequence: 1 });
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

  it('parks what EventBridge keeps refusing after the last attempt, so the session can poll on', async () => {
    // Prepare
    const parking = recordingParking();
    const stuck = initial({ sequence: 1, publishAttempts: 4, pending: [{ sequence: 1, platformSessionId: '6', receivedAt: '2025-03-12T14:05:10.000Z', data: available }] });
    const cxone = scriptedCxone();
    // Act
    const { state, parked } = await pollOnce(stuck, deps(cxone, recordingBus(() => true).putEvents, { park: parking.park, maxPublishAttempts: 5, now: Date.now }));
    // Assess
    expect(parked).toHaveLength(1);
    expect(parking.parked[0]).toMatchObject({ reason: 'PUBLISH_ATTEMPTS_EXHAUSTED', sequence: 1, agentId: '2103457', platformSessionId: '6', payload: available, detail: expect.any(String) });
    expect(state).toMatchObject({ pending: [], publishAttempts: 0, status: PollStatus.Events });
    expect(cxone.polls).toHaveLength(0);
  });

  it('keeps events pending when the dead-letter queue refuses them too', async () => {
    const stuck = initial({ sequence: 1, publishAttempts: 4, pending: [{ sequence: 1, platformSessionId: null, receivedAt: '2025-03-12T14:05:10.000Z', data: available }] });
    const cxone = scriptedCxone();
    const { state } = await pollOnce(stuck, deps(cxone, recordingBus(() => true).putEvents, { park: recordingParking(true).park, now: Date.now }));
    expect(state).toMatchObject({ status: PollStatus.PublishPending, publishAttempts: 5 });
    expect(state.pending.map((event) => event.sequence)).toEqual([1]);
    expect(cxone.polls).toHaveLength(0);
  });

  it('rejoins the session when CXone no longer knows the cursor (404)', async () => {
    const cxone = scriptedCxone(new CxoneSessionNotFoundError('gone'));
    const { state } = await pollOnce(initial({ sequence: 3 }), deps(cxone, recordingBus().putEvents));
    expect(cxone.joins).toEqual(['2103457']);
    expect(state).toMatchObject({ sessionId: 'joined-1', status: PollStatus.Resynced, resyncs: 1, sequence: 3 });
  });

  it('ends when the session to rejoin no longer exists and the cursor stays unknown', async () => {
    const cxone = scriptedCxone(new CxoneSessionNotFoundError('gone'), new CxoneSessionNotFoundError('still gone'));
    cxone.joinAnswers.push(new CxoneSessionNotFoundError('no session to join'));
    const { state } = await pollOnce(initial(), deps(cxone, recordingBus().putEvents));
    expect(state).toMatchObject({ status: PollStatus.Ended, sessionEnded: true });
    expect(cxone.polls.map((poll) => poll.timeoutSeconds)).toEqual([60, 0]);
  });

  it('collects a final batch still waiting behind a 404 when the session is ending', async () => {
    const bus = recordingBus();
    const cxone = scriptedCxone(new CxoneSessionNotFoundError('glitch'), { kind: 'events', response: { sessionId: 'cursor-9', events: [end] } });
    cxone.joinAnswers.push(new CxoneSessionNotFoundError('session is ending'));
    const { state } = await pollOnce(initial(), deps(cxone, bus.putEvents));
    expect(bus.published.map((entry) => entry.DetailType)).toEqual(['AgentSessionEnd']);
    expect(state).toMatchObject({ status: PollStatus.Ended, sessionId: 'cursor-9' });
  });

  it('parks an unreadable 200 body and polls again with the same cursor instead of failing', async () => {
    const parking = recordingParking();
    const cxone = scriptedCxone(new CxoneContractViolationError('get-next-event answered 200 with a body that is not JSON', { body: '<html>oops</html>' }));
    const { state } = await pollOnce(initial(), deps(cxone, recordingBus().putEvents, { park: parking.park }));
    expect(parking.parked).toEqual([expect.objectContaining({ reason: 'MALFORMED_BATCH', payload: '<html>oops</html>', detail: expect.stringMatching(/not JSON/) })]);
    expect(state).toMatchObject({ status: PollStatus.Resynced, sessionId: 'cursor-1', resyncs: 1 });
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

  it('hands over to the next generation with a deterministic name, carrying cursor and sequence', async () => {
    const cxone = scriptedCxone({ kind: 'events', response: { sessionId: 'cursor-2', events: [available] } });
    const { state } = await pollOnce(initial({ polls: 9, sequence: 4 }), deps(cxone, recordingBus().putEvents, { handOverAfterPolls: 10 }));
    expect(state).toMatchObject({ status: PollStatus.HandOver, polls: 0, sessionId: 'cursor-2', sequence: 5, nextExecutionName: 'acme-2103457-20250312T140001000Z-g2' });
  });

  it.each([
    ['acme-1-20250312T140001000Z', 'acme-1-20250312T140001000Z-g2'],
    ['acme-1-20250312T140001000Z-g2', 'acme-1-20250312T140001000Z-g3'],
    ['acme-1-20250312T140001000Z-g41', 'acme-1-20250312T140001000Z-g42'],
  ])('names the generation after %s %s', (current, next) => {
    expect(nextGenerationName(current)).toBe(next);
  });
});

