import { createInterface } from 'node:readline/promises';
import { ParkReason } from '../contract/dead-letter.js';
import type { ParkedFilter } from '../lambdas/parked/parked-events.js';
import { formatParked, formatRedrive, formatRoll, formatRollPlan, formatSessions, formatStatus } from './ops/format.js';
import { createOpsClients, locateStack, OpsError, restartAgent, sessionsOf, statusOf, stopSessions, tenantOf } from './ops/operations.js';
import { parkedItemsOf, redrive } from './ops/parked.js';
import { planRoll, rollSessions } from './ops/roll.js';
import { httpsOrLoopbackUrl, parseCommandLine, UsageError } from './usage.js';

export const OPS_USAGE = `usage: npm run ops -- <command> [options]

commands
  status                      is it healthy: sessions polling / degraded now and failed in the last 24 h,
                              logged-in agents without a poller, events published and parked in the last
                              hour, alarms in ALARM, the shared CXone token's age
  sessions [--agent ID]       each session: agent, state (polling / degraded / backing off / ended / failed /
                              stopped), generation, polls, last event, start, stop, execution, last error
  parked [--reason R] [--agent ID] [--since TIME]
                              the parked items in the large-event bucket, oldest first per agent
  redrive [same filters] [--dry-run]
                              put parked events back on the bus (what the scheduled redrive does), and count them
  restart --agent ID          stop the agent's running poller and start it again (a new -rN name);
                              the CXone session is not touched
  stop --agent ID | --all     stop polling (asks first; --yes for scripts); the CXone session goes on
  roll --agent ID | --all     after a deploy: each running session on an earlier state machine definition
                              hands over to its next generation (on the current one) after its next answered
                              poll (asks first; --yes for scripts; --timeout SECONDS, default 600)

options
  --stack NAME                the stack (default CxoneEventBridge-<tenant>; env CXONE_STACK_NAME)
  --tenant NAME               tenant the stack was deployed with (env TENANT)
  --region REGION             AWS region (default: AWS_REGION / your profile's)
  --cxone-issuer URL          status: where to ask CXone who is logged in (env CXONE_ISSUER_URL,
                              default https://cxone.niceincontact.com, none with AWS_ENDPOINT_URL set);
                              the credentials are the stack's secret
  --json                      machine-readable output
  --yes                       do not ask before stopping or rolling`;

const COMMANDS = ['status', 'sessions', 'parked', 'redrive', 'restart', 'stop', 'roll'] as const;

