import { startCxoneSimulator } from '../local/cxone-simulator/index.js';

/** The scenario's event rate, measured by playing many shifts fast with nobody polling. */
export interface ScenarioCalibration {
  agents: number;
  simulatedAgentHours: number;
  events: number;
  /** Events one agent produces per simulated hour of the default scenario. */
  eventsPerSimulatedHour: number;
}

/**
 * Plays `agents` shifts at a high time scale for `realSeconds` and counts the events, so the
 * benchmark can pick the time scale at which an agent emits a target rate per real hour.
 */
export async function calibrateScenario(agents = 200, realSeconds = 3, timeScale = 3_600, seed = 1): Promise<ScenarioCalibration> {
  const simulator = await startCxoneSimulator({
    agents,
    timeScale,
    seed,
    scenario: { loginSpreadMinutes: 0, shiftMinutes: 100_000, meanIdleSeconds: 90 },
  });
  try {
    for (const agentId of simulator.agentIds) simulator.loginAgent(agentId);
    const before = simulator.stats().eventsEmitted;
    const started = performance.now();
    simulator.startScenario();
    await new Promise((resolve) => setTimeout(resolve, realSeconds * 1000));
    simulator.stopScenario();
    const elapsedSeconds = (performance.now() - started) / 1000;
    const events = simulator.stats().eventsEmitted - before;
    const simulatedAgentHours = (agents * elapsedSeconds * timeScale) / 3600;
    return {
      agents,
      simulatedAgentHours: Math.round(simulatedAgentHours),
      events,
      eventsPerSimulatedHour: Math.round((events / simulatedAgentHours) * 10) / 10,
    };
  } finally {
    await simulator.close();
  }
}
