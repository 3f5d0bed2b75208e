import { createHash } from 'node:crypto';

/**
 * Step Functions execution names are 1–80 characters; we keep to letters, digits, '-' and '_'
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html), and
 * leave 16 characters free for the suffixes later executions of the login add: a restart `-r<n>`
 * and a hand-over generation `-g<n>` (`-r9999-g99999999` at most).
 */
const MAX_BASE_NAME_LENGTH = 64;

/** `<base>[-r<restart>][-g<generation>]`: a base ends in a `Z` or a hex hash, never in such a suffix. */
const SUFFIXES = /^(.*?)(?:-r(\d+))?(?:-g(\d+))?$/;

/**
 * The deterministic execution name of one agent login: `<tenant>-<agentId>-<login key>`, where the
 * key comes from the login's `sessionStartTime`, stable for the whole login and new for the next.
 * Step Functions keeps a name unique per state machine (for 90 days after it closes), so a second
 * start of the same login is refused while a new login gets a new name.
 *
 * The key must not depend on the machine's time zone: an ISO time without an offset is read as UTC
 * (what Lambda, whose TZ is UTC, always did), any other form is hashed as it is written, never
 * handed to `Date.parse`, which reads non-ISO forms in local time.
 */
export function executionNameFor(tenant: string, agentId: string, sessionStartTime: string): string {
  const instant = parseIsoInstant(sessionStartTime);
  const key =
    instant === undefined ? createHash('sha256').update(sessionStartTime).digest('hex').slice(0, 16) : new Date(instant).toISOString().replace(/[-:.]/g, '');
  const name = `${tenant}-${agentId}-${key}`.replace(/[^A-Za-z0-9_-]/g, '_');
  if (name.length <= MAX_BASE_NAME_LENGTH) return name;
  // Keep the result unique when a long tenant or id would overflow: hash the whole name.
  return `${name.slice(0, MAX_BASE_NAME_LENGTH - 17)}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** An execution name taken apart: the login's base name, its restart number and its generation. */
export interface ExecutionNameParts {
  /** The login's name, as executionNameFor gives it: the per-session store's key. */
  base: string;
  /** 0 for the login's first poller, n for `-r<n>`. */
  restart: number;
  /** 1 for the first execution of a poller, n for `-g<n>`. */
  generation: number;
}

export function parseExecutionName(executionName: string): ExecutionNameParts {
  const [, base = executionName, restart, generation] = SUFFIXES.exec(executionName) ?? [];
  return { base, restart: restart ? Number(restart) : 0, generation: generation ? Number(generation) : 1 };
}

/** The session key behind any restart or generation: `<base>-r2-g3` → `<base>`. */
export function sessionNameOf(executionName: string): string {
  return parseExecutionName(executionName).base;
}

/** The name of the login's n-th restart: `<base>-r<n>`; restart 0 is the base itself. */
export function restartName(base: string, restart: number): string {
  return restart === 0 ? base : `${base}-r${restart}`;
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Milliseconds since the epoch of an ISO-8601 date or date-time, an offset-less one read as UTC;
 * undefined for anything else. The canonical form handed to Date.parse always carries an offset, so
 * the result is the same in every time zone.
 */
export function parseIsoInstant(value: string): number | undefined {
  const match = ISO_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, date, hours = '00', minutes = '00', seconds = '00', fraction = '', offset] = match;
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const zone = !offset || offset.toUpperCase() === 'Z' ? 'Z' : normalizeOffset(offset);
  const instant = Date.parse(`${date}T${hours}:${minutes}:${seconds}.${millis}${zone}`);
  return Number.isNaN(instant) ? undefined : instant;
}

/** `+0100` and `+01` → `+01:00`. */
function normalizeOffset(offset: string): string {
  const digits = offset.slice(1).replace(':', '');
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4).padEnd(2, '0')}`;
}
