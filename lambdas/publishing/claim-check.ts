import { createHash } from 'node:crypto';
import { CLAIM_CHECK_PREFIX, type ClaimCheck, type ClaimCheckDetail, type EnvelopeEntry, EventMetadataSchema } from '../../contract/envelope.js';
import type { ObjectStore } from './object-store.js';

/**
 * Stores the whole `detail` of an entry too large for EventBridge and returns the small entry that
 * points at it (same Source, DetailType, Time and metadata). Throws when the store refuses; the
 * publisher then keeps the event unpublished, to be tried again.
 */
export type ClaimCheckPort = (entry: EnvelopeEntry) => Promise<EnvelopeEntry>;

export class ClaimCheckError extends Error {
  override readonly name = 'ClaimCheckError';
}

/**
 * Claim checks in an object store, one object per event at `claim-checks/<tenant>/<agentId>/<eventId>.json`.
 * The key follows from the event's id, so storing the same event again (a retried invocation, a
 * redrive) rewrites the same bytes under the same key instead of leaving a second copy.
 */
export function objectStoreClaimCheck(store: ObjectStore): ClaimCheckPort {
  return async (entry) => {
    const metadata = EventMetadataSchema.safeParse(readMetadata(entry.Detail));
    if (!metadata.success) throw new ClaimCheckError('only bridge envelopes (detail.metadata) can be claim-checked');
    const { tenant, agentId, eventId } = metadata.data;
    const key = `${CLAIM_CHECK_PREFIX}${tenant}/${agentId}/${eventId}.json`;
    const sha256 = createHash('sha256').update(entry.Detail, 'utf8').digest('hex');
    await store.put(key, entry.Detail, { sha256 });
    const claimCheck: ClaimCheck = {
      bucket: store.bucket,
      key,
      uri: `s3://${store.bucket}/${key}`,
      size: Buffer.byteLength(entry.Detail, 'utf8'),
      sha256,
      contentType: 'application/json',
    };
    const detail: ClaimCheckDetail = { metadata: metadata.data, claimCheck };
    return { ...entry, Detail: JSON.stringify(detail) };
  };
}

function readMetadata(detail: string): unknown {
  try {
    return (JSON.parse(detail) as { metadata?: unknown }).metadata;
  } catch {
    return undefined;
  }
}
