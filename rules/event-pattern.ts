/**
 * Local EventBridge event-pattern engine.
 *
 * Matches the way EventBridge does, which is the way aws/event-ruler does: the pattern is
 * flattened into dotted field paths, `$or` is expanded into alternative sub-rules, and an
 * event matches when every path of one sub-rule matches a leaf value of the event, with all
 * those leaves drawn from the same elements of any array they sit in ("array consistency").
 * Values are compared in event-ruler's JSON text form (strings keep their quotes), which is
 * where several AWS quirks come from; the comments below name them.
 */

const REASON_PREFIX = 'Event pattern is not valid. Reason: ';

/** Thrown when AWS would reject a pattern with `InvalidEventPatternException`. */
export class InvalidEventPatternError extends Error {
  /** AWS's reason text, without the "Event pattern is not valid" prefix. */
  readonly reason: string;
  /** Where in the pattern the problem was found, e.g. `$.detail.state[0].numeric`. */
  readonly path: string;

  constructor(reason: string, path: string) {
    super(`${REASON_PREFIX}${reason}`);
    this.name = 'InvalidEventPatternError';
    this.reason = reason;
    this.path = path;
  }
}

/** A validated pattern, compiled once and reusable for any number of events. */
export interface CompiledEventPattern {
  /** True when the event (an object, or its JSON text) matches the pattern. */
  matches(event: unknown): boolean;
}

/** Validates and compiles a pattern (an object or its JSON text). Throws {@link InvalidEventPatternError}. */
export function parseEventPattern(pattern: unknown): CompiledEventPattern {
  return compile(pattern);
}

/** Compiles `pattern` and tests one event against it. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compile(pattern).matches(event);
}

// ---------------------------------------------------------------------------
// Value model
// ---------------------------------------------------------------------------

/**
 * A matcher sees a leaf the way event-ruler does: `raw` is its JSON text (`"abc"`, `12`, `true`,
 * `null`), the hex form of an IP address, or NUMERIC_RAW once the value has been turned into a
 * comparable number, in which case `num` holds it.
 */
type Matcher = (raw: string, num: number | undefined) => boolean;

// Never equal to, or prefixed/suffixed by, any pattern text: string patterns carry quotes.
const NUMERIC_RAW = '\u0000';

interface Leaf {
  readonly raw: string;
  readonly num: number | undefined;
  readonly str: string | undefined;
  /** Array membership as flat [arrayId, index, ...] pairs, outermost array first. */
  readonly membership: readonly number[];
  readonly sig: string;
}

interface FieldSpec {
  readonly path: string;
  readonly matchers: readonly Matcher[];
  readonly absent: boolean;
  /** Set per byte machine in event-ruler, so shared by sub-rules that share the machine. */
  numeric: boolean;
  ip: boolean;
}

interface SubRule {
  readonly fields: readonly FieldSpec[];
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

// AWS documents numeric matching for -5.0e9..+5.0e9 with six digits after the decimal point.
const NUMERIC_LIMIT = 5e9;
const RANGE_MESSAGE = 'Value must be between -5.0E9 and 5.0E9, inclusive';

/** Scaled integer (value × 1e6, floored) or undefined when outside the documented range. */
function comparable(n: number): number | undefined {
  if (!Number.isFinite(n) || n < -NUMERIC_LIMIT || n > NUMERIC_LIMIT) return undefined;
  if (Number.isInteger(n)) return n * 1e6 + 0;
  // Exact decimal arithmetic on the shortest representation, so 0.1 stays 100000.
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) return Math.floor(n * 1e6);
  const digits = BigInt(`${m[2]}${m[3] ?? ''}`);
  const shift = 6 + Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  const negative = m[1] === '-';
  let scaled: bigint;
  if (shift >= 0) scaled = digits * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    scaled = digits / div;
    if (negative && digits % div !== 0n) scaled += 1n; // floor, not truncation, for negatives
  }
  return Number(negative ? -scaled : scaled);
}

function comparableOrThrow(n: number, path: string): number {
  const c = comparable(n);
  if (c === undefined) throw new InvalidEventPatternError(RANGE_MESSAGE, path);
  return c;
}

