/**
 * The wire contract learned from `cxone-sample-events.json`: for each event type, its exact key set
 * and, per key, the kinds of value seen ("True"/"False", integer string, ISO date, "", text, array).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The sample shift, a fixture in the repository (origin in test/fixtures/README.md). */
export const SAMPLES_PATH = resolve(import.meta.dirname, '../fixtures/cxone-sample-events.json');

/** Whether the shared reference is present (a bare clone of the repo has no ../shared). */
export const samplesAvailable = existsSync(SAMPLES_PATH);

/** Kind of a wire value. */
export type ValueKind = 'bool' | 'int' | 'date' | 'empty' | 'text' | 'array' | 'object' | 'non-string';

/** Classifies one value. */
export const kindOf = (value: unknown): ValueKind => {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object' && value !== null) return 'object';
  if (typeof value !== 'string') return 'non-string';
  if (value === '') return 'empty';
  if (value === 'True' || value === 'False') return 'bool';
  if (/^\d+$/.test(value)) return 'int';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/.test(value) && !Number.isNaN(Date.parse(value))) return 'date';
  return 'text';
};

/** Per type: the key list and, per key, the kinds the samples show. */
export type SampleContract = Map<string, { keys: string[]; kinds: Map<string, Set<ValueKind>> }>;

/** Loads the samples and learns the contract. */
export const loadSampleContract = (): { samples: Record<string, unknown>[]; contract: SampleContract } => {
  const samples = JSON.parse(readFileSync(SAMPLES_PATH, 'utf8')) as Record<string, unknown>[];
  const contract: SampleContract = new Map();
  for (const sample of samples) {
    const type = String(sample.Type ?? sample.type);
    let entry = contract.get(type);
    if (!entry) {
      entry = { keys: Object.keys(sample).sort(), kinds: new Map() };
      contract.set(type, entry);
    }
    for (const [key, value] of Object.entries(sample)) {
      const kinds = entry.kinds.get(key) ?? new Set<ValueKind>();
      kinds.add(kindOf(value));
      entry.kinds.set(key, kinds);
    }
  }
  return { samples, contract };
};

/** Lists how an event breaks the contract of its type ([] when it conforms). */
export const contractViolations = (contract: SampleContract, event: Record<string, unknown>): string[] => {
  const type = String(event.Type ?? event.type);
  const entry = contract.get(type);
  if (!entry) return [`no sample of type ${type}`];
  const problems: string[] = [];
  const keys = Object.keys(event).sort();
  const missing = entry.keys.filter((k) => !keys.includes(k));
  const extra = keys.filter((k) => !entry.keys.includes(k));
  if (missing.length) problems.push(`${type} misses keys ${missing.join(', ')}`);
  if (extra.length) problems.push(`${type} has extra keys ${extra.join(', ')}`);
  for (const key of keys) {
    const allowed = entry.kinds.get(key);
    const kind = kindOf(event[key]);
    if (allowed && !allowed.has(kind)) {
      problems.push(`${type}.${key} is ${kind} (${JSON.stringify(event[key])}), samples show ${[...allowed].join('/')}`);
    }
  }
  const next = event.NextStates;
  if (Array.isArray(next)) {
    for (const item of next) {
      const ok = typeof item === 'object' && item !== null && Object.keys(item).sort().join() === 'OutReason,State';
      if (!ok) problems.push(`${type}.NextStates item ${JSON.stringify(item)} is not {State, OutReason}`);
    }
  }
  return problems;
};
