import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern } from '../../rules/event-pattern.js';

// The conformance corpus is a fixture in the repository (origins and licence in test/fixtures/README.md).
const corpusDir = fileURLToPath(new URL('../fixtures/eventbridge-patterns/', import.meta.url));

interface MatchCase {
  name: string;
  pattern: unknown;
  event: unknown;
  expected: boolean;
}

interface InvalidCase {
  name: string;
  pattern: unknown;
  awsErrorMessage?: string;
}

function loadCorpus(): { matchCases: MatchCase[]; invalidCases: InvalidCase[] } {
  if (!existsSync(corpusDir)) {
    throw new Error(`EventBridge pattern corpus not found at ${corpusDir}. It ships in the repository under test/fixtures/eventbridge-patterns.`);
  }
  const readAll = <T>(sub: string): T[] =>
    readdirSync(`${corpusDir}${sub}`)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .flatMap((f) => JSON.parse(readFileSync(`${corpusDir}${sub}/${f}`, 'utf8')) as T[]);
  return { matchCases: readAll<MatchCase>('cases'), invalidCases: readAll<InvalidCase>('invalid-patterns') };
}

const { matchCases, invalidCases } = loadCorpus();

describe('event pattern conformance corpus', () => {
  it('is present and complete', () => {
    expect(matchCases.length).toBe(374);
    expect(invalidCases.length).toBe(38);
  });

  it.each(matchCases.map((c, i) => [`#${i} ${c.name}`, c] as const))('matches like AWS: %s', (_label, c) => {
    expect(matchesEventPattern(c.pattern, c.event)).toBe(c.expected);
  });

  it.each(invalidCases.map((c, i) => [`#${i} ${c.name}`, c] as const))('rejects like AWS: %s', (_label, c) => {
    let thrown: unknown;
    try {
      parseEventPattern(c.pattern);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidEventPatternError);
    if (c.awsErrorMessage) expect((thrown as Error).message).toBe(c.awsErrorMessage);
  });
});

type Row = [description: string, pattern: unknown, event: unknown, expected: boolean];