/** Runs one ops command; resolves with the exit code. Errors are thrown (see opsErrorLine). */
export async function runOps(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseCommandLine(
    argv,
    {
      stack: { type: 'string', default: process.env.CXONE_STACK_NAME },
      tenant: { type: 'string', default: process.env.TENANT },
      region: { type: 'string' },
      agent: { type: 'string' },
      all: { type: 'boolean' },
      reason: { type: 'string' },
      since: { type: 'string' },
      'dry-run': { type: 'boolean' },
      timeout: { type: 'string' },
      'cxone-issuer': { type: 'string', default: process.env.CXONE_ISSUER_URL },
      json: { type: 'boolean' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  const [command, ...extra] = positionals;
  if (values.help || !command) {
    console.log(OPS_USAGE);
    return values.help ? 0 : 2;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command "${command}" (${COMMANDS.join(', ')})`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  if (values.agent !== undefined && !/^\d+$/.test(values.agent)) throw new UsageError(`--agent must be a numeric CXone agent id, got "${values.agent}"`);
  const timeoutSeconds = values.timeout === undefined ? 600 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw new UsageError(`--timeout must be a number of seconds greater than 0, got "${values.timeout}"`);
  // Against local endpoints (the twin) CXone is the simulator: never fall back to the real CXone there.
  const local = Boolean(process.env.AWS_ENDPOINT_URL);
  const issuerUrl = values['cxone-issuer'] ?? (local ? undefined : 'https://cxone.niceincontact.com');
  if (issuerUrl !== undefined) httpsOrLoopbackUrl(issuerUrl, 'cxone-issuer');
  const stackName = values.stack ?? (values.tenant ? `CxoneEventBridge-${values.tenant}` : undefined);
  if (!stackName) throw new UsageError('name the stack: --stack NAME or --tenant NAME (or CXONE_STACK_NAME / TENANT)');

  const clients = createOpsClients(values.region ? { region: values.region } : {});
  // Progress goes to stderr, never into --json output.
  const progress = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  const stack = await locateStack(clients, stackName, values.region ?? (await clients.cloudFormation.config.region()));
  const print = (value: unknown, table: string) => console.log(values.json ? JSON.stringify(value, null, 2) : table);

  switch (command) {
    case 'status': {
      const tenant = tenantOf(stack) ?? values.tenant;
      const status = await statusOf(clients, stack, tenant && issuerUrl ? { issuerUrl, tenant } : undefined, progress);
      print(status, formatStatus(status));
      return 0;
    }
    case 'sessions': {
      const sessions = await sessionsOf(clients, stack, { agentId: values.agent }, progress);
      print(sessions, formatSessions(sessions));
      return 0;
    }
    case 'parked': {
      const items = await parkedItemsOf(clients, stack, parkedFilterOf(values));
      print(items, formatParked(items, stack.largeEventBucket ?? ''));
      return 0;
    }
    case 'redrive': {
      const report = await redrive(clients, stack, parkedFilterOf(values), { dryRun: values['dry-run'] === true }, progress);
      print(report, formatRedrive(report));
      // Items that could have gone out are still parked: say so in the exit code too.
      return report.stillParked > 0 ? 1 : 0;
    }
    case 'restart': {
      if (!values.agent) throw new UsageError('restart needs --agent ID');
      const result = await restartAgent(clients, stack, values.agent);
      print(result, `restarted agent ${values.agent}: stopped ${result.stopped}, started ${result.started}`);
      return 0;
    }
    case 'stop': {
      if (!values.agent === !values.all) throw new UsageError('stop needs exactly one of --agent ID or --all');
      const running = (await sessionsOf(clients, stack, { agentId: values.agent, runningOnly: true }, progress)).filter((session) => session.running);
      if (running.length === 0) {
        print({ stopped: [] }, 'nothing to stop: no session is polling');
        return 0;
      }
      const question = `stop polling ${running.length} session(s) (${running.map((session) => `agent ${session.agentId}`).join(', ')})? The CXone sessions go on. [y/N] `;
      if (!values.yes && !(await confirm(question, 'stopping'))) {
        console.error('ops: not stopped');
        return 1;
      }
      const stopped = await stopSessions(clients, stack, running, progress);
      print({ stopped }, `stopped ${stopped.length} poller(s): ${stopped.join(', ')}`);
      return 0;
    }
    default: {
      if (!values.agent === !values.all) throw new UsageError('roll needs exactly one of --agent ID or --all');
      const plan = await planRoll(clients, stack, { agentId: values.agent }, progress);
      if (plan.outdated.length === 0) {
        print({ ...plan, rolled: [], ended: [], pending: [] }, formatRollPlan(plan));
        return 0;
      }
      progress(formatRollPlan(plan));
      if (!values.yes && !(await confirm(`hand ${plan.outdated.length} session(s) over to the current definition? [y/N] `, 'rolling'))) {
        console.error('ops: not rolled');
        return 1;
      }
      const report = await rollSessions(clients, stack, plan.outdated, { timeoutMs: timeoutSeconds * 1000 }, progress);
      print({ ...report, current: plan.current }, formatRoll(report));
      return report.pending.length > 0 ? 1 : 0;
    }
  }
}

async function confirm(question: string, what: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new OpsError(`${what} needs a confirmation: run it in a terminal or pass --yes`);
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await readline.question(question)).trim());
  } finally {
    readline.close();
  }
}

/** One line an operator can act on, for the failures they will meet first. */
export function opsErrorLine(error: unknown): string {
  if (error instanceof OpsError) return `ops: ${error.message}`;
  if (error instanceof UsageError) return `ops: ${error.message} (--help shows the usage)`;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const line = (() => {
    if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message))
      return 'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    if (/Region is missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
    if (name === 'ExpiredTokenException' || name === 'ExpiredToken') return 'your AWS credentials have expired: log in again';
    if (/ENOTFOUND|getaddrinfo|ECONNREFUSED/.test(message)) return `cannot reach AWS (${message}): check --region, AWS_ENDPOINT_URL and the network`;
    return `${name || 'Error'}: ${message}`;
  })();
  return `ops: ${line.replace(/\s*\n\s*/g, ' ')}`;
}

/** Checks the filter options an operator typed; an OpsError names the bad one. */
function parkedFilterOf(values: { reason?: string; agent?: string; since?: string }, tenant?: string): ParkedFilter {
  if (values.reason && !(Object.values(ParkReason) as string[]).includes(values.reason))
    throw new UsageError(`--reason must be one of ${Object.values(ParkReason).join(', ')}, got "${values.reason}"`);
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since must be an ISO 8601 time such as 2026-11-30T16:00:00Z, got "${values.since}"`);
  return { reason: values.reason, agentId: values.agent, tenant, since };
}
