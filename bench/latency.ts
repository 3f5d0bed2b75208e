import { canonicalJson } from '../contract/envelope.js';
import { isLifecycleDetailType } from '../contract/lifecycle.js';
import type { EmittedEvent } from '../local/cxone-simulator/index.js';
import type { AcceptedEvent } from '../local/eventbridge/local-event-bus.js';

/** What the bus listener keeps per accepted event: cheap to record, matched after the phase. */
export interface AcceptedRecord {
  agentId: string;
  /** The event's detail as the bus parsed it: our metadata and the CXone event as `data`. */
  detail: { metadata: { agentId: string }; data: unknown };
  acceptedAt: number;
}

/** Latency samples (ms) of one phase, and how many window events were not found on the bus. */
export interface LatencySamples {
  /** Simulator emit → local bus accept. */
  endToEnd: number[];
  /** Simulator emit → get-next-event response written (the CXone side: hold, batching). */
  toDelivery: number[];
  /** get-next-event response written → bus accept (the bridge: handler, publishing, orchestration). */
  deliveryToBus: number[];
  /** Emitted in the window but not (yet) on the bus when the phase was read. */
  unmatched: number;
  /** The slowest events, to see where a tail comes from. */
  slowest: SlowEvent[];
  /** End-to-end samples by tenth of the window, by emit time. */
  bySlice: number[][];
}

export interface SlowEvent {
  /** Seconds after the window opened that the simulator emitted it. */
  emittedAtSeconds: number;
  agentId: string;
  type: string;
  endToEndMs: number;
  toDeliveryMs: number | null;
  deliveryToBusMs: number | null;
}

const SLOWEST_KEPT = 5;
const SLICES = 10;

/** Where the bus listener files what it sees during a phase. */
export interface AcceptedLog {
  /** CXone events, in acceptance order. */
  records: AcceptedRecord[];
  /** The bridge's own lifecycle events (PollingStarted, Heartbeat, …), counted only. */
  lifecycle: number;
}

/** Records accepted events without touching their content: matching costs nothing during the run. */
export function recordAccepted(log: AcceptedLog) {
  return (accepted: AcceptedEvent): void => {
    if (isLifecycleDetailType(accepted.event['detail-type'])) {
      log.lifecycle += 1;
      return;
    }
    const detail = accepted.event.detail as AcceptedRecord['detail'];
    log.records.push({ agentId: detail.metadata.agentId, detail, acceptedAt: accepted.acceptedAt });
  };
}

/**
 * Pairs every event emitted in [fromPerf, toPerf) with its first arrival on the bus, by agent and
 * canonical content (the simulator's timestamps make each event's content unique).
 */
export function matchLatencies(emitted: readonly EmittedEvent[], accepted: readonly AcceptedRecord[], fromPerf: number, toPerf: number): LatencySamples {
  const arrivals = new Map<string, number[]>();
  for (const record of accepted) {
    const key = `${record.agentId}|${canonicalJson(record.detail.data)}`;
    const list = arrivals.get(key);
    if (list) list.push(record.acceptedAt);
    else arrivals.set(key, [record.acceptedAt]);
  }
  const samples: LatencySamples = {
    endToEnd: [],
    toDelivery: [],
    deliveryToBus: [],
    unmatched: 0,
    slowest: [],
    bySlice: Array.from({ length: SLICES }, () => []),
  };
  for (const event of emitted) {
    if (event.emittedAtPerf < fromPerf || event.emittedAtPerf >= toPerf) continue;
    const at = arrivals.get(`${event.agentId}|${canonicalJson(event.event)}`)?.shift();
    if (at === undefined) {
      samples.unmatched += 1;
      continue;
    }
    samples.endToEnd.push(at - event.emittedAtPerf);
    samples.bySlice[Math.min(SLICES - 1, Math.floor(((event.emittedAtPerf - fromPerf) / (toPerf - fromPerf)) * SLICES))]?.push(at - event.emittedAtPerf);
    if (event.deliveredAtPerf !== undefined) {
      samples.toDelivery.push(event.deliveredAtPerf - event.emittedAtPerf);
      samples.deliveryToBus.push(at - event.deliveredAtPerf);
    }
    keepSlowest(samples.slowest, {
      emittedAtSeconds: round((event.emittedAtPerf - fromPerf) / 1000),
      agentId: event.agentId,
      type: String((event.event as { Type?: unknown }).Type ?? 'untyped'),
      endToEndMs: round(at - event.emittedAtPerf),
      toDeliveryMs: event.deliveredAtPerf === undefined ? null : round(event.deliveredAtPerf - event.emittedAtPerf),
      deliveryToBusMs: event.deliveredAtPerf === undefined ? null : round(at - event.deliveredAtPerf),
    });
  }
  return samples;
}

function keepSlowest(list: SlowEvent[], candidate: SlowEvent): void {
  if (list.length >= SLOWEST_KEPT && (list[list.length - 1]?.endToEndMs ?? 0) >= candidate.endToEndMs) return;
  list.push(candidate);
  list.sort((a, b) => b.endToEndMs - a.endToEndMs);
  if (list.length > SLOWEST_KEPT) list.pop();
}

const round = (value: number) => Math.round(value * 10) / 10;
