/** The request conflicts with the agent's session state (already logged in, not logged in, ended). */
export class SimulatorConflictError extends Error {
  override readonly name = 'SimulatorConflictError';
}
