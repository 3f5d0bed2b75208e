/** Nearest-rank percentiles of a sample, rounded to 0.1; null for an empty sample. */
export function percentiles(values: number[], ranks: number[] = [50, 95, 99]): Record<string, number | null> {
  const sorted = [...values].sort((a, b) => a - b);
  const result: Record<string, number | null> = {};
  for (const rank of ranks) {
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1));
    const value = sorted[index];
    result[`p${rank}`] = value === undefined ? null : Math.round(value * 10) / 10;
  }
  result.max = sorted.length ? Math.round((sorted[sorted.length - 1] as number) * 10) / 10 : null;
  return result;
}
