/**
 * A faithful local simulator of the NICE CXone Agent API event stream (CXone "Using Events",
 * "Agent Session Events", "API Authentication and Authorization"): OIDC discovery and tokens, agent sessions, long-polled get-next-event with
 * rotating cursors and snapshots, real-time agent states, a seeded scenario engine, fault injection,
 * and an admin API. See README.md.
 */
export type {
  AgentStateRow,
  DeliveredBatch,
  DeliveredEvent,
  EmittedEvent,
  PollAnswerKind,
} from './agent-platform.js';
export * from './event-builders.js';
export { type ActiveFaultRule, type Fault, type FaultRule, FaultRuleSchema, FaultSchema } from './faults.js';
export {
  DEFAULT_CREDENTIALS,
  type SimulatorConfig,
  type SimulatorCredentials,
  type SimulatorOptions,
  SimulatorOptionsSchema,
} from './options.js';
export { createRng, type Rng } from './rng.js';
export {
  type AgentSummary,
  type CxoneSimulator,
  type LoginAgentOptions,
  type LoginAgentResult,
  type SimulatorStats,
  startCxoneSimulator,
} from './simulator.js';
export { SimulatorConflictError } from './simulator-errors.js';
