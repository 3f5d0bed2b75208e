/**
 * EventBridge PutEvents quotas (Amazon EventBridge User Guide, "Calculating PutEvents event entry
 * size" and the PutEvents API reference): at most 10 entries per call, and the entry size must be
 * less than 256 KB, counted as Time (14 bytes) + UTF-8 bytes of Source, DetailType, Detail and
 * each Resource. The request's total entry size is held to the same bound.
 */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_ENTRY_BYTES = 256 * 1024;
export const PUT_EVENTS_MAX_REQUEST_BYTES = 256 * 1024;
/** DetailType is 1–128 characters. */
export const DETAIL_TYPE_MAX_LENGTH = 128;

/** Size of one PutEvents entry as EventBridge counts it. */
export function putEventsEntrySize(entry: { Source: string; DetailType: string; Detail?: string; Time?: Date; Resources?: string[] }): number {
  let size = entry.Time ? 14 : 0;
  size += Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType);
  if (entry.Detail) size += Buffer.byteLength(entry.Detail);
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource);
  return size;
}