function numberText(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

// ---------------------------------------------------------------------------
// IP addresses (event-ruler's CIDR class)
// ---------------------------------------------------------------------------

const IPV4_RE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_RE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_RE = /^[0-9A-F]+$/;

function looksLikeIp(s: string): boolean {
  return IPV4_RE.test(s) || IPV6_RE.test(s);
}

/** Address bytes, or undefined when not a valid literal (as Java's InetAddress parses it). */
function ipBytes(s: string): number[] | undefined {
  if (IPV4_RE.test(s)) {
    const parts = s.split('.').map(Number);
    return parts.every((p) => p <= 255) ? parts : undefined;
  }
  if (!IPV6_RE.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const words = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  // Java hands back an Inet4Address for IPv4-mapped IPv6 literals.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  return bytes;
}

function toHex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

function ipHex(s: string): string | undefined {
  const bytes = ipBytes(s);
  return bytes ? toHex(bytes) : undefined;
}

function cidrMatcher(lo: string, hi: string): Matcher {
  const len = lo.length;
  // Only a value event-ruler turned into hex can land in the range; numeric values never do.
  return (raw, num) => num === undefined && raw.length === len && raw >= lo && raw <= hi && HEX_RE.test(raw);
}

function compileCidr(cidr: string, path: string): Matcher {
  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(reason, path);
  };
  const parts = cidr.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // Java's String.split
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required");
  const [address = '', mask = ''] = parts;
  const bits = /^[+-]?\d+$/.test(mask) ? Number(mask) : Number.NaN;
  if (!Number.isSafeInteger(bits) || bits > 2147483647 || bits < -2147483648) {
    fail('Malformed CIDR, mask bits must be an integer');
  }
  if (bits < 0) fail('Malformed CIDR, mask bits must not be negative');
  if (!looksLikeIp(address)) fail(`Nonstandard IP address: ${address}`);
  const bytes = ipBytes(address) ?? fail(`Invalid IP address: ${address}`);
  // event-ruler's own bound: a /32 (or /128) is rejected, use the plain address instead.
  if (bytes.length === 4 && bits > 31) fail('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && bits > 127) fail('IPv6 mask bits must be < 128');
  const lo: number[] = [];
  const hi: number[] = [];
  let variable = bytes.length * 8 - bits;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i] ?? 0;
    const free = Math.max(0, Math.min(8, variable));
    const mask8 = (0xff << free) & 0xff;
    lo[i] = b & mask8;
    hi[i] = b | (~mask8 & 0xff);
    variable -= 8;
  }
  return cidrMatcher(toHex(lo), toHex(hi));
}

// ---------------------------------------------------------------------------
// equals-ignore-case and wildcard
// ---------------------------------------------------------------------------

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

function ignoreCaseTest(text: string, mode: IgnoreCaseMode): (raw: string) => boolean {
  const alts = caseAlternatives(text);
  if (mode === 'equals') return (raw) => reachIgnoringCase(raw, alts, false).has(raw.length);
  if (mode === 'prefix') return (raw) => reachIgnoringCase(raw, alts, false).size > 0;
  return (raw) => reachIgnoringCase(raw, alts, true).size > 0;
}

/** Literal segments between unescaped `*`, or a reason the wildcard is invalid (event-ruler's WildcardParser). */
function parseWildcard(quoted: string): string[] | { error: string } {
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

function compileWildcard(text: string, path: string): (raw: string) => boolean {
  const parsed = parseWildcard(`"${text}"`);
  if (!Array.isArray(parsed)) throw new InvalidEventPatternError(parsed.error, path);
  return wildcardTest(parsed);
}

// EventBridge refuses wildcard rules whose byte machine can sit in more than this many
// wildcard states at once (event-ruler's MachineComplexityEvaluator, applied by the service).
const MAX_WILDCARD_COMPLEXITY = 10;
const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** Worst-case number of simultaneously active wildcard-pattern states over any input. */
function wildcardComplexity(patterns: readonly string[]): number {
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

// ---------------------------------------------------------------------------
// Pattern compilation (event-ruler's JsonRuleCompiler)
// ---------------------------------------------------------------------------

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

function isObject(v: unknown): v is Record<string, unknown> {
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

function compile(input: unknown): CompiledEventPattern {
  let pattern = input;
  if (typeof input === 'string') {
    try {
      pattern = JSON.parse(input);
    } catch (err) {
      throw new InvalidEventPatternError((err as Error).message, '$');
    }
  }
  if (!isObject(pattern)) throw new InvalidEventPatternError('Filter is not an object', '$');
  const rules: RuleMap[] = [];
  parseObject(rules, [], pattern, false, '$');

  const subRules = buildSubRules(rules);
  const prefixes = new Set<string>();
  for (const rule of subRules) {
    for (const f of rule.fields) {
      const steps = f.path.split('.');
      for (let i = 1; i <= steps.length; i++) prefixes.add(steps.slice(0, i).join('.'));
    }
  }
  return {
    matches(event: unknown): boolean {
      let doc = event;
      if (typeof event === 'string') {
        try {
          doc = JSON.parse(event);
        } catch {
          return false;
        }
      }
      if (!isObject(doc)) return false;
      const leaves = flatten(doc, prefixes);
      return subRules.some((rule) => matchSubRule(rule, leaves));
    },
  };
}

function parseObject(
  rules: RuleMap[],
  steps: string[],
  obj: Record<string, unknown>,
  insideOr: boolean,
  path: string,
): void {
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
      return (_r, n) =>
        n !== undefined && (openBottom ? n > lo : n >= lo) && (openTop ? n < hi : n <= hi);
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

// ---------------------------------------------------------------------------
// Matching (event-ruler's Event flattening + ACFinder)
// ---------------------------------------------------------------------------

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
