import { describe, expect, it } from 'vitest';
import {
  type AgentHourUsage,
  agentHourUsage,
  costPerAgentHour,
  distanceFromFloor,
  HAND_OVER_TRANSITIONS,
  idleFloorPerAgentHour,
  type MeasuredCounts,
  naiveUsage,
} from '../../bench/cost-model.js';
import { PRICES } from '../../bench/prices.js';

const counts: MeasuredCounts = {
  memoryGb: 0.125,
  holdSeconds: 60,
  transitionsPerPoll: 2,
  handOverAfterPolls: 2_000,
  idleOverheadSeconds: 0,
  eventPollsPerEvent: 0.5,
  busyNoEventPollsPerHour: 10,
  chunksPerEvent: 1,
  secretsManagerCallsPerHour: 1.5,
  logBytesPerPoll: { idle: 600, busyNoEvents: 700, busyEvents: 1_500, platform: 0 },
  loginsPerHour: 0,
  heartbeatSeconds: 300,
  store: {
    write: { perPoll: 2, perEventPoll: 3, perEvent: 2, perLifecycleEvent: 1 },
    read: { perPoll: 0.5, perEventPoll: 0, perEvent: 0.25, perLifecycleEvent: 0 },
  },
};

/** Usage with only the field under test set. */
const only = (fields: Partial<AgentHourUsage>): AgentHourUsage => ({
  polls: 0,
  transitionsPerPoll: 0,
  lambdaSeconds: 0,
  memoryGb: 0.125,
  events: 0,
  lifecycleEvents: 0,
  chunksPerEvent: 1,
  secretsManagerCalls: 0,
  logBytesPerPoll: 0,
  traces: 0,
  dynamoDbWriteUnits: 0,
  dynamoDbReadUnits: 0,
  ...fields,
});

describe('costPerAgentHour', () => {
  it.each([
    ['Step Functions', only({ polls: 60, transitionsPerPoll: 2 }), 'stepFunctions', 120 * 0.000025],
    ['Lambda duration', only({ lambdaSeconds: 3600 }), 'lambda', 0.125 * 3600 * 0.0000133334],
    ['Lambda requests', only({ polls: 1_000_000 }), 'lambda', 0.2],
    ['EventBridge events and lifecycle events', only({ events: 300, lifecycleEvents: 12 }), 'eventBridge', 312 * 0.000001],
    ['EventBridge 64 KB chunks', only({ events: 100, chunksPerEvent: 2 }), 'eventBridge', 200 * 0.000001],
    ['Secrets Manager calls', only({ secretsManagerCalls: 10_000 }), 'rest', 0.05],
    ['CloudWatch Logs ingestion', only({ polls: 1_000, logBytesPerPoll: 1_000_000 }), 'rest', 0.5],
    ['X-Ray traces', only({ traces: 1_000_000 }), 'rest', 5],
    ['DynamoDB write request units', only({ dynamoDbWriteUnits: 1_000_000 }), 'dynamoDb', 0.625],
    ['DynamoDB read request units', only({ dynamoDbReadUnits: 1_000_000 }), 'dynamoDb', 0.125],
  ] as const)('prices %s from the price table', (_, usage, part, expected) => {
    // Act
    const cost = costPerAgentHour(usage);

    // Assess
    expect(cost[part]).toBeCloseTo(expected, 9);
    expect(cost.total).toBeCloseTo(cost.stepFunctions + cost.lambda + cost.eventBridge + cost.dynamoDb + cost.rest, 12);
  });

  it('charges x86 duration at the x86 price', () => {
    // Act
    const cost = costPerAgentHour(only({ lambdaSeconds: 3600 }), 'x86_64');

    // Assess
    expect(cost.lambda).toBeCloseTo(0.125 * 3600 * PRICES.lambda.perGbSecondX86, 12);
  });
});

describe('idle floor', () => {
  it('is a 128 MB arm64 invocation held an hour plus 1 transition per 60-second poll', () => {
    // Act
    const floor = idleFloorPerAgentHour(0.125);

    // Assess: 450 GB-s × $0.0000133334 + 60 × $0.000025
    expect(floor).toBeCloseTo(0.00600003 + 0.0015, 8);
  });

  it('counts the previous loop at its 2 transitions per poll', () => {
    expect(idleFloorPerAgentHour(0.125, 60, 2)).toBeCloseTo(0.00600003 + 0.003, 8);
  });

  it('reports the distance from it as a fraction', () => {
    expect(distanceFromFloor(0.0099, 0.009)).toBeCloseTo(0.1, 12);
  });
});

