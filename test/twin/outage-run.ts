import type { CxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import type { LocalExecution } from '../../local/stepfunctions/local-step-functions.js';
import type { LocalTwin } from '../../local/twin/local-twin.js';
import type { EventDetail } from './zero-loss.js';

/**
 * An outage of CXone in the middle of busy sessions, on the twin's time scale. Shared by the outage
 * tests and bench/outage-recovery.ts. The outage window is a real sleep of the scaled duration.
 */
export interface OutageRun {
  agentIds: string[];
  /** Bus events with the real time they arrived (Date.now()). */
  received: { event: EventBridgeEvent; at: number }[];
}

export const DEGRADED = 'CxoneEventBridge.PollingDegraded';
export const RECOVERED = 'CxoneEventBridge.PollingRecovered';
export const RESYNCED = 'CxoneEventBridge.SessionResynced';

export function recordBus(twin: LocalTwin): OutageRun['received'] {
  const received: OutageRun['received'] = [];
  twin.bus.onEvent((accepted) => received.push({ event: accepted.event, at: Date.now() }));
  return received;
}

export const detailOf = (event: EventBridgeEvent) => event.detail as EventDetail & { data: Record<string, unknown> };

export function lifecycleOf(received: OutageRun['received'], agentId: string, detailType: string) {
  return received.filter(({ event }) => event['detail-type'] === detailType && detailOf(event).metadata.agentId === agentId);
}

export const busyEvents = (agentId: string, phase: string, count: number) =>
  Array.from({ length: count }, (_, n) => ({
    IISHost: 'SIM',
    VCHost: 'SIM',
    type: 'CustomEvent',
    eventName: `${phase}-${agentId}-${n}`,
    data: `payload ${n}`,
  }));

/** Every get-next-event fails: one in three connections is reset, the others answer 503. */
export function takeCxoneDown(simulator: CxoneSimulator): void {
  simulator.injectFault({ probability: 0.33, fault: { drop: true } });
  simulator.injectFault({ probability: 1, fault: { status: 503 } });
}

export function sleepSimulated(seconds: number, msPerSimulatedSecond: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * msPerSimulatedSecond));
}

/** The agent's executions (every generation), newest last. */
export function executionsOf(twin: LocalTwin, agentId: string): LocalExecution[] {
  return [...twin.stepFunctions.executions.values()]
    .filter((execution) => execution.name.includes(`-${agentId}-`))
    .sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
}

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}
