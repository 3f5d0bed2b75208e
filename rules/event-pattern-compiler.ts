/**
 * Pattern compilation (event-ruler's JsonRuleCompiler): validates a pattern with AWS's messages and
 * turns it into sub-rules, one per `$or` alternative, each a sorted list of field paths and matchers.
 */

import { InvalidEventPatternError } from './event-pattern-error.js';
import { cidrMatcher, compileCidr, ipHex, looksLikeIp } from './event-pattern-ip.js';
import type { FieldSpec, Matcher, SubRule } from './event-pattern-model.js';
import { comparable, comparableOrThrow, numberText } from './event-pattern-numbers.js';
import { compileWildcard, ignoreCaseTest, MAX_WILDCARD_COMPLEXITY, parseWildcard, TOO_COMPLEX, wildcardComplexity } from './event-pattern-strings.js';

interface CompiledValue {
  readonly matchers: Matcher[];
  absent: boolean;
  numeric: boolean;
  ip: boolean;
  readonly wildcards: string[];
  readonly source: unknown[];
}

type RuleMap = Map<string, CompiledValue>;

// Keys event-ruler reserves inside `$or` branches.
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How event-ruler's streaming parser names a token in its messages. */
function tokenText(v: unknown): string {
  if (v === undefined) return ']';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberText(v);
  if (Array.isArray(v)) return '[';
  if (isObject(v)) return '{';
  return String(v);
}

function jsonKeys(obj: Record<string, unknown>): string[] {
  return Object.keys(obj).filter((k) => obj[k] !== undefined);
}

function childPath(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}

function parseObject(rules: RuleMap[], steps: string[], obj: Record<string, unknown>, insideOr: boolean, path: string): void {
  const keys = jsonKeys(obj);
  if (keys.length === 0) throw new InvalidEventPatternError('Empty objects are not allowed', path);
  for (const key of keys) {
    const value = obj[key];
    const here = childPath(path, key);
    if (key === '$or') {
      parseOr(rules, steps, value, here);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      throw new InvalidEventPatternError(`${key} is Ruler reserved fieldName which cannot be used inside $or.`, here);
    }
    if (isObject(value)) {
      parseObject(rules, [...steps, key], value, insideOr, here);
    } else if (Array.isArray(value)) {
      const compiled = compileValueList(value, here);
      if (rules.length === 0) rules.push(new Map());
      // A later write to the same dotted path replaces the earlier one, as in event-ruler.
      const name = [...steps, key].join('.');
      for (const rule of rules) rule.set(name, compiled);
    } else {
      throw new InvalidEventPatternError(`"${key}" must be an object or an array`, here);
    }
  }
}

function parseOr(rules: RuleMap[], steps: string[], value: unknown, path: string): void {
  if (!Array.isArray(value)) throw new InvalidEventPatternError('It must be an Array followed with $or.', path);
  const before = rules.map((r) => new Map(r));
  rules.length = 0;
  value.forEach((branch, i) => {
    if (!isObject(branch)) {
      throw new InvalidEventPatternError('Only JSON object is allowed in array of $or relationship.', childPath(path, i));
    }
    const forked = before.length > 0 ? before.map((r) => new Map(r)) : [new Map()];
    parseObject(forked, steps, branch, true, childPath(path, i));
    rules.push(...forked);
  });
  if (value.length < 2) throw new InvalidEventPatternError('There must have at least 2 Objects in $or relationship.', path);
}

