/** String matchers beyond equality: equals-ignore-case (also inside prefix/suffix) and wildcard. */

import { InvalidEventPatternError } from './event-pattern-error.js';

/** Per character of the pattern, its lower- and upper-case forms (which may differ in length, e.g. ß/SS). */
function caseAlternatives(text: string): string[][] {
  return Array.from(text, (c) => [...new Set([c.toLowerCase(), c.toUpperCase()])]);
}

function reachIgnoringCase(raw: string, alts: readonly (readonly string[])[], fromEnd: boolean): Set<number> {
  let reachable = new Set([fromEnd ? raw.length : 0]);
  for (let i = 0; i < alts.length; i++) {
    const options = alts[fromEnd ? alts.length - 1 - i : i] ?? [];
    const next = new Set<number>();
    for (const at of reachable) {
      for (const o of options) {
        const start = fromEnd ? at - o.length : at;
        if (start >= 0 && raw.startsWith(o, start)) next.add(fromEnd ? start : at + o.length);
      }
    }
    if (next.size === 0) return next;
    reachable = next;
  }
  return reachable;
}

type IgnoreCaseMode = 'equals' | 'prefix' | 'suffix';

export function ignoreCaseTest(text: string, mode: IgnoreCaseMode): (raw: string) => boolean {
  const alts = caseAlternatives(text);
  if (mode === 'equals') return (raw) => reachIgnoringCase(raw, alts, false).has(raw.length);
  if (mode === 'prefix') return (raw) => reachIgnoringCase(raw, alts, false).size > 0;
  return (raw) => reachIgnoringCase(raw, alts, true).size > 0;
}

/** Literal segments between unescaped `*`, or a reason the wildcard is invalid (event-ruler's WildcardParser). */
export function parseWildcard(quoted: string): string[] | { error: string } {
  const segments: string[] = [];
  let current = '';
  const bytePos = (i: number): number => Buffer.byteLength(quoted.slice(0, i), 'utf8');
  for (let i = 0; i < quoted.length; i++) {
    const c = quoted.charAt(i);
    if (c === '*') {
      if (quoted[i + 1] === '*') return { error: `Consecutive wildcard characters at pos ${bytePos(i)}` };
      segments.push(current);
      current = '';
    } else if (c === '\\') {
      const next = quoted.charAt(i + 1);
      if (next !== '*' && next !== '\\') return { error: `Invalid escape character at pos ${bytePos(i)}` };
      current += next;
      i++;
    } else {
      current += c;
    }
  }
  segments.push(current);
  return segments;
}

function wildcardTest(segments: readonly string[]): (raw: string) => boolean {
  const first = segments[0] ?? '';
  if (segments.length === 1) return (raw) => raw === first;
  const last = segments[segments.length - 1] ?? '';
  const middle = segments.slice(1, -1);
  return (raw) => {
    if (raw.length < first.length + last.length || !raw.startsWith(first) || !raw.endsWith(last)) return false;
    let at = first.length;
    const end = raw.length - last.length;
    for (const seg of middle) {
      const found = raw.indexOf(seg, at);
      if (found < 0 || found + seg.length > end) return false;
      at = found + seg.length;
    }
    return true;
  };
}

export function compileWildcard(text: string, path: string): (raw: string) => boolean {
  const parsed = parseWildcard(`"${text}"`);
  if (!Array.isArray(parsed)) throw new InvalidEventPatternError(parsed.error, path);
  return wildcardTest(parsed);
}

// EventBridge refuses wildcard rules whose byte machine can sit in more than this many
// wildcard states at once (event-ruler's MachineComplexityEvaluator, applied by the service).
export const MAX_WILDCARD_COMPLEXITY = 10;
export const TOO_COMPLEX = 'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** Worst-case number of simultaneously active wildcard-pattern states over any input. */
export function wildcardComplexity(patterns: readonly string[]): number {
  const STAR = -1;
  const machines = patterns.map((w) => {
    const bytes = Buffer.from(`"${w}"`, 'utf8');
    const tokens: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      if (b === 0x2a) tokens.push(STAR);
      else if (b === 0x5c) tokens.push(bytes[++i] ?? 0);
      else tokens.push(b);
    }
    return tokens;
  });
  const alphabet = new Set<number>([256]); // 256 stands for every byte no pattern names
  for (const t of machines) for (const b of t) if (b !== STAR) alphabet.add(b);
  const id = (m: number, s: number): number => m * 65536 + s;
  const seen = new Set<string>();
  const queue: number[][] = [machines.map((_, m) => id(m, 0))];
  let worst = 0;
  while (queue.length > 0 && seen.size < 20000) {
    const active = queue.shift() ?? [];
    for (const b of alphabet) {
      const next = new Set<number>();
      for (const state of active) {
        const m = Math.floor(state / 65536);
        const s = state % 65536;
        const t = machines[m] ?? [];
        if (s > 0 && t[s - 1] === STAR) next.add(state);
        if (s >= t.length) continue;
        if (t[s] === STAR) {
          next.add(id(m, s + 1));
          if (t[s + 1] === b) next.add(id(m, s + 2));
        } else if (t[s] === b) next.add(id(m, s + 1));
      }
      if (next.size === 0) continue;
      let size = 0;
      for (const state of next) {
        const m = Math.floor(state / 65536);
        const s = state % 65536;
        size += 1;
        if ((machines[m] ?? [])[s] === STAR && !next.has(id(m, s + 1))) size += 1;
      }
      if (size > MAX_WILDCARD_COMPLEXITY) return size;
      worst = Math.max(worst, size);
      const sorted = [...next].sort((x, y) => x - y);
      const key = sorted.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(sorted);
      }
    }
  }
  return worst;
}
