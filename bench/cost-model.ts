import { PRICES, type Prices } from './prices.js';

/** What one agent-hour consumes: the counts the dollars are computed from. */
export interface AgentHourUsage {
  /** get-next-event polls (= poller invocations = loop iterations). */
  polls: number;
  /** Billed state transitions per poll, hand-overs included. */
  transitionsPerPoll: number;
  /** Billed Lambda duration: the long poll holds an invocation nearly all the time. */
  lambdaSeconds: number;
  /** Configured poller memory. */
  memoryGb: number;
  /** CXone events put on the bus. */
  events: number;
  /** The bridge's lifecycle events (PollingStarted, PollingEnded, idle Heartbeats). */
  lifecycleEvents: number;
  /** 64 KB chunks per event (1 for every CXone event seen so far). */
  chunksPerEvent: number;
  /** GetSecretValue calls (the poller re-reads the shared token about every 40 minutes). */
  secretsManagerCalls: number;
  /** CloudWatch Logs bytes per poll, averaged over the hour's polls (the handler's lines and Lambda's platform records). */
  logBytesPerPoll: number;
  /** X-Ray traces: one per execution (one per login, one per hand-over generation). */
  traces: number;
  /** Checkpoint store (DynamoDB on-demand) write request units. */
  dynamoDbWriteUnits: number;
  /** Checkpoint store read request units. */
  dynamoDbReadUnits: number;
}

export type Architecture = 'arm64' | 'x86_64';

/** Dollars per agent-hour, split as the issue asks. */
export interface CostBreakdown {
  stepFunctions: number;
  lambda: number;
  eventBridge: number;
  /** The per-session checkpoint store's requests (DynamoDB on-demand). */
  dynamoDb: number;
  /** Secrets Manager, CloudWatch Logs, X-Ray (SQS only sees traffic on failures). */
  rest: number;
  total: number;
}

/** The arithmetic, as printed in the results JSON and the README. */
export const COST_FORMULA = [
  'stepFunctions = polls × transitionsPerPoll × $/transition',
  'lambda = lambdaSeconds × memoryGb × $/GB-s(architecture) + polls × $/request',
  'eventBridge = (events + lifecycleEvents) × chunksPerEvent × $/64KB-event',
  'dynamoDb = writeUnits × $/WRU + readUnits × $/RRU',
  'rest = secretsManagerCalls × $/call + polls × logBytesPerPoll / 1e9 × $/GB ingested + traces × $/trace',
  'idle floor = memoryGb × 3600 s × arm64 $/GB-s + (3600 / 60) polls × transitionsPerPoll × $/transition',
].join('; ');

/** Prices one agent-hour. */
export function costPerAgentHour(usage: AgentHourUsage, architecture: Architecture = 'arm64', prices: Prices = PRICES): CostBreakdown {
  const perGbSecond = architecture === 'arm64' ? prices.lambda.perGbSecondArm64 : prices.lambda.perGbSecondX86;
  const stepFunctions = usage.polls * usage.transitionsPerPoll * prices.stepFunctions.perStateTransition;
  const lambda = usage.lambdaSeconds * usage.memoryGb * perGbSecond + usage.polls * prices.lambda.perRequest;
  const eventBridge = (usage.events + usage.lifecycleEvents) * usage.chunksPerEvent * prices.eventBridge.perCustomEventChunk;
  const dynamoDb = usage.dynamoDbWriteUnits * prices.dynamoDb.perWriteRequestUnit + usage.dynamoDbReadUnits * prices.dynamoDb.perReadRequestUnit;
  const rest =
    usage.secretsManagerCalls * prices.secretsManager.perApiCall +
    ((usage.polls * usage.logBytesPerPoll) / 1e9) * prices.cloudWatch.perLogGbIngested +
    usage.traces * prices.xRay.perTraceRecorded;
  return { stepFunctions, lambda, eventBridge, dynamoDb, rest, total: stepFunctions + lambda + eventBridge + dynamoDb + rest };
}

/**
 * A design's floor for an idle agent: a 128 MB arm64 invocation held for the whole hour, and the
 * transitions of each 60-second poll (1 for the self-looping task, 2 for Task + Choice). Nothing else.
 */
export function idleFloorPerAgentHour(memoryGb: number, holdSeconds = 60, transitionsPerPoll = 1, prices: Prices = PRICES): number {
  return memoryGb * 3600 * prices.lambda.perGbSecondArm64 + (3600 / holdSeconds) * transitionsPerPoll * prices.stepFunctions.perStateTransition;
}

/**
 * DynamoDB request units of one kind (write or read) the checkpoint store spends, per driver of its
 * work: measured on the twin's DynamoDB endpoint (bench/store-units.ts), never counted from the store's
 * code, so they follow the store as it changes. A write unit writes up to 1 KB, a strongly consistent
 * read unit reads up to 4 KB (https://aws.amazon.com/dynamodb/pricing/on-demand/).
 */
export interface StoreUnits {
  /** Every invocation, answered or timed out (measured on idle polls). */
  perPoll: number;
  /** What a poll answered 200 adds, whatever its batch size. */
  perEventPoll: number;
  /** Each CXone event. */
  perEvent: number;
  /** Each lifecycle event (PollingStarted, PollingEnded, Heartbeat). */
  perLifecycleEvent: number;
}

