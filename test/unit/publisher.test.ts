import { describe, expect, it } from 'vitest';
import type { EnvelopeEntry } from '../../contract/envelope.js';
import { putEventsEntrySize } from '../../lambdas/publishing/limits.js';
import { type PutEventsPort, publishInOrder } from '../../lambdas/publishing/publisher.js';

const entry = (n: number, detailBytes = 20): EnvelopeEntry => ({
  Source: 'cxone.agent-events',
  DetailType: 'AgentState',
  Detail: JSON.stringify({ n, pad: 'p'.repeat(detailBytes) }),
  Time: new Date(0),
});
const options = { deadline: Number.POSITIVE_INFINITY, sleep: async () => {}, random: () => 0.5 };

describe('publishInOrder', () => {
  it('sends requests of at most 10 entries, in order', async () => {
    const requests: number[][] = [];
    const port: PutEventsPort = async (entries) => {
      requests.push(entries.map((e) => JSON.parse(e.Detail).n));
      return entries.map(() => ({}));
    };
    const failures = await publishInOrder(
      Array.from({ length: 23 }, (_, n) => entry(n)),
      port,
      options,
    );
    expect(failures).toEqual([]);
    expect(requests.map((r) => r.length)).toEqual([10, 10, 3]);
    expect(requests.flat()).toEqual(Array.from({ length: 23 }, (_, n) => n));
  });

  it('splits requests so their total size stays under 1 MB', async () => {
    const sizes: number[] = [];
    const port: PutEventsPort = async (entries) => {
      sizes.push(entries.reduce((sum, e) => sum + putEventsEntrySize(e), 0));
      return entries.map(() => ({}));
    };
    await publishInOrder(
      Array.from({ length: 5 }, (_, n) => entry(n, 400 * 1024)),
      port,
      options,
    );
    expect(sizes.length).toBe(3);
    for (const size of sizes) expect(size).toBeLessThan(1_000_000);
  });

  it('sends an entry of 700 KB as it is', async () => {
    const sent: EnvelopeEntry[] = [];
    const port: PutEventsPort = async (entries) => {
      sent.push(...entries);
      return entries.map(() => ({}));
    };
    const big = entry(0, 700 * 1024);
    const failures = await publishInOrder([big], port, { ...options, claimCheck: async () => expect.unreachable('no claim check under the limit') });
    expect(failures).toEqual([]);
    expect(sent).toEqual([big]);
  });

  it('sends the claim check instead of an entry of 1 MB or more, in its place', async () => {
    const sent: EnvelopeEntry[] = [];
    const port: PutEventsPort = async (entries) => {
      sent.push(...entries);
      return entries.map(() => ({}));
    };
    const pointer = { ...entry(1), Detail: '{"claimCheck":{}}' };
    const failures = await publishInOrder([entry(0), entry(1, 1_000_000), entry(2)], port, { ...options, claimCheck: async () => pointer });
    expect(failures).toEqual([]);
    expect(sent.map((e) => e.Detail)).toEqual([entry(0).Detail, pointer.Detail, entry(2).Detail]);
  });

  it('reports an entry of 1 MB or more as retryable when its claim check cannot be stored', async () => {
    const port: PutEventsPort = async (entries) => entries.map(() => ({}));
    const failures = await publishInOrder([entry(0, 1_000_000)], port, {
      ...options,
      claimCheck: async () => {
        throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
      },
    });
    expect(failures).toEqual([{ index: 0, retryable: true, reason: expect.stringMatching(/claim check could not be stored: ServiceUnavailable/) }]);
  });

  it('reports an entry of 1 MB or more as not retryable when there is no claim-check store', async () => {
    const port: PutEventsPort = async (entries) => entries.map(() => ({}));
    const failures = await publishInOrder([entry(0, 1_000_000)], port, options);
    expect(failures).toEqual([{ index: 0, retryable: false, reason: expect.stringMatching(/over the EventBridge limit of 1000000/) }]);
  });

  it('retries only the entries that failed', async () => {
    const seen: number[][] = [];
    let call = 0;
    const port: PutEventsPort = async (entries) => {
      call += 1;
      seen.push(entries.map((e) => JSON.parse(e.Detail).n));
      return entries.map((e) => (call === 1 && JSON.parse(e.Detail).n % 2 === 0 ? { errorCode: 'ThrottlingException' } : {}));
    };
    const failures = await publishInOrder(
      [0, 1, 2, 3].map((n) => entry(n)),
      port,
      options,
    );
    expect(failures).toEqual([]);
    expect(seen).toEqual([
      [0, 1, 2, 3],
      [0, 2],
    ]);
  });

  it('retries a whole failed call and reports what still failed after the attempts', async () => {
    let calls = 0;
    const port: PutEventsPort = async () => {
      calls += 1;
      throw Object.assign(new Error('Service unavailable'), { name: 'InternalException' });
    };
    const failures = await publishInOrder([entry(0), entry(1)], port, { ...options, maxAttempts: 3 });
    expect(calls).toBe(3);
    expect(failures).toEqual([
      { index: 0, retryable: true, reason: 'PutEvents call failed: InternalException: Service unavailable' },
      { index: 1, retryable: true, reason: 'PutEvents call failed: InternalException: Service unavailable' },
    ]);
  });

  it('stops retrying when the time budget is spent', async () => {
    let now = 0;
    let calls = 0;
    const port: PutEventsPort = async (entries) => {
      calls += 1;
      now += 1_000;
      return entries.map(() => ({ errorCode: 'InternalFailure' }));
    };
    const failures = await publishInOrder([entry(0)], port, { deadline: 1_050, now: () => now, sleep: async () => {}, random: () => 0.5, maxAttempts: 5 });
    expect(calls).toBe(1);
    expect(failures).toEqual([{ index: 0, retryable: true, reason: 'InternalFailure: no message' }]);
  });
});
