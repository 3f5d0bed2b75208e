/** Wall clock for event timestamps that never repeats a millisecond. */
export interface SimClock {
  /** Epoch milliseconds, strictly increasing across calls. */
  now(): number;
}

/**
 * Creates a strictly increasing clock. Why: at high `timeScale` several state changes of one contact
 * can fall in the same millisecond, and consumers key idempotency on `LastStateChangeTimeUTC`/`StartTimeUTC`.
 */
export const createSimClock = (): SimClock => {
  let last = 0;
  return {
    now: () => {
      last = Math.max(Date.now(), last + 1);
      return last;
    },
  };
};

/**
 * The simulated business unit's offset from UTC, in minutes. The samples show BU-local
 * times six hours behind UTC without an offset suffix (CXone does not document the real format).
 */
export const BU_UTC_OFFSET_MINUTES = -360;

/** ISO-8601 UTC with milliseconds, e.g. `2025-03-12T14:00:01.000Z` (the `...UTC` fields). */
export const utcIso = (ms: number): string => new Date(ms).toISOString();

/** BU-local ISO-8601 without offset, e.g. `2025-03-12T08:00:01.000` (the fields without `UTC`). */
export const buLocalIso = (ms: number): string => new Date(ms + BU_UTC_OFFSET_MINUTES * 60_000).toISOString().slice(0, -1);

/** The value CXone uses for "no date" (e.g. `DialerCampaignStartTime` when there is no campaign). */
export const NO_DATE = '0001-01-01T00:00:00.000Z';
