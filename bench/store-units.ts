import type { StoreUnits } from './cost-model.js';
import type { PhaseResult } from './session-load.js';

/** What one measured window did and what the checkpoint store's requests cost in it. */
export interface StoreWindow {
  label: string;
  polls: number;
  /** Polls answered 200 (with events). */
  eventPolls: number;
  /** CXone events put on the bus. */
  events: number;
  lifecycleEvents: number;
  writeUnits: number;
  readUnits: number;
}

/** One kind of unit, split per driver, and the drivers the windows could not tell apart. */
export interface StoreUnitsSplit {
  units: StoreUnits;
  /** Drivers left at 0: no window had them, or they were not separable from another (their units went to it). */
  notSeparated: Exclude<keyof StoreUnits, 'perPoll'>[];
}

export interface MeasuredStoreUnits {
  write: StoreUnitsSplit;
  read: StoreUnitsSplit;
  /** Windows of timed-out polls only: units per poll. */
  idleWindows: StoreWindow[];
  /** Windows whose units beyond the per-poll ones are split over answered polls, events and lifecycle events. */
  busyWindows: StoreWindow[];
  /** Metered requests with non-ASCII text (see local/aws/dynamodb-meter.ts): 0 means every item was sized as the docs size it. */
  nonAsciiRequests: number;
}

/** A phase's counters as a store window. */
export function storeWindow(label: string, phase: PhaseResult): StoreWindow {
  return {
    label,
    polls: phase.polls,
    eventPolls: phase.pollsByOutcome.EVENTS ?? 0,
    events: phase.eventsOnBus,
    lifecycleEvents: phase.lifecycleEventsOnBus,
    writeUnits: phase.store.writeUnits,
    readUnits: phase.store.readUnits,
  };
}

const DRIVERS = ['perEventPoll', 'perEvent', 'perLifecycleEvent'] as const;
type Driver = (typeof DRIVERS)[number];
const DROP_ORDER: Driver[] = ['perLifecycleEvent', 'perEventPoll', 'perEvent'];
const driverCount: Record<Driver, (window: StoreWindow) => number> = {
  perEventPoll: (window) => window.eventPolls,
  perEvent: (window) => window.events,
  perLifecycleEvent: (window) => window.lifecycleEvents,
};

/**
 * The store's units per idle poll, per answered poll, per event and per lifecycle event, from the
 * meter's readings over the windows: per poll is the idle windows' units per (timed-out) poll; the
 * busy windows' units beyond that are split over answered polls, events and lifecycle events by least
 * squares on each window's units per poll, weighted by its polls. A driver no window had, or
 * one the fit could not tell from another (a negative or undetermined share), is left at 0 and the
 * fit is repeated without it, so its units go to the drivers kept.
 */
export function measureStoreUnits(idleWindows: StoreWindow[], busyWindows: StoreWindow[], nonAsciiRequests = 0): MeasuredStoreUnits {
  const split = (units: (window: StoreWindow) => number): StoreUnitsSplit => {
    const idlePolls = sum(idleWindows.map((window) => window.polls));
    const perPoll = idlePolls > 0 ? sum(idleWindows.map(units)) / idlePolls : 0;
    const rows = busyWindows
      .filter((window) => window.polls > 0)
      .map((window) => ({ window, residual: (units(window) - perPoll * window.polls) / window.polls }));
    let kept: Driver[] = DRIVERS.filter((driver) => rows.some(({ window }) => driverCount[driver](window) > 0));
    let shares: number[] = [];
    while (kept.length > 0) {
      // Weighted by polls: a window's units per poll vary about as 1 / polls (a 3-poll window weighs little).
      const fitted = leastSquares(
        rows.map(({ window }) => kept.map((driver) => (driverCount[driver](window) / window.polls) * Math.sqrt(window.polls))),
        rows.map(({ window, residual }) => residual * Math.sqrt(window.polls)),
      );
      if (fitted?.every((share) => share >= 0)) {
        shares = fitted;
        break;
      }
      // Undetermined: give up lifecycle events, then answered polls (events stay); negative: the most negative.
      const drop = fitted ? kept[fitted.indexOf(Math.min(...fitted))] : DROP_ORDER.find((driver) => kept.includes(driver));
      kept = kept.filter((driver) => driver !== drop);
    }
    const share = (driver: Driver) => (kept.includes(driver) ? (shares[kept.indexOf(driver)] ?? 0) : 0);
    return {
      units: { perPoll, perEventPoll: share('perEventPoll'), perEvent: share('perEvent'), perLifecycleEvent: share('perLifecycleEvent') },
      notSeparated: DRIVERS.filter((driver) => !kept.includes(driver)),
    };
  };
  return { write: split((window) => window.writeUnits), read: split((window) => window.readUnits), idleWindows, busyWindows, nonAsciiRequests };
}

/** Solves the normal equations of `rows × shares ≈ targets`; undefined when they have no single solution. */
export function leastSquares(rows: number[][], targets: number[]): number[] | undefined {
  const width = rows[0]?.length ?? 0;
  if (width === 0 || rows.length < width) return undefined;
  // [AᵀA | Aᵀy], then Gauss-Jordan with partial pivoting.
  const matrix = Array.from({ length: width }, (_, i) => [
    ...Array.from({ length: width }, (_, j) => sum(rows.map((row) => (row[i] ?? 0) * (row[j] ?? 0)))),
    sum(rows.map((row, index) => (row[i] ?? 0) * (targets[index] ?? 0))),
  ]);
  const scale = Math.max(...matrix.map((row, i) => Math.abs(row[i] ?? 0)), 1e-300);
  for (let column = 0; column < width; column++) {
    let pivot = column;
    for (let row = column + 1; row < width; row++) if (Math.abs(matrix[row]?.[column] ?? 0) > Math.abs(matrix[pivot]?.[column] ?? 0)) pivot = row;
    const pivotRow = matrix[pivot];
    const current = matrix[column];
    if (!pivotRow || !current || Math.abs(pivotRow[column] ?? 0) < 1e-9 * scale) return undefined;
    matrix[pivot] = current;
    matrix[column] = pivotRow;
    for (let row = 0; row < width; row++) {
      const target = matrix[row];
      if (row === column || !target) continue;
      const factor = (target[column] ?? 0) / (pivotRow[column] ?? 1);
      for (let k = column; k <= width; k++) target[k] = (target[k] ?? 0) - factor * (pivotRow[k] ?? 0);
    }
  }
  return matrix.map((row, i) => (row[width] ?? 0) / (row[i] ?? 1));
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
