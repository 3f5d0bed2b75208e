import { z } from 'zod';

/** Fake local credentials the simulator accepts by default (they unlock nothing real). */
export const DEFAULT_CREDENTIALS = {
  clientId: 'sim-client-id',
  clientSecret: 'sim-client-secret',
  accessKeyId: 'SIMACCESSKEYID0000001',
  accessKeySecret: 'sim-access-key-secret',
} as const;

/** The OAuth client and the API user's access key the token endpoint accepts. */
export const SimulatorCredentialsSchema = z.object({
  clientId: z.string().min(1).default(DEFAULT_CREDENTIALS.clientId),
  clientSecret: z.string().min(1).default(DEFAULT_CREDENTIALS.clientSecret),
  accessKeyId: z.string().min(1).default(DEFAULT_CREDENTIALS.accessKeyId),
  accessKeySecret: z.string().min(1).default(DEFAULT_CREDENTIALS.accessKeySecret),
});
export type SimulatorCredentials = z.infer<typeof SimulatorCredentialsSchema>;

/** Agent ids are numeric strings on the wire (`AgentId`) and integers in the real-time API. */
export const AgentIdSchema = z.string().regex(/^[1-9]\d{0,14}$/, 'agent ids are positive integers');

/** Shape of the scripted agent shifts. */
export const ScenarioOptionsSchema = z.object({
  /** Simulated minutes from login to logout. @default 240 */
  shiftMinutes: z.number().positive().default(240),
  /** Simulated minutes an agent stays logged out between shifts. @default 10 */
  offShiftMinutes: z.number().min(0).default(10),
  /** Simulated minutes over which the first logins are spread. @default 2 */
  loginSpreadMinutes: z.number().min(0).default(2),
  /** Mean simulated seconds an Available agent waits for the next contact. @default 90 */
  meanIdleSeconds: z.number().positive().default(90),
  /** Start the engine as soon as the server listens. @default false */
  autoStart: z.boolean().default(false),
});
export type ScenarioOptions = z.infer<typeof ScenarioOptionsSchema>;

/** Options of {@link startCxoneSimulator}; every field is optional. */
export const SimulatorOptionsSchema = z.object({
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Tenant id put in the id_token and checked by tenant discovery. */
  tenantId: z.string().min(1).default('11eb5f2c-9d4e-4a37-8c1f-5a1e0c0de000'),
  /** Business unit number (`BusNo`). @default "4598765" */
  businessUnitId: z.string().regex(/^\d+$/).default('4598765'),
  credentials: SimulatorCredentialsSchema.prefault({}),
  /** Access-token lifetime in real seconds; calls with an older token answer 401. @default 3600 */
  tokenTtlSeconds: z.number().positive().default(3600),
  /** Scenario speed-up: 60 plays one simulated minute per real second. @default 60 */
  timeScale: z.number().positive().max(1_000_000).default(60),
  /** Seed for the scenario and probabilistic faults. @default 1 */
  seed: z.union([z.number(), z.string()]).default(1),
  /** Agent ids, or how many to create (ids from 2103457 upwards). @default 3 */
  agents: z.union([z.number().int().min(1).max(10_000), z.array(AgentIdSchema).min(1)]).default(3),
  /** Most events in one 200 response; the rest stay queued for the next poll. @default 100 */
  maxBatch: z.number().int().min(1).max(10_000).default(100),
  /**
   * `cxone`: base64(base64(43 random bytes)), 80 characters; by construction only letters and digits.
   * `url-hostile`: 80 characters of base64 over 58 random bytes, so `+`, `/` and `=` do appear; use it
   * to prove a client URL-encodes the sessionId in the path. @default "cxone"
   */
  sessionIdFormat: z.enum(['cxone', 'url-hostile']).default('cxone'),
  scenario: ScenarioOptionsSchema.prefault({}),
});

/** What callers pass (all optional). */
export type SimulatorOptions = z.input<typeof SimulatorOptionsSchema>;
/** Options after defaults. */
export type SimulatorConfig = z.output<typeof SimulatorOptionsSchema>;

/** First generated agent id: the sample agent, so generated events look like the samples. */
export const FIRST_AGENT_ID = 2_103_457;

/** Resolves the `agents` option to a list of ids. */
export const resolveAgentIds = (agents: SimulatorConfig['agents']): string[] =>
  typeof agents === 'number' ? Array.from({ length: agents }, (_, i) => String(FIRST_AGENT_ID + i)) : [...new Set(agents)];
