/**
 * Matching (event-ruler's Event flattening + ACFinder): the event is flattened into leaves at the
 * pattern's field paths, and a sub-rule matches when every field has a matching leaf, all drawn
 * from the same elements of any array they sit in.
 */

import { ipHex, looksLikeIp } from './event-pattern-ip.js';
import { type FieldSpec, type Leaf, NUMERIC_RAW, type SubRule } from './event-pattern-model.js';
import { comparable, numberText } from './event-pattern-numbers.js';

const NO_MEMBERSHIP: readonly number[] = [];

function flatten(doc: Record<string, unknown>, used: ReadonlySet<string>): Map<string, Leaf[]> {
  const out = new Map<string, Leaf[]>();
  const membership: number[] = [];
  let arrays = 0;

  const add = (path: string, raw: string, num: number | undefined, str: string | undefined): void => {
    const m = membership.length === 0 ? NO_MEMBERSHIP : membership.slice();
    const leaf: Leaf = { raw, num, str, membership: m, sig: m.length === 0 ? '' : m.join(',') };
    const list = out.get(path);
    if (list) list.push(leaf);
    else out.set(path, [leaf]);
  };
  const visit = (path: string, v: unknown): void => {
    if (v === null) add(path, 'null', undefined, undefined);
    else if (typeof v === 'string') add(path, `"${v}"`, undefined, v);
    else if (typeof v === 'number') {
      if (Number.isFinite(v)) add(path, numberText(v), v, undefined);
      else add(path, 'null', undefined, undefined);
    } else if (typeof v === 'boolean') add(path, String(v), undefined, undefined);
    else if (typeof v === 'bigint') add(path, v.toString(), Number(v), undefined);
    else if (Array.isArray(v)) {
      const id = arrays++;
      v.forEach((el, i) => {
        // Only object and array elements record their position; primitives inherit the parent's.
        if (typeof el === 'object' && el !== null) {
          membership.push(id, i);
          visit(path, el);
          membership.length -= 2;
        } else if (el === undefined) visit(path, null);
        else visit(path, el);
      });
    } else if (typeof v === 'object') {
      for (const key of Object.keys(v as object)) {
        const child = `${path}.${key}`;
        if (used.has(child)) visit(child, (v as Record<string, unknown>)[key]);
      }
    }
  };
  for (const key of Object.keys(doc)) if (used.has(key)) visit(key, doc[key]);
  return out;
}

function fieldMatches(spec: FieldSpec, leaf: Leaf): boolean {
  let raw = leaf.raw;
  let num: number | undefined;
  // event-ruler rewrites the value per byte machine: numbers into comparable form when the
  // machine has numeric patterns, otherwise IP strings into hex when it has IP patterns.
  if (spec.numeric) {
    if (leaf.num !== undefined) {
      num = comparable(leaf.num);
      if (num !== undefined) raw = NUMERIC_RAW;
    }
  } else if (spec.ip && leaf.str !== undefined && looksLikeIp(leaf.str)) {
    raw = ipHex(leaf.str) ?? raw;
  }
  for (const m of spec.matchers) if (m(raw, num)) return true;
  return false;
}

/** Adds `field` to `soFar`, or returns undefined when they disagree on an array element. */
function join(soFar: ReadonlyMap<number, number>, field: readonly number[]): ReadonlyMap<number, number> | undefined {
  let merged: Map<number, number> | undefined;
  for (let i = 0; i < field.length; i += 2) {
    const arr = field[i] as number;
    const idx = field[i + 1] as number;
    const seen = soFar.get(arr);
    if (seen === undefined) {
      merged ??= new Map(soFar);
      merged.set(arr, idx);
    } else if (seen !== idx) return undefined;
  }
  return merged ?? soFar;
}

function signature(m: ReadonlyMap<number, number>): string {
  if (m.size === 0) return '';
  return [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
}

function matchSubRule(rule: SubRule, event: ReadonlyMap<string, Leaf[]>): boolean {
  const fields = rule.fields;
  const all: Leaf[][] = [];
  const candidates: Leaf[][] = [];
  for (const spec of fields) {
    const leaves = event.get(spec.path) ?? [];
    const bySig = new Map<string, Leaf>();
    if (spec.matchers.length > 0) {
      for (const leaf of leaves) if (!bySig.has(leaf.sig) && fieldMatches(spec, leaf)) bySig.set(leaf.sig, leaf);
    }
    // Cheap exits: nothing can match, and an array-free leaf defeats exists:false everywhere.
    if (bySig.size === 0 && (!spec.absent || leaves.some((l) => l.sig === ''))) return false;
    all.push(leaves);
    // Leaves in the same array elements are interchangeable for the rest of the search.
    candidates.push([...bySig.values()]);
  }

  const failed = new Set<string>();
  const search = (i: number, soFar: ReadonlyMap<number, number>): boolean => {
    if (i === fields.length) return true;
    const memo = `${i}|${signature(soFar)}`;
    if (failed.has(memo)) return false;
    for (const leaf of candidates[i] ?? []) {
      const next = join(soFar, leaf.membership);
      if (next && search(i + 1, next)) return true;
    }
    // exists:false holds when no leaf at this path sits in the array elements chosen so far.
    if ((fields[i] as FieldSpec).absent && !(all[i] ?? []).some((l) => join(soFar, l.membership) !== undefined)) {
      if (search(i + 1, soFar)) return true;
    }
    failed.add(memo);
    return false;
  };
  return search(0, new Map());
}

/** A test for parsed events against `subRules`; only the fields the pattern names are flattened. */
export function eventMatcher(subRules: readonly SubRule[]): (doc: Record<string, unknown>) => boolean {
  const prefixes = new Set<string>();
  for (const rule of subRules) {
    for (const f of rule.fields) {
      const steps = f.path.split('.');
      for (let i = 1; i <= steps.length; i++) prefixes.add(steps.slice(0, i).join('.'));
    }
  }
  return (doc) => {
    const leaves = flatten(doc, prefixes);
    return subRules.some((rule) => matchSubRule(rule, leaves));
  };
}
