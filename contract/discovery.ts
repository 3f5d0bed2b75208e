/**
 * Discovery's defaults, shared by the stack's configuration (infra/config.ts) and the discovery
 * function's environment (lambdas/discovery/environment.ts).
 */

/**
 * Minutes between two full reconciles: discovery then reads every agent (not only the agent-state
 * delta) and gives each logged-in, included agent without a running poller one. The runs between
 * read the cheap delta. The first run, and any run whose cursor is missing, reconciles too.
 */
export const DEFAULT_RECONCILE_EVERY_MINUTES = 10;
