import { createHash } from 'node:crypto';
import { type ParkPort, parkedItemKey } from '../../contract/dead-letter.js';
import type { ObjectStore } from './object-store.js';

/** Parks each item whole as an object of its own, in order; throws on the first the store refuses. */
export function objectStorePark(store: ObjectStore): ParkPort {
  return async (items) => {
    for (const item of items) {
      const body = JSON.stringify(item);
      await store.put(parkedItemKey(item), body, { sha256: createHash('sha256').update(body, 'utf8').digest('hex') });
    }
  };
}
