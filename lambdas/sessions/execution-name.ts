import { createHash } from 'node:crypto';

/**
 * Step Functions execution names are 1–80 characters; we keep to letters, digits, '-' and '_', and
 * leave 8 characters free for the hand-over suffix `-g<n>` of later generations.
 */
const MAX_NAME_LENGTH = 72;

/**
 * The deterministic execution name of one agent session: `<tenant>-<agentId>-<session key>`, where
 * the key comes from the login's `sessionStartTime`, stable for the whole login and new for the next.
 * Step Functions keeps a name unique per state machine (for 90 days after it closes), so a second
 * start of the same session is refused while a new login gets a new name.
 */
export function executionNameFor(tenant: string, agentId: string, sessionStartTime: string): string {
  const instant = Date.parse(sessionStartTime);
  const key = Number.isNaN(instant)
    ? createHash('sha256').update(sessionStartTime).digest('hex').slice(0, 16)
    : new Date(instant).toISOString().replace(/[-:.]/g, '');
  const name = `${tenant}-${agentId}-${key}`.replace(/[^A-Za-z0-9_-]/g, '_');
  if (name.length <= MAX_NAME_LENGTH) return name;
  // Keep the result unique when a long tenant or id would overflow: hash the whole name.
  return `${name.slice(0, MAX_NAME_LENGTH - 17)}-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** The session's name behind any generation: `<name>-g3` → `<name>`. */
export function sessionNameOf(executionName: string): string {
  return executionName.replace(/-g\d+$/, '');
}