function compileValueList(values: unknown[], path: string): CompiledValue {
  const out: CompiledValue = { matchers: [], absent: false, numeric: false, ip: false, wildcards: [], source: values };
  values.forEach((raw, i) => {
    const here = childPath(path, i);
    const v = raw === undefined ? null : raw;
    if (typeof v === 'string') {
      // A plain string that parses as an IP address is matched as that address, in any notation.
      const hex = looksLikeIp(v) ? ipHex(v) : undefined;
      if (hex !== undefined) {
        out.matchers.push(cidrMatcher(hex, hex));
        out.ip = true;
      } else {
        const quoted = `"${v}"`;
        out.matchers.push((r) => r === quoted);
      }
    } else if (typeof v === 'number') {
      // Numbers match numerically when in range, and always by their JSON text.
      const c = comparable(v);
      if (c !== undefined) {
        out.matchers.push((_r, n) => n === c);
        out.numeric = true;
      }
      const text = numberText(v);
      out.matchers.push((r) => r === text);
    } else if (v === null || typeof v === 'boolean') {
      const text = String(v);
      out.matchers.push((r) => r === text);
    } else if (isObject(v)) {
      compileMatchExpression(v, here, out);
    } else {
      throw new InvalidEventPatternError('Match value must be String, number, true, false, or null', here);
    }
  });
  if (values.length === 0) throw new InvalidEventPatternError('Empty arrays are not allowed', path);
  return out;
}

function compileMatchExpression(expr: Record<string, unknown>, path: string, out: CompiledValue): void {
  const keys = jsonKeys(expr);
  const name = keys[0];
  if (name === undefined) throw new InvalidEventPatternError('Match expression name not found', path);
  const operand = expr[name];
  const here = childPath(path, name);
  const fail = (reason: string, at = here): never => {
    throw new InvalidEventPatternError(reason, at);
  };
  const oneKey = (message = 'Only one key allowed in match expression'): void => {
    if (keys.length > 1) fail(message, path);
  };

  switch (name) {
    case 'exactly': {
      if (typeof operand !== 'string') fail('exact match pattern must be a string');
      const quoted = `"${operand as string}"`;
      oneKey();
      out.matchers.push((r) => r === quoted);
      return;
    }
    case 'prefix':
    case 'suffix': {
      let text: string;
      let ignoreCase = false;
      if (isObject(operand)) {
        const inner = jsonKeys(operand);
        const op = inner[0];
        if (op === undefined) fail(`${name === 'prefix' ? 'Prefix' : 'Suffix'} expression name not found`);
        if (op !== 'equals-ignore-case') fail(`Unsupported ${name} pattern: ${op}`);
        const v = operand['equals-ignore-case'];
        if (typeof v !== 'string') fail('equals-ignore-case match pattern must be a string', childPath(here, 'equals-ignore-case'));
        if (inner.length > 1) fail('Only one key allowed in match expression');
        text = v as string;
        ignoreCase = true;
      } else {
        if (typeof operand !== 'string') fail(`${name} match pattern must be a string`);
        text = operand as string;
      }
      oneKey();
      // Matched against the quoted JSON text, so only strings qualify and "" means "any string".
      if (name === 'prefix') {
        const p = `"${text}`;
        if (ignoreCase) {
          const test = ignoreCaseTest(p, 'prefix');
          out.matchers.push((r) => test(r));
        } else out.matchers.push((r) => r.startsWith(p));
      } else {
        const s = `${text}"`;
        if (ignoreCase) {
          const test = ignoreCaseTest(s, 'suffix');
          out.matchers.push((r) => test(r));
        } else out.matchers.push((r) => r.endsWith(s));
      }
      return;
    }
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') fail('equals-ignore-case match pattern must be a string');
      oneKey();
      const test = ignoreCaseTest(`"${operand as string}"`, 'equals');
      out.matchers.push((r) => test(r));
      return;
    }
    case 'wildcard': {
      if (typeof operand !== 'string') fail('wildcard match pattern must be a string');
      const test = compileWildcard(operand as string, here);
      oneKey();
      out.wildcards.push(operand as string);
      out.matchers.push((r) => test(r));
      return;
    }
    case 'exists': {
      if (typeof operand !== 'boolean') fail('exists match pattern must be either true or false.');
      oneKey();
      // exists only sees leaves: an object-valued or empty-array field counts as missing.
      if (operand) out.matchers.push(() => true);
      else out.absent = true;
      return;
    }
    case 'cidr': {
      // "prefix" in this message is AWS's own wording.
      if (typeof operand !== 'string') fail('prefix match pattern must be a string');
      const m = compileCidr(operand as string, here);
      oneKey();
      out.matchers.push(m);
      out.ip = true;
      return;
    }
    case 'numeric': {
      if (!Array.isArray(operand)) fail('Value of numeric must be an array.');
      out.matchers.push(compileNumeric(operand as unknown[], here));
      out.numeric = true;
      oneKey('Too many elements in numeric expression');
      return;
    }
    case 'anything-but': {
      compileAnythingBut(operand, here, out);
      oneKey('Too many elements in numeric expression');
      return;
    }
    default:
      fail(`Unrecognized match type ${name}`, path);
  }
}