/** The checkpoint store's write and read request units. */
export interface StoreRequestUnits {
  write: StoreUnits;
  read: StoreUnits;
}

/**
 * CloudWatch Logs bytes of one poller invocation: what the handler wrote to its log (Powertools'
 * lines and EMF metrics), measured on the twin per outcome, and Lambda's own platform records.
 */
export interface LogBytesPerPoll {
  /** An idle agent's poll (304, heartbeats included). */
  idle: number;
  /** A busy agent's poll that timed out (304). */
  busyNoEvents: number;
  /** A poll answered 200: its events published. */
  busyEvents: number;
  /** Lambda's platform records per invocation at the poller's system log level (0 at WARN). */
  platform: number;
}

/** Counts measured on the twin, and the model's own constants, that set an agent-hour's usage. */
export interface MeasuredCounts {
  memoryGb: number;
  /** Production hold per poll (the twin may use a shorter one). */
  holdSeconds: number;
  /** Transitions per poll on the twin in steady state (no hand-over, no session end in the window). */
  transitionsPerPoll: number;
  /** Polls per execution before a hand-over, which costs HAND_OVER_TRANSITIONS more. */
  handOverAfterPolls: number;
  /** Lambda wall time per idle poll beyond the hold (cold path excluded), in seconds. */
  idleOverheadSeconds: number;
  /** Polls that returned events, per event (batching: several events per poll). */
  eventPollsPerEvent: number;
  /** 304 polls per busy agent-hour at the production hold. */
  busyNoEventPollsPerHour: number;
  chunksPerEvent: number;
  /** Shared-token reads per execution environment per hour (see lambdas/cxone/auth.ts). */
  secretsManagerCallsPerHour: number;
  logBytesPerPoll: LogBytesPerPoll;
  /** Logins per agent-hour (one execution, so one trace, and a PollingStarted and a PollingEnded each). */
  loginsPerHour: number;
  /** An idle session publishes a Heartbeat after this many seconds without events. */
  heartbeatSeconds: number;
  store: StoreRequestUnits;
}

/**
 * Transitions a hand-over adds to the self-looping poll task: the entry that raises Loop.HandOverDue,
 * HandOverToNextExecution and HandedOver (the previous loop paid 2: its Choice was counted per poll).
 */
export const HAND_OVER_TRANSITIONS = 3;
const PREVIOUS_HAND_OVER_TRANSITIONS = 2;

/** Usage of one agent-hour with `eventsPerHour` events (0 = idle). */
export function agentHourUsage(counts: MeasuredCounts, eventsPerHour: number): AgentHourUsage {
  const idlePolls = 3600 / (counts.holdSeconds + counts.idleOverheadSeconds);
  const eventPolls = eventsPerHour * counts.eventPollsPerEvent;
  const polls = eventsPerHour === 0 ? idlePolls : eventPolls + Math.min(idlePolls, counts.busyNoEventPollsPerHour);
  // A busy agent is rarely silent for a heartbeat interval; an idle one sends one per interval.
  const lifecycleEvents = 2 * counts.loginsPerHour + (eventsPerHour === 0 ? 3600 / counts.heartbeatSeconds : 0);
  const { store, logBytesPerPoll: log } = counts;
  const units = (perDriver: StoreUnits) =>
    polls * perDriver.perPoll + eventPolls * perDriver.perEventPoll + eventsPerHour * perDriver.perEvent + lifecycleEvents * perDriver.perLifecycleEvent;
  const handlerLogBytes = eventsPerHour === 0 ? polls * log.idle : eventPolls * log.busyEvents + (polls - eventPolls) * log.busyNoEvents;
  return {
    polls,
    transitionsPerPoll: counts.transitionsPerPoll + HAND_OVER_TRANSITIONS / counts.handOverAfterPolls,
    // Each poll ends only to start the next: an invocation is held the whole hour, idle or busy.
    lambdaSeconds: 3600,
    memoryGb: counts.memoryGb,
    events: eventsPerHour,
    lifecycleEvents,
    chunksPerEvent: counts.chunksPerEvent,
    secretsManagerCalls: counts.secretsManagerCallsPerHour,
    logBytesPerPoll: log.platform + (polls > 0 ? handlerLogBytes / polls : 0),
    traces: counts.loginsPerHour + polls / counts.handOverAfterPolls,
    dynamoDbWriteUnits: units(store.write),
    dynamoDbReadUnits: units(store.read),
  };
}

/** The naive design: Task, Pass and two Choices per poll (4 transitions), on x86. */
export function naiveUsage(usage: AgentHourUsage, handOverAfterPolls: number): AgentHourUsage {
  return { ...usage, transitionsPerPoll: 4 + PREVIOUS_HAND_OVER_TRANSITIONS / handOverAfterPolls };
}

/** The same agent-hour at another measured transitions-per-poll figure (the previous Task + Choice loop). */
export function withTransitionsPerPoll(usage: AgentHourUsage, transitionsPerPoll: number, handOverAfterPolls: number): AgentHourUsage {
  return { ...usage, transitionsPerPoll: transitionsPerPoll + PREVIOUS_HAND_OVER_TRANSITIONS / handOverAfterPolls };
}

/** Idle cost's distance from the floor, as a fraction (0.05 = 5 % above). */
export function distanceFromFloor(idleTotal: number, floor: number): number {
  return idleTotal / floor - 1;
}