describe('agentHourUsage', () => {
  it('polls an idle agent once per hold, held the whole hour, with a heartbeat per interval', () => {
    // Act
    const usage = agentHourUsage(counts, 0);

    // Assess
    expect(usage.polls).toBe(60);
    expect(usage.lambdaSeconds).toBe(3600);
    expect(usage.events).toBe(0);
    expect(usage.lifecycleEvents).toBe(12);
    expect(usage.transitionsPerPoll).toBeCloseTo(2 + HAND_OVER_TRANSITIONS / 2_000, 12);
  });

  it('prices the checkpoint store per poll, per answered poll, per event and per lifecycle event', () => {
    // Act
    const idle = agentHourUsage(counts, 0);
    const busy = agentHourUsage(counts, 300);

    // Assess: idle 60 polls × 2 + 12 heartbeats × 1; busy 160 polls × 2 + 150 answered polls × 3 + 300 events × 2
    expect(idle.dynamoDbWriteUnits).toBe(60 * 2 + 12);
    expect(busy.dynamoDbWriteUnits).toBe(160 * 2 + 150 * 3 + 300 * 2);
    // reads the same way: idle 60 polls × 0.5; busy 160 polls × 0.5 + 300 events × 0.25
    expect(idle.dynamoDbReadUnits).toBe(30);
    expect(busy.dynamoDbReadUnits).toBe(80 + 75);
  });

  it("logs an idle agent's 304s, and a busy agent's 200s and 304s each at its own measured size", () => {
    // Act
    const idle = agentHourUsage(counts, 0);
    const busy = agentHourUsage(counts, 300);

    // Assess: busy 150 answered polls × 1,500 bytes + 10 polls that timed out × 700 bytes, over 160 polls
    expect(idle.logBytesPerPoll).toBe(600);
    expect(busy.logBytesPerPoll).toBeCloseTo((150 * 1_500 + 10 * 700) / 160, 9);
  });

  it("adds Lambda's platform records to every poll when the system log level lets them through", () => {
    // Prepare
    const withReports: MeasuredCounts = { ...counts, logBytesPerPoll: { ...counts.logBytesPerPoll, platform: 384 } };

    // Act
    const idle = agentHourUsage(withReports, 0);
    const busy = agentHourUsage(withReports, 300);

    // Assess
    expect(idle.logBytesPerPoll).toBe(600 + 384);
    expect(busy.logBytesPerPoll).toBeCloseTo((150 * 1_500 + 10 * 700) / 160 + 384, 9);
    expect(costPerAgentHour(busy).rest - costPerAgentHour(agentHourUsage(counts, 300)).rest).toBeCloseTo(
      ((160 * 384) / 1e9) * PRICES.cloudWatch.perLogGbIngested,
      15,
    );
  });

  it('adds a per-poll overhead to the hold', () => {
    expect(agentHourUsage({ ...counts, idleOverheadSeconds: 0.06 }, 0).polls).toBeCloseTo(3600 / 60.06, 9);
  });

  it('polls a busy agent per batch of events plus its 304s', () => {
    // Act
    const usage = agentHourUsage(counts, 300);

    // Assess: 300 × 0.5 polls with events + 10 polls that timed out
    expect(usage.polls).toBe(160);
    expect(usage.events).toBe(300);
    expect(usage.lifecycleEvents).toBe(0);
  });

  it('never counts more 304s for a busy agent than an idle one makes', () => {
    expect(agentHourUsage({ ...counts, busyNoEventPollsPerHour: 500 }, 300).polls).toBe(150 + 60);
  });
});

describe('naive design', () => {
  it('costs 4 transitions per poll on x86 against 2 on arm64', () => {
    // Prepare
    const usage = agentHourUsage(counts, 0);

    // Act
    const design = costPerAgentHour(usage, 'arm64');
    const naive = costPerAgentHour(naiveUsage(usage, counts.handOverAfterPolls), 'x86_64');

    // Assess
    expect(naive.stepFunctions / design.stepFunctions).toBeCloseTo((4 + 2 / 2_000) / (2 + HAND_OVER_TRANSITIONS / 2_000), 9);
    expect(naive.lambda - design.lambda).toBeCloseTo(0.125 * 3600 * (PRICES.lambda.perGbSecondX86 - PRICES.lambda.perGbSecondArm64), 12);
    expect(naive.eventBridge).toBe(design.eventBridge);
  });
});