function compileNumeric(a: unknown[], path: string): Matcher {
  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(reason, path);
  };
  const op = a[0];
  if (typeof op !== 'string') return fail(`Invalid member in numeric match: ${tokenText(op)}`);
  const value = (i: number, label: string): number => {
    const v = a[i];
    if (typeof v !== 'number') fail(`Value of ${label} must be numeric`);
    return v as number;
  };
  const key = (v: number): number => comparableOrThrow(v, path);
  switch (op) {
    case '=': {
      const v = value(1, 'equals');
      if (a.length > 2) fail('Too many elements in numeric expression');
      const k = key(v);
      return (_r, n) => n === k;
    }
    case '<':
    case '<=': {
      const v = value(1, op);
      if (a.length > 2) fail('Too many elements in numeric expression');
      const k = key(v);
      return op === '<' ? (_r, n) => n !== undefined && n < k : (_r, n) => n !== undefined && n <= k;
    }
    case '>':
    case '>=': {
      const bottom = value(1, op);
      const openBottom = op === '>';
      if (a.length === 2) {
        const k = key(bottom);
        return openBottom ? (_r, n) => n !== undefined && n > k : (_r, n) => n !== undefined && n >= k;
      }
      const topOp = a[2];
      if (typeof topOp !== 'string') return fail(`Bad value in numeric range: ${tokenText(topOp)}`);
      if (topOp !== '<' && topOp !== '<=') return fail(`Bad numeric range operator: ${topOp}`);
      const top = value(3, topOp);
      if (a.length > 4) fail('Too many terms in numeric range expression');
      const lo = key(bottom);
      const hi = key(top);
      if (lo >= hi) fail('Bottom must be less than top');
      const openTop = topOp === '<';
      return (_r, n) => n !== undefined && (openBottom ? n > lo : n >= lo) && (openTop ? n < hi : n <= hi);
    }
    default:
      return fail(`Unrecognized numeric range operator: ${op}`);
  }
}

function compileAnythingBut(operand: unknown, path: string, out: CompiledValue): void {
  const fail = (reason: string, at = path): never => {
    throw new InvalidEventPatternError(reason, at);
  };
  let kind: 'plain' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard' = 'plain';
  let value = operand;
  let at = path;
  let innerKeys = 0;
  if (isObject(operand)) {
    const inner = jsonKeys(operand);
    const op = inner[0];
    if (op === undefined) throw new InvalidEventPatternError('Anything-But expression name not found', path);
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
      throw new InvalidEventPatternError(`Unsupported anything-but pattern: ${op}`, path);
    }
    kind = op;
    value = operand[op];
    at = childPath(path, op);
    innerKeys = inner.length;
  }
  if (!Array.isArray(value) && typeof value !== 'string' && typeof value !== 'number') {
    throw new InvalidEventPatternError('Value of anything-but must be an array or single string/number value.', at);
  }
  const values = validateAnythingButValues(kind, value, at);
  if (innerKeys > 1) fail('Too many elements in numeric expression');

  // anything-but matches null, numbers and booleans too: it only rejects the listed values.
  switch (kind) {
    case 'plain': {
      if (values.every((v) => typeof v === 'number')) {
        const keys = new Set(values.map((v) => comparableOrThrow(v as number, at)));
        out.numeric = true;
        out.matchers.push((_r, n) => n === undefined || !keys.has(n));
      } else {
        const texts = new Set(values.map((v) => `"${v as string}"`));
        out.matchers.push((r, n) => n !== undefined || !texts.has(r));
      }
      return;
    }
    case 'equals-ignore-case': {
      const tests = values.map((v) => ignoreCaseTest(`"${v as string}"`, 'equals'));
      out.matchers.push((r) => !tests.some((t) => t(r)));
      return;
    }
    case 'prefix': {
      const ps = values.map((v) => `"${v as string}`);
      out.matchers.push((r) => !ps.some((p) => r.startsWith(p)));
      return;
    }
    case 'suffix': {
      const ss = values.map((v) => `${v as string}"`);
      out.matchers.push((r) => !ss.some((s) => r.endsWith(s)));
      return;
    }
    case 'wildcard': {
      const tests = values.map((v) => compileWildcard(v as string, at));
      out.matchers.push((r) => !tests.some((t) => t(r)));
      return;
    }
  }
}

