/** Numeric matching: values compared as scaled integers, the way event-ruler's ComparableNumber does. */

import { InvalidEventPatternError } from './event-pattern-error.js';

// AWS documents numeric matching for -5.0e9..+5.0e9 with six digits after the decimal point.
const NUMERIC_LIMIT = 5e9;
const RANGE_MESSAGE = 'Value must be between -5.0E9 and 5.0E9, inclusive';

/** Scaled integer (value × 1e6, floored) or undefined when outside the documented range. */
export function comparable(n: number): number | undefined {
  if (!Number.isFinite(n) || n < -NUMERIC_LIMIT || n > NUMERIC_LIMIT) return undefined;
  if (Number.isInteger(n)) return n * 1e6 + 0;
  // Exact decimal arithmetic on the shortest representation, so 0.1 stays 100000.
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) return Math.floor(n * 1e6);
  const digits = BigInt(`${m[2]}${m[3] ?? ''}`);
  const shift = 6 + Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  const negative = m[1] === '-';
  let scaled: bigint;
  if (shift >= 0) scaled = digits * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    scaled = digits / div;
    if (negative && digits % div !== 0n) scaled += 1n; // floor, not truncation, for negatives
  }
  return Number(negative ? -scaled : scaled);
}

export function comparableOrThrow(n: number, path: string): number {
  const c = comparable(n);
  if (c === undefined) throw new InvalidEventPatternError(RANGE_MESSAGE, path);
  return c;
}

export function numberText(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}
