import type { ParkedSummary, RedriveReport } from '../../lambdas/parked/parked-events.js';
import type { SessionRow, StatusReport } from './operations.js';
import type { RollPlan, RollReport } from './roll.js';

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
  const unpolled =
    'error' in status.agentsWithoutPoller
      ? `unknown: ${status.agentsWithoutPoller.error}`
      : status.agentsWithoutPoller.agentIds.length === 0
        ? 'every logged-in agent has a poller'
        : `${status.agentsWithoutPoller.agentIds.length} logged-in agent(s) without a poller: ${status.agentsWithoutPoller.agentIds.join(', ')}`;
  return [
    `stack          ${status.stackName} (${status.region})`,
    `sessions       ${status.sessions.polling} polling, ${status.sessions.degraded} degraded; last 24 h: ${status.sessions.endedLast24h} ended, ${status.sessions.handedOverLast24h} handed over, ${status.sessions.failedLast24h} failed, ${status.sessions.stoppedLast24h} stopped`,
    `agents         ${unpolled}`,
    `events (1 h)   ${status.events.publishedLastHour} published, ${status.events.parkedLastHour} parked`,
    `alarms         ${alarms}`,
    `token          ${status.tokenAgeSeconds === null ? 'unknown (no shared token secret found)' : `written ${duration(status.tokenAgeSeconds)} ago`}`,
  ].join('\n');
}

/** 42 s, 7 min, 3 h 5 min. */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export function formatSessions(sessions: SessionRow[]): string {
  if (sessions.length === 0) return 'no sessions in the last 24 hours';
  return table(
    ['AGENT', 'STATE', 'GEN', 'POLLS', 'LAST EVENT', 'STARTED', 'STOPPED', 'EXECUTION', 'LAST ERROR'],
    sessions.map((session) => [
      session.agentId,
      session.state,
      String(session.generation),
      session.polls === undefined ? '' : String(session.polls),
      session.lastEventAt?.slice(11, 19) ?? '',
      session.startedAt.slice(0, 19),
      session.stoppedAt?.slice(0, 19) ?? '',
      session.execution,
      session.lastError ?? '',
    ]),
  );
}

export function formatParked(items: ParkedSummary[], bucket: string): string {
  const footer = `${items.length} parked item${items.length === 1 ? '' : 's'} in s3://${bucket}`;
  if (items.length === 0) return footer;
  return `${table(
    ['PARKED AT', 'REASON', 'AGENT', 'SEQ', 'BYTES', 'KEY'],
    items.map((item) => [
      item.parkedAt.slice(0, 19),
      `${item.reason}${item.republishable ? '' : ' (kept)'}`,
      item.agentId,
      String(item.sequence ?? ''),
      String(item.size),
      item.key,
    ]),
  )}\n${footer}`;
}

export function formatRedrive(report: RedriveReport & { dryRun: boolean }): string {
  const verb = report.dryRun ? 'would re-publish' : 're-published';
  return `${verb} ${report.republished} of ${report.matched} parked item${report.matched === 1 ? '' : 's'}; ${report.stillParked} still parked, ${report.notRepublishable} never publishable (kept)${report.lastError ? `; last error: ${report.lastError}` : ''}`;
}

export function formatRollPlan(plan: RollPlan): string {
  const current = `${plan.current.length} already on the current definition (revision ${plan.revisionId || '?'})`;
  if (plan.outdated.length === 0) return `nothing to roll: ${current}`;
  return `${plan.outdated.length} session(s) on an earlier definition: ${plan.outdated.map((session) => `agent ${session.agentId}`).join(', ')}; ${current}`;
}

export function formatRoll(report: RollReport): string {
  const lines = [`rolled ${report.rolled.length} session(s) onto revision ${report.revisionId || '?'}`];
  for (const rolled of report.rolled) lines.push(`  ${rolled.from} -> ${rolled.to}`);
  for (const ended of report.ended) lines.push(`  ${ended.execution} ended (${ended.status}) before it handed over`);
  for (const pending of report.pending) lines.push(`  still on the earlier definition: ${pending.execution} (agent ${pending.agentId}): ${pending.reason}`);
  return lines.join('\n');
}