function validateAnythingButValues(
  kind: 'plain' | 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard',
  value: unknown[] | string | number,
  path: string,
): (string | number)[] {
  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(reason, path);
  };
  const list = Array.isArray(value) ? value : [value];
  if (kind === 'plain') {
    for (const v of list) {
      if (typeof v === 'number') comparableOrThrow(v, path);
      else if (typeof v !== 'string') {
        fail(
          Array.isArray(value)
            ? 'Inside anything but list, start|null|boolean is not supported.'
            : 'Inside anything-but list, start|null|boolean is not supported.',
        );
      }
    }
    const hasNumber = list.some((v) => typeof v === 'number');
    const hasString = list.some((v) => typeof v === 'string');
    if (hasNumber === hasString) {
      fail('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    return list as (string | number)[];
  }
  for (const v of list) {
    if (typeof v !== 'string') {
      if (kind === 'equals-ignore-case') {
        fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      }
      fail(kind === 'wildcard' ? 'wildcard match pattern must be a string' : 'prefix/suffix match pattern must be a string');
    }
    if ((kind === 'prefix' || kind === 'suffix') && v === '') fail('Null prefix/suffix not allowed');
    if (kind === 'wildcard') {
      const parsed = parseWildcard(`"${v as string}"`);
      if (!Array.isArray(parsed)) fail(parsed.error);
    }
  }
  return list as string[];
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Turns the compiled maps into sorted field lists. event-ruler walks fields in key order and
 * shares a byte machine between sub-rules with the same preceding fields; flags and the
 * wildcard complexity limit apply per machine, so they are merged the same way here.
 */
function buildSubRules(rules: RuleMap[]): SubRule[] {
  const machines = new Map<string, { specs: FieldSpec[]; wildcards: Set<string>; path: string }>();
  const subRules = rules.map((rule) => {
    const names = [...rule.keys()].sort(compareStrings);
    let prefix = '';
    const fields = names.map((name) => {
      const c = rule.get(name) as CompiledValue;
      const spec: FieldSpec = { path: name, matchers: c.matchers, absent: c.absent, numeric: c.numeric, ip: c.ip };
      const machineKey = `${prefix}\u0001${name}`;
      const machine = machines.get(machineKey) ?? { specs: [], wildcards: new Set<string>(), path: name };
      machines.set(machineKey, machine);
      machine.specs.push(spec);
      for (const w of c.wildcards) machine.wildcards.add(w);
      prefix = `${machineKey}\u0002${JSON.stringify(c.source)}`;
      return spec;
    });
    return { fields };
  });
  for (const machine of machines.values()) {
    const numeric = machine.specs.some((s) => s.numeric);
    const ip = machine.specs.some((s) => s.ip);
    for (const s of machine.specs) {
      s.numeric = numeric;
      s.ip = ip;
    }
    if (machine.wildcards.size > 0 && wildcardComplexity([...machine.wildcards]) > MAX_WILDCARD_COMPLEXITY) {
      throw new InvalidEventPatternError(TOO_COMPLEX, `$.${machine.path}`);
    }
  }
  return subRules;
}

/** Validates a parsed pattern object and compiles it. Throws {@link InvalidEventPatternError}. */
export function compileSubRules(pattern: Record<string, unknown>): SubRule[] {
  const rules: RuleMap[] = [];
  parseObject(rules, [], pattern, false, '$');
  return buildSubRules(rules);
}
