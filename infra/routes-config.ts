import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ROUTE_TARGET_RETRY } from '../contract/retry-policy.js';
import { InvalidEventPatternError, parseEventPattern } from '../rules/event-pattern.js';
import { InvalidInputTransformerError, validateInputTransformer } from '../rules/input-transformer.js';

/**
 * Routes: where the bus sends which events. Validated at synth with the same pattern engine and
 * transformer rules the local bus runs, so a route that would fail PutRule/PutTargets (or deliver
 * broken JSON) fails `cdk synth` with the field named.
 */

const ARN = (service: string, hint: string) =>
  z
    .string()
    .regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`), `must be the ARN of ${hint}, e.g. arn:aws:${service}:eu-west-1:123456789012:…`);

const HttpsUrl = z.url().refine((value) => new URL(value).protocol === 'https:', 'must use https (EventBridge API destinations call HTTPS endpoints only)');

/** A secret the stack references by name (or ARN) and never reads: its value stays out of the template. */
const SecretReference = {
  /** Secrets Manager secret name or ARN. */
  secretName: z.string().min(1),
};

/**
 * The delivery retry policy EventBridge applies to a target before it gives the event to the
 * route's dead-letter queue. @default 185 attempts within 24 hours (the service's maximum)
 */
export const RetryPolicySchema = z
  .object({
    maximumRetryAttempts: z.number().int().min(0).max(ROUTE_TARGET_RETRY.maxRetryAttemptsLimit).default(ROUTE_TARGET_RETRY.maximumRetryAttempts),
    maximumEventAgeSeconds: z
      .number()
      .int()
      .min(ROUTE_TARGET_RETRY.minEventAgeSecondsLimit)
      .max(ROUTE_TARGET_RETRY.maxEventAgeSecondsLimit)
      .default(ROUTE_TARGET_RETRY.maximumEventAgeSeconds),
  })
  .strict();

/** The retry of a target whose route sets none (contract/retry-policy.ts). */
const DEFAULT_ROUTE_RETRY = {
  maximumRetryAttempts: ROUTE_TARGET_RETRY.maximumRetryAttempts,
  maximumEventAgeSeconds: ROUTE_TARGET_RETRY.maximumEventAgeSeconds,
};

/** How EventBridge authenticates to an API destination (an EventBridge Connection). */
export const ConnectionAuthSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('apiKey'),
      headerName: z.string().min(1),
      ...SecretReference,
      /** @default apiKey */ secretField: z.string().min(1).default('apiKey'),
    })
    .strict(),
  z
    .object({
      type: z.literal('basic'),
      username: z.string().min(1),
      ...SecretReference,
      /** @default password */ secretField: z.string().min(1).default('password'),
    })
    .strict(),
  z
    .object({
      type: z.literal('oauthClientCredentials'),
      tokenUrl: HttpsUrl,
      clientId: z.string().min(1),
      ...SecretReference,
      /** @default clientSecret */
      secretField: z.string().min(1).default('clientSecret'),
      scope: z.string().min(1).optional(),
      /** @default POST */
      httpMethod: z.enum(['POST', 'GET', 'PUT']).default('POST'),
    })
    .strict(),
]);

/** Where a route delivers. */
export const RouteTargetSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('apiDestination'),
      endpoint: HttpsUrl,
      /** @default POST */
      method: z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE', 'HEAD', 'OPTIONS']).default('POST'),
      /** Requests per second EventBridge may send. @default 10 */
      rateLimitPerSecond: z.number().int().min(1).max(300).default(10),
      /** Extra HTTP headers (not secrets: those belong in the connection). */
      headers: z.record(z.string(), z.string()).optional(),
      connection: ConnectionAuthSchema,
      retry: RetryPolicySchema.default(DEFAULT_ROUTE_RETRY),
    })
    .strict(),
  z
    .object({
      type: z.literal('sqs'),
      /** An existing queue; without it the stack creates an encrypted queue for the route. */
      queueArn: ARN('sqs', 'an SQS queue').optional(),
      /** Required by FIFO queues. */
      messageGroupId: z.string().min(1).optional(),
      retry: RetryPolicySchema.default(DEFAULT_ROUTE_RETRY),
    })
    .strict(),
  z.object({ type: z.literal('lambda'), functionArn: ARN('lambda', 'a Lambda function'), retry: RetryPolicySchema.default(DEFAULT_ROUTE_RETRY) }).strict(),
  // No retry policy: EventBridge does not take one for event-bus targets (it retries them 24 h itself).
  z.object({ type: z.literal('eventBus'), eventBusArn: ARN('events', 'an event bus') }).strict(),
]);

/** A target's input transformer, as in EventBridge: variables from JSON paths, and a template. */
export const InputTransformerSchema = z
  .object({
    inputPathsMap: z.record(z.string(), z.string()).default({}),
    inputTemplate: z.string(),
  })
  .strict()
  .superRefine((transformer, context) => {
    try {
      validateInputTransformer({ InputPathsMap: transformer.inputPathsMap, InputTemplate: transformer.inputTemplate });
    } catch (error) {
      if (!(error instanceof InvalidInputTransformerError)) throw error;
      context.addIssue({ code: 'custom', path: [error.field === 'InputPathsMap' ? 'inputPathsMap' : 'inputTemplate'], message: error.message });
    }
  });

/** One route: a name, which events (a pattern, or the detailTypes/agentIds shorthand), an optional transformer, a target. */
export const RouteSchema = z
  .object({
    /** Lowercase letters, digits and dashes; the rule is named `<tenant>-<name>`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,38}$/, 'name must be 1–39 lowercase letters, digits or dashes'),
    description: z.string().max(512).optional(),
    /** A full EventBridge event pattern. */
    eventPattern: z.record(z.string(), z.unknown()).optional(),
    /** Shorthand: these detail types (CXone event types) only. */
    detailTypes: z.array(z.string().min(1)).min(1).optional(),
    /** Shorthand: these CXone agents only. */
    agentIds: z.array(z.string().regex(/^\d+$/, 'agent ids are numeric strings')).min(1).optional(),
    inputTransformer: InputTransformerSchema.optional(),
    target: RouteTargetSchema,
    /** @default true */
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((route, context) => {
    if (route.eventPattern && (route.detailTypes || route.agentIds)) {
      context.addIssue({ code: 'custom', path: ['eventPattern'], message: 'give either eventPattern or the detailTypes/agentIds shorthand, not both' });
    }
    if (route.eventPattern) {
      try {
        parseEventPattern(route.eventPattern);
      } catch (error) {
        if (!(error instanceof InvalidEventPatternError)) throw error;
        context.addIssue({ code: 'custom', path: ['eventPattern'], message: `${error.message} (at ${error.path})` });
      }
    }
    if (route.inputTransformer && route.target.type === 'eventBus') {
      context.addIssue({
        code: 'custom',
        path: ['inputTransformer'],
        message: 'an eventBus target receives the event as it is; EventBridge takes no input transformer for it',
      });
    }
  });

export type Route = z.output<typeof RouteSchema>;
export type RouteInput = z.input<typeof RouteSchema>;
export type RouteTarget = Route['target'];
/**
 * The kinds of route target. Adding one to RouteTargetSchema makes `tsc` flag each place that must
 * handle it: the construct's target switch (infra/constructs/routes.ts), and the twin's reading of
 * targets from the template and its delivery (local/twin/synthesized-stack.ts, local/eventbridge/targets.ts).
 */
export type RouteTargetKind = RouteTarget['type'];
/** Every route target kind, as the schema lists them. */
export const ROUTE_TARGET_KINDS: readonly RouteTargetKind[] = RouteTargetSchema.options.map((option) => option.shape.type.value);

/** The routes of one stack: names unique. Accepts the JSON text `-c routes='[…]'` passes. */
export const RoutesSchema = z.preprocess(
  (value, context) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch (error) {
      context.addIssue({
        code: 'custom',
        input: value,
        message: `routes must be a JSON array of routes: ${error instanceof Error ? error.message : String(error)}`,
      });
      return z.NEVER;
    }
  },
  z.array(RouteSchema).superRefine((routes, context) => {
    const seen = new Set<string>();
    routes.forEach((route, index) => {
      if (seen.has(route.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `route name "${route.name}" is used twice` });
      seen.add(route.name);
    });
  }),
);

/** The event pattern a route's rule gets: its own, or one built from the shorthand, always for our source. */
export function routeEventPattern(route: Route, eventSource: string): Record<string, unknown> {
  if (route.eventPattern) return route.eventPattern;
  return {
    source: [eventSource],
    ...(route.detailTypes ? { 'detail-type': route.detailTypes } : {}),
    ...(route.agentIds ? { detail: { metadata: { agentId: route.agentIds } } } : {}),
  };
}

/** Reads routes from a JSON file: an array of routes, or `{ "routes": [...] }`. Validation happens with the rest of the configuration. */
export function readRoutesFile(path: string): unknown[] {
  const content = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const routes = Array.isArray(content) ? content : (content as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(routes)) throw new Error(`routesFile ${path} must hold an array of routes or {"routes": [...]}`);
  return routes;
}

/** Routes from context (an array, or its JSON text from `-c routes=…`) followed by those of `routesFile`. */
export function withRoutesFile(contextRoutes: unknown, routesFile: string): unknown[] {
  const parsed = typeof contextRoutes === 'string' ? (JSON.parse(contextRoutes) as unknown) : contextRoutes;
  if (parsed !== undefined && !Array.isArray(parsed)) throw new Error('routes must be an array of routes');
  return [...(parsed ?? []), ...readRoutesFile(routesFile)];
}
