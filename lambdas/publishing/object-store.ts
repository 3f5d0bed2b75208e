/** One object as a listing shows it. */
export interface StoredObjectSummary {
  key: string;
  size: number;
}

/**
 * The few object-store calls the bridge makes, over one bucket: claim checks and parked items are
 * written, listed, read and deleted through it. The adapter over S3 lives in s3-object-store.ts.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** Writes the whole body; the store checks it against `sha256` (lowercase hex) when given. */
  put(key: string, body: string, options?: { sha256?: string }): Promise<void>;
  /** The object's body as UTF-8 text; throws ObjectNotFoundError when there is none. */
  get(key: string): Promise<string>;
  /** Every object under the prefix, in key order, page by page. */
  list(prefix: string): AsyncIterable<StoredObjectSummary>;
  /** Removes the object; removing one that is not there is not an error (as in S3). */
  delete(key: string): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
}
