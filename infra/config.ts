import { z } from 'zod';
import { DEFAULT_RECONCILE_EVERY_MINUTES } from '../contract/discovery.js';
import { LoopShape } from '../contract/loop-signals.js';
import { HTTPS_OR_LOOPBACK, isHttpsOrLoopback } from '../contract/secure-url.js';
import { TenantSchema } from '../contract/tenant.js';
import { RoutesSchema } from './routes-config.js';

/**
 * Lambda's system log levels, most detail first: at INFO (Lambda's default) every invocation writes
 * a "start" and a "report" record, WARN drops both.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda.SystemLogLevel.html
 */
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN'] as const;
export type SystemLogLevelName = (typeof SYSTEM_LOG_LEVELS)[number];

/** A list of numeric ids: a JSON array in cdk.json, or "1,2,3" on the command line. */
const idList = z
  .union([
    z.array(z.coerce.string()),
    z.string().transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(z.array(z.string().regex(/^\d+$/, 'ids must be numeric')))
  .default([]);

/**
 * Deployment configuration, validated in app.ts (the only place that reads context). Every key can
 * be set in cdk.json's `context` or on the command line: `npx cdk deploy -c tenant=acme`.
 */
export const BridgeConfigSchema = z
  .object({
    /** Short tenant label used in resource names, execution names and event metadata. */
    tenant: TenantSchema,
    /** CXone OIDC issuer. @default https://cxone.niceincontact.com */
    cxoneIssuerUrl: z
      .url()
      .default('https://cxone.niceincontact.com')
      .refine((value) => isHttpsOrLoopback(new URL(value)), `cxoneIssuerUrl ${HTTPS_OR_LOOPBACK}`),
    /** Secrets Manager secret holding clientId, clientSecret, accessKeyId, accessKeySecret. @default cxone-eventbridge/<tenant> */
    cxoneSecretName: z.string().min(1).optional(),
    /** CXone long-poll hold time in seconds (0–60). @default 60 */
    pollTimeoutSeconds: z.coerce.number().int().min(0).max(60).default(60),
    /** `source` of every published event. @default cxone.agent-events */
    eventSource: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,256}$/, 'eventSource must be 1–256 letters, digits, dots, dashes or underscores')
      .refine((value) => !value.startsWith('aws.'), 'eventSource must not start with "aws." (reserved by AWS)')
      .default('cxone.agent-events'),
    /** Name of the custom event bus. @default cxone-agent-events-<tenant> */
    eventBusName: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,256}$/)
      .optional(),
    /** Days to keep function and state-machine logs. @default 30 */
    logRetentionDays: z.coerce.number().int().positive().default(30),
    /** Where the bus sends events: see infra/routes-config.ts. A JSON array here, or `-c routes='[…]'`; `routesFile` adds more. @default [] */
    routes: RoutesSchema.default([]),
    /** Days the bus archive keeps every event for replay; 0 keeps them indefinitely. @default 30 */
    archiveRetentionDays: z.coerce.number().int().min(0).max(3_650).default(30),
    /** E-mail address that receives the alarms (through an encrypted SNS topic); none when unset. */
    alarmEmail: z.email('alarmEmail must be an e-mail address').optional(),
    /** The account's Lambda concurrency quota: every polling agent holds one execution, and an alarm fires at 80 %. @default 1000 */
    lambdaConcurrencyLimit: z.coerce.number().int().min(10).default(1_000),
    /** Polls per execution before it hands over to a fresh one (a Standard execution stops at 25,000 history events, 5 per poll). @default 2000 */
    handOverAfterPolls: z.coerce.number().int().min(1).max(3_000).default(2_000),
    /** Days a claim-check object (an event too large for EventBridge) is kept; 0 keeps them for ever. Keep it ≥ archiveRetentionDays so replays resolve. @default 30 */
    claimCheckRetentionDays: z.coerce.number().int().min(0).max(3_650).default(30),
    /** Minutes between runs of the redrive that re-publishes parked events. @default 5 */
    redriveEveryMinutes: z.coerce.number().int().min(1).max(60).default(5),
    /**
     * The session loop: `self`, the poll task looping on itself (one billed transition a poll), or
     * `choice`, the previous Task + Choice loop, kept for `npm run bench` to measure both. @default self
     */
    loopShape: z.enum([LoopShape.Self, LoopShape.Choice]).default(LoopShape.Self),
    /**
     * Which of Lambda's own platform records reach the poller's log group (JSON log format only).
     * WARN keeps the per-invocation `platform.start` and `platform.report` records (INFO level) out:
     * the poller runs about 210 times a busy agent-hour. INFO brings the REPORT lines back, DEBUG adds
     * the rest. The function's own log level is separate (POWERTOOLS_LOG_LEVEL). @default WARN
     */
    pollerSystemLogLevel: z.enum(SYSTEM_LOG_LEVELS, { error: `pollerSystemLogLevel must be one of ${SYSTEM_LOG_LEVELS.join(', ')}` }).default('WARN'),
    /** Poller memory; the poll is I/O bound. @default 128 */
    pollerMemoryMb: z.coerce.number().int().min(128).max(10240).default(128),
    /** Start pollers for logged-in agents automatically. @default true */
    discoveryEnabled: z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]).default(true),
    /** Minutes between discovery runs. @default 1 */
    discoveryEveryMinutes: z.coerce.number().int().min(1).max(60).default(1),
    /** Minutes between discovery's full reconciles against every agent (between them it reads the delta); a run after the cursor is lost reconciles too. @default 10 */
    discoveryReconcileMinutes: z.coerce.number().int().min(1).max(1_440).default(DEFAULT_RECONCILE_EVERY_MINUTES),
    /** Only these agents (and/or teams) are polled; empty means everyone. */
    includeAgentIds: idList,
    excludeAgentIds: idList,
    includeTeamIds: idList,
    excludeTeamIds: idList,
  })
  .transform((config) => ({
    ...config,
    cxoneSecretName: config.cxoneSecretName ?? `cxone-eventbridge/${config.tenant}`,
    eventBusName: config.eventBusName ?? `cxone-agent-events-${config.tenant}`,
  }));

