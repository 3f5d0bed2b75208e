import { createHash } from 'node:crypto';
import type { ObjectStore } from '../../lambdas/publishing/object-store.js';

/** An object store in memory that checks the SHA-256 it is given and refuses a missing key, as S3 does. */
export function memoryObjectStore(): ObjectStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    bucket: 'large-events',
    objects,
    async put(key, body, options = {}) {
      if (options.sha256 && createHash('sha256').update(body).digest('hex') !== options.sha256) throw new Error('BadDigest');
      objects.set(key, body);
    },
    async get(key) {
      const body = objects.get(key);
      if (body === undefined) throw new Error(`NoSuchKey ${key}`);
      return body;
    },
    async *list(prefix) {
      for (const key of [...objects.keys()].filter((k) => k.startsWith(prefix)).sort()) yield { key, size: Buffer.byteLength(objects.get(key) ?? '') };
    },
    async delete(key) {
      objects.delete(key);
    },
  };
}
