import { z } from 'zod';

/** An agent discovery could not start, kept so that the next run retries it whatever its delta says. */
export const RetryEntrySchema = z.object({
  agentId: z.string().min(1),
  sessionStartTime: z.string().min(1),
  teamId: z.string().nullish(),
});
export type RetryEntry = z.infer<typeof RetryEntrySchema>;

/** What discovery keeps between runs (in an SSM parameter, as JSON). */
export const DiscoveryCursorSchema = z.object({
  v: z.literal(1),
  /** The last answer's `lastPollTime`: the next delta read's `updatedSince`. */
  lastPollTime: z.string().min(1),
  /** When the last full reconcile ran (ISO 8601); absent means the next run reconciles. */
  reconciledAt: z.string().optional(),
  /** Agents whose start failed, retried first by the next run. */
  retry: z.array(RetryEntrySchema).default([]),
});
export type DiscoveryCursor = z.infer<typeof DiscoveryCursorSchema>;

/**
 * A standard SSM parameter holds at most 4,096 characters
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html);
 * past this the retry list is dropped and the next run reconciles instead, which retries everyone.
 */
export const MAX_CURSOR_CHARACTERS = 4_096;

/**
 * Reads the stored value. A value that is not our JSON is the cursor of an older version (a bare
 * `lastPollTime`), kept as the delta cursor with a reconcile due; anything unreadable counts as lost.
 */
export function parseDiscoveryCursor(value: string | undefined): DiscoveryCursor | undefined {
  if (!value) return undefined;
  if (!value.trimStart().startsWith('{')) return { v: 1, lastPollTime: value, retry: [] };
  try {
    const parsed = DiscoveryCursorSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The stored form; a retry list too long for the parameter is replaced by a reconcile on the next run. */
export function serializeDiscoveryCursor(cursor: DiscoveryCursor): string {
  const text = JSON.stringify(cursor);
  if (text.length <= MAX_CURSOR_CHARACTERS) return text;
  const { reconciledAt: _dropped, ...rest } = cursor;
  return JSON.stringify({ ...rest, retry: [] });
}
