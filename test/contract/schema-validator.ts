import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

/** The committed JSON Schemas, one per detail type. */
export const SCHEMAS_DIR = join(import.meta.dirname, '../../schemas');

/** The text of one committed schema file. */
export const committedSchema = (name: string): string => readFileSync(join(SCHEMAS_DIR, name), 'utf8');

/** Draft 4 writes exclusive bounds as booleans beside minimum/maximum; Ajv 8 speaks draft 7, where they are numbers. */
function toDraft7(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toDraft7);
  if (schema === null || typeof schema !== 'object') return schema;
  const { $schema: _, ...rest } = schema as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, toDraft7(value)]));
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[flag] === true) {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  return out;
}

const cache = new Map<string, ValidateFunction>();

/** A validator for the committed schema of one detail type. */
export function validatorOf(detailType: string): ValidateFunction {
  let validate = cache.get(detailType);
  if (!validate) {
    validate = new Ajv({ strict: false, allErrors: true }).compile(toDraft7(JSON.parse(committedSchema(`${detailType}.json`))) as object);
    cache.set(detailType, validate);
  }
  return validate;
}
