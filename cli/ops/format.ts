import type { SessionRow, StatusReport } from './operations.js';

/** A plain-text table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function formatStatus(status: StatusReport): string {
  const alarms =
    status.alarms.inAlarm.length === 0
      ? `none of ${status.alarms.total} in ALARM`
      : status.alarms.inAlarm.map((alarm) => `ALARM  ${alarm.name}`).join('\n               ');
  return [
    `stack          ${status.stackName} (${status.region})`,
    `sessions       ${status.sessions.polling} polling, ${status.sessions.degraded ?? '-'} degraded; last 24 h: ${status.sessions.endedLast24h} ended, ${status.sessions.failedLast24h} failed, ${status.sessions.stoppedLast24h} stopped`,
    `events (1 h)   ${status.events.publishedLastHour} published, ${status.events.parkedLastHour} parked`,
    `alarms         ${alarms}`,
  ].join('\n');
}

export function formatSessions(sessions: SessionRow[]): string {
  if (sessions.length === 0) return 'no sessions in the last 24 hours';
  return table(
    ['AGENT', 'STATE', 'GEN', 'STARTED', 'STOPPED', 'EXECUTION', 'LAST ERROR'],
    sessions.map((session) => [
      session.agentId,
      session.state,
      String(session.generation),
      session.startedAt.slice(0, 19),
      session.stoppedAt?.slice(0, 19) ?? '',
      session.execution,
      session.lastError ?? '',
    ]),
  );
}
