/** IP address and CIDR matching (event-ruler's CIDR class): addresses are compared as upper-case hex. */

import { InvalidEventPatternError } from './event-pattern-error.js';
import type { Matcher } from './event-pattern-model.js';

const IPV4_RE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_RE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_RE = /^[0-9A-F]+$/;

export function looksLikeIp(s: string): boolean {
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

export function ipHex(s: string): string | undefined {
  const bytes = ipBytes(s);
  return bytes ? toHex(bytes) : undefined;
}

export function cidrMatcher(lo: string, hi: string): Matcher {
  const len = lo.length;
  // Only a value event-ruler turned into hex can land in the range; numeric values never do.
  return (raw, num) => num === undefined && raw.length === len && raw >= lo && raw <= hi && HEX_RE.test(raw);
}

export function compileCidr(cidr: string, path: string): Matcher {
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