// Documented behaviours the corpus does not pin down.
const documented: Row[] = [
  ['a number in the pattern matches the same number written differently', { n: [5] }, { n: 5.0 }, true],
  ['a string never matches the number it spells', { n: ['5'] }, { n: 5 }, false],
  ['a number never matches the string that spells it', { n: [5] }, { n: '5' }, false],
  ['prefix only applies to strings', { n: [{ prefix: '1' }] }, { n: 12 }, false],
  ['an empty prefix matches any string', { s: [{ prefix: '' }] }, { s: 'x' }, true],
  ['an empty prefix does not match null', { s: [{ prefix: '' }] }, { s: null }, false],
  ['equals-ignore-case does not match a number', { s: [{ 'equals-ignore-case': '1' }] }, { s: 1 }, false],
  ['equals-ignore-case folds each character, ß against SS', { s: [{ 'equals-ignore-case': 'straße' }] }, { s: 'STRASSE' }, true],
  ['suffix with equals-ignore-case', { s: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { s: 'a.png' }, true],
  ['wildcard * alone matches the empty string', { s: [{ wildcard: '*' }] }, { s: '' }, true],
  ['wildcard matches nothing but strings', { s: [{ wildcard: '*' }] }, { s: 3 }, false],
  ['wildcard can match in the middle several times', { s: [{ wildcard: 'a*b*c' }] }, { s: 'aXbYbZc' }, true],
  ['escaped wildcard star is literal', { s: [{ wildcard: 'a\\*' }] }, { s: 'ab' }, false],
  ['escaped backslash is literal', { s: [{ wildcard: 'a\\\\*' }] }, { s: 'a\\b' }, true],
  ['anything-but a string matches a number', { s: [{ 'anything-but': 'x' }] }, { s: 1 }, true],
  ['anything-but a number matches the string of that number', { n: [{ 'anything-but': 1 }] }, { n: '1' }, true],
  ['anything-but a number compares numerically', { n: [{ 'anything-but': 100 }] }, { n: 100.0 }, false],
  ['anything-but needs the field to be present', { s: [{ 'anything-but': 'x' }] }, {}, false],
  ['anything-but matches when any array element is not excluded', { s: [{ 'anything-but': ['a'] }] }, { s: ['a', 'b'] }, true],
  ['anything-but on an empty array does not match', { s: [{ 'anything-but': ['a'] }] }, { s: [] }, false],
  ['anything-but wildcard matches numbers', { s: [{ 'anything-but': { wildcard: '*' } }] }, { s: 7 }, true],
  ['numeric ignores strings that look like numbers', { n: [{ numeric: ['>', 0] }] }, { n: '5' }, false],
  ['numeric ranges are inclusive or exclusive as written', { n: [{ numeric: ['>=', 1, '<', 2] }] }, { n: 2 }, false],
  ['numeric compares six decimal places', { n: [{ numeric: ['=', 0.1] }] }, { n: 0.1 }, true],
  ['numeric works at the documented limit', { n: [{ numeric: ['<=', 5e9] }] }, { n: 5e9 }, true],
  ['numeric does not match a value beyond the documented limit', { n: [{ numeric: ['>', 0] }] }, { n: 6e9 }, false],
  ['an out-of-range literal number still matches itself', { account: [123456789012] }, { account: 123456789012 }, true],
  ['exists true matches a null leaf', { a: [{ exists: true }] }, { a: null }, true],
  ['exists true does not match an object', { a: [{ exists: true }] }, { a: { b: 1 } }, false],
  ['exists true does not match an empty array', { a: [{ exists: true }] }, { a: [] }, false],
  ['exists false matches an object-valued field (only leaves count)', { a: [{ exists: false }] }, { a: { b: 1 } }, true],
  ['exists false matches an empty array', { a: [{ exists: false }] }, { a: [] }, true],
  ['exists false fails when the leaf is present', { a: [{ exists: false }] }, { a: 0 }, false],
  ['exists false with a sibling from the same array element', { l: { a: ['x'], b: [{ exists: false }] } }, { l: [{ a: 'y' }, { a: 'x', c: 1 }] }, true],
  ['cidr matches an IPv4 address inside the block', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' }, true],
  ['cidr does not match the next block', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' }, false],
  ['cidr normalises the base address to the block', { ip: [{ cidr: '10.0.0.77/24' }] }, { ip: '10.0.0.1' }, true],
  ['cidr matches compressed and expanded IPv6 alike', { ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:0DB8:0000:0000:0000:0000:0000:0001' }, true],
  ['cidr ignores non-addresses', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: 'ten' }, false],
  ['a plain IP string matches the same address written differently', { ip: ['2001:db8::1'] }, { ip: '2001:db8:0:0:0:0:0:1' }, true],
  ['$or matches when any branch matches', { $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, true],
  ['$or combines with fields outside it', { c: ['3'], $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' }, false],
  ['nested $or multiplies out', { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] }, { c: '3' }, true],
  ['fields in one array element must match together', { l: { a: ['1'], b: ['2'] } }, { l: [{ a: '1' }, { b: '2' }] }, false],
  ['fields in the same array element match', { l: { a: ['1'], b: ['2'] } }, { l: [{ a: '1' }, { a: '1', b: '2' }] }, true],
  ['nested arrays are flattened into the parent field', { a: ['x'] }, { a: [['y', ['x']]] }, true],
  ['keys are case sensitive', { Source: ['a'] }, { source: 'a' }, false],
  ['the event may be given as JSON text', { a: [1] }, '{"a":1}', true],
];

describe('documented behaviours', () => {
  it.each(documented)('%s', (_d, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
});

const rejected: [description: string, pattern: unknown, reason: string][] = [
  ['an empty pattern', {}, 'Empty objects are not allowed'],
  ['an empty nested object', { detail: {} }, 'Empty objects are not allowed'],
  ['a pattern that is not an object', ['a'], 'Filter is not an object'],
  ['nested arrays as match values', { a: [['b']] }, 'Match value must be String, number, true, false, or null'],
  ['an empty match expression', { a: [{}] }, 'Match expression name not found'],
  ['two operators in one expression', { a: [{ prefix: 'a', suffix: 'b' }] }, 'Only one key allowed in match expression'],
  ['a non-boolean exists', { a: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.'],
  ['an unknown numeric operator', { a: [{ numeric: ['!=', 1] }] }, 'Unrecognized numeric range operator: !='],
  ['a range that is empty', { a: [{ numeric: ['>', 5, '<', 5] }] }, 'Bottom must be less than top'],
  ['a range written top first', { a: [{ numeric: ['<', 5, '>', 1] }] }, 'Too many elements in numeric expression'],
  ['a numeric bound beyond the documented limit', { a: [{ numeric: ['>', 5.1e9] }] }, 'Value must be between -5.0E9 and 5.0E9, inclusive'],
  [
    'anything-but mixing strings and numbers',
    { a: [{ 'anything-but': ['a', 1] }] },
    'Inside anything but list, either all values are number or string, mixed type is not supported',
  ],
  ['anything-but with an unknown nested operator', { a: [{ 'anything-but': { exists: true } }] }, 'Unsupported anything-but pattern: exists'],
  ['a wildcard with a dangling escape', { a: [{ wildcard: 'ab\\' }] }, 'Invalid escape character at pos 3'],
  ['a /32 cidr', { a: [{ cidr: '10.0.0.1/32' }] }, 'IPv4 mask bits must be < 32'],
  ['$or with one branch', { $or: [{ a: ['1'] }] }, 'There must have at least 2 Objects in $or relationship.'],
  ['$or that is not an array', { $or: { a: ['1'] } }, 'It must be an Array followed with $or.'],
  [
    'an operator name used as a field inside $or',
    { $or: [{ numeric: ['1'] }, { b: ['2'] }] },
    'numeric is Ruler reserved fieldName which cannot be used inside $or.',
  ],
  ['pattern text that is not JSON', '{"a": [', ''],
];

describe('pattern validation', () => {
  it.each(rejected)('rejects %s', (_d, pattern, reason) => {
    let thrown: unknown;
    try {
      parseEventPattern(pattern);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidEventPatternError);
    const err = thrown as InvalidEventPatternError;
    expect(err.name).toBe('InvalidEventPatternError');
    expect(err.message.startsWith('Event pattern is not valid. Reason: ')).toBe(true);
    if (reason) expect(err.reason).toBe(reason);
  });

  it('names where in the pattern the problem is', () => {
    try {
      parseEventPattern({ detail: { count: [{ numeric: ['>', 'x'] }] } });
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidEventPatternError).path).toBe('$.detail.count[0].numeric');
    }
  });

  it('compiles once and matches many events', () => {
    const compiled = parseEventPattern('{"source":["cxone"],"detail":{"state":[{"anything-but":"Logout"}]}}');
    expect(compiled.matches({ source: 'cxone', detail: { state: 'Available' } })).toBe(true);
    expect(compiled.matches({ source: 'cxone', detail: { state: 'Logout' } })).toBe(false);
    expect(compiled.matches({ source: 'other', detail: { state: 'Available' } })).toBe(false);
  });
});