export type BridgeConfigInput = z.input<typeof BridgeConfigSchema>;
export type BridgeConfig = z.output<typeof BridgeConfigSchema>;

/** The keys app.ts reads from context. */
export const CONFIG_KEYS = Object.keys(BridgeConfigSchema.in.shape) as (keyof BridgeConfigInput)[];

/** Context keys of ours that are not configuration fields: `-c routesFile=routes.json` adds the routes of a file. */
export const EXTRA_CONTEXT_KEYS = ['routesFile'] as const;

/** A configuration value (or context key) the stack cannot be built with; its message is one line naming the key. */
export class InvalidBridgeConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidBridgeConfigError';
  }
}

/** One line per zod error: `message (at path); message (at path)`. */
export function oneLineZodError(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.message} (at ${z.core.toDotPath(issue.path)})` : issue.message)).join('; ');
}

/** Parses configuration, throwing an error that names each bad field on one line. */
export function parseBridgeConfig(input: unknown): BridgeConfig {
  const parsed = BridgeConfigSchema.safeParse(input);
  if (!parsed.success) throw new InvalidBridgeConfigError(`invalid cxone-eventbridge configuration: ${oneLineZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * Fails on a context key that is neither ours nor the CDK's: a typo (`tenat`) must not synthesize the
 * default stack. The CDK's own keys (feature flags `@aws-cdk/…`, CLI settings `aws:cdk:…`, cached
 * lookups `availability-zones:…`) all hold `@` or `:`, which none of ours does.
 */
export function assertKnownContextKeys(keys: Iterable<string>): void {
  const known: readonly string[] = [...CONFIG_KEYS, ...EXTRA_CONTEXT_KEYS];
  for (const key of keys) {
    if (key.startsWith('@') || key.includes(':') || known.includes(key)) continue;
    const closest = [...known].sort((a, b) => editDistance(key, a) - editDistance(key, b))[0];
    throw new InvalidBridgeConfigError(`unknown context key "${key}"${closest ? `; did you mean "${closest}"?` : ''}`);
  }
}

/** Levenshtein distance, case-insensitive. */
function editDistance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: y.length + 1 }, (_, index) => index);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[y.length] ?? 0;
}
