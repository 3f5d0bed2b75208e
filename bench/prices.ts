/**
 * The one price table of the benchmark's cost model: public AWS on-demand list prices for
 * US East (N. Virginia), first pricing tier, free tiers ignored (they are per account, not per agent).
 * Change a price here and every figure of `npm run bench` follows.
 */
export const PRICES = {
  region: 'us-east-1',
  /** When the table was checked against the sources below. */
  checkedOn: '2026-11-25',
  stepFunctions: {
    /** Standard workflows: $0.025 per 1,000 state transitions; retries count as transitions. */
    perStateTransition: 0.000025,
    source: 'https://aws.amazon.com/step-functions/pricing/ (state transitions table, US East (N. Virginia) $0.0250 per 1,000)',
  },
  lambda: {
    /** Duration, Arm (Graviton), first 7.5 billion GB-s a month; billed per 1 ms. */
    perGbSecondArm64: 0.0000133334,
    /** Duration, x86, first 6 billion GB-s a month (the naive design's architecture). */
    perGbSecondX86: 0.0000166667,
    /** $0.20 per million requests, either architecture. */
    perRequest: 0.0000002,
    source: 'https://aws.amazon.com/lambda/pricing/ (duration by architecture, requests $0.20 per 1M)',
  },
  eventBridge: {
    /** Custom events: $1.00 per million; each 64 KB chunk of an entry counts as one event. */
    perCustomEventChunk: 0.000001,
    chunkBytes: 64 * 1024,
    source: 'https://aws.amazon.com/eventbridge/pricing/ (custom events $1.00 per million; "each 64 KB chunk of a payload is billed as one event")',
  },
  secretsManager: {
    /** $0.05 per 10,000 API calls (GetSecretValue of the shared token and the credentials). */
    perApiCall: 0.000005,
    /** $0.40 per secret per month: two per tenant (credentials, shared token); a tenant cost, not an agent's. */
    perSecretMonth: 0.4,
    source: 'https://aws.amazon.com/secrets-manager/pricing/ ($0.40 per secret per month, $0.05 per 10,000 API calls)',
  },
  dynamoDb: {
    /**
     * On-demand capacity, Standard table class: $0.625 per million write request units (one standard
     * write of an item up to 1 KB) and $0.125 per million read request units (one strongly consistent
     * read of up to 4 KB; the checkpoint store reads strongly consistent).
     */
    perWriteRequestUnit: 0.000000625,
    perReadRequestUnit: 0.000000125,
    source:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (on-demand, US East (N. Virginia): $0.625 per million write request units, $0.125 per million read request units; 1 KB per write unit, 4 KB per strongly consistent read unit)',
  },
  sqs: {
    /** Standard queue, $0.40 per million requests; the dead-letter queue sees traffic only on failures. */
    perRequest: 0.0000004,
    source: 'https://aws.amazon.com/sqs/pricing/ (standard queue $0.40 per million requests)',
  },
  cloudWatch: {
    /** Logs ingestion, Standard class: $0.50 per GB (GB = 10^9 bytes here, the conservative reading). */
    perLogGbIngested: 0.5,
    /** Custom metrics $0.30 per metric-month and alarms $0.10 each: per tenant, not per agent. */
    perMetricMonth: 0.3,
    perAlarmMonth: 0.1,
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (Logs: collect $0.50 per GB; metrics $0.30 per metric-month; standard alarms $0.10 per alarm metric)',
  },
  xRay: {
    /** $5.00 per million traces recorded; the state machine traces each execution (one per session and generation). */
    perTraceRecorded: 0.000005,
    source: 'https://aws.amazon.com/xray/pricing/ ($5.00 per million traces recorded)',
  },
} as const;

export type Prices = typeof PRICES;
