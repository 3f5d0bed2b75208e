#!/usr/bin/env node
/**
 * The operator's command line: `npm run ops -- <command>`. Finds the deployed stack's resources by
 * stack name (CloudFormation outputs and resources) and works through the real AWS SDK clients, so
 * it runs the same against AWS and against the local twin's endpoint (AWS_ENDPOINT_URL).
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { formatSessions, formatStatus } from './ops/format.js';
import { locateStack, type OpsClients, OpsError, restartAgent, sessionsOf, statusOf, stopSessions } from './ops/operations.js';

const USAGE = `usage: npm run ops -- <command> [options]

commands
  status                      is it healthy: sessions polling / failed in the last 24 h, events
                              published and parked in the last hour, alarms in ALARM
  sessions [--agent ID]       each session: agent, execution, generation, state, start, last error
  restart --agent ID          stop the agent's running poller and start it again (a new -rN name);
                              the CXone session is not touched
  stop --agent ID | --all     stop polling (asks first; --yes for scripts); the CXone session goes on
  parked, redrive             parked events and their redrive (cli/parked.ts, not built yet)

options
  --stack NAME                the stack (default CxoneEventBridge-<tenant>; env CXONE_STACK_NAME)
  --tenant NAME               tenant the stack was deployed with (env TENANT)
  --region REGION             AWS region (default: AWS_REGION / your profile's)
  --json                      machine-readable output
  --yes                       do not ask before stopping`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stack: { type: 'string', default: process.env.CXONE_STACK_NAME },
      tenant: { type: 'string', default: process.env.TENANT },
      region: { type: 'string' },
      agent: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  // Parked events and redrive are built with the claim checks (#9): dispatch to cli/parked.ts here when it lands.
  if (command === 'parked' || command === 'redrive')
    throw new OpsError(`${command} is not available yet: it comes with cli/parked.ts (parked events and redrive)`);
  if (!['status', 'sessions', 'restart', 'stop'].includes(command)) throw new OpsError(`unknown command "${command}" (status, sessions, restart, stop)`);
  if (values.agent !== undefined && !/^\d+$/.test(values.agent)) throw new OpsError(`--agent must be a numeric CXone agent id, got "${values.agent}"`);
  const stackName = values.stack ?? (values.tenant ? `CxoneEventBridge-${values.tenant}` : undefined);
  if (!stackName) throw new OpsError('name the stack: --stack NAME or --tenant NAME (or CXONE_STACK_NAME / TENANT)');

  const config = values.region ? { region: values.region } : {};
  const clients: OpsClients = {
    cloudFormation: new CloudFormationClient(config),
    stepFunctions: new SFNClient(config),
    cloudWatch: new CloudWatchClient(config),
  };
  const progress = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  const stack = await locateStack(clients, stackName, values.region ?? (await clients.cloudFormation.config.region()));
  const print = (value: unknown, table: string) => console.log(values.json ? JSON.stringify(value, null, 2) : table);

  switch (command) {
    case 'status': {
      const status = await statusOf(clients, stack, progress);
      print(status, formatStatus(status));
      return 0;
    }
    case 'sessions': {
      const sessions = await sessionsOf(clients, stack, { agentId: values.agent }, progress);
      print(sessions, formatSessions(sessions));
      return 0;
    }
    case 'restart': {
      if (!values.agent) throw new OpsError('restart needs --agent ID');
      const result = await restartAgent(clients, stack, values.agent);
      print(result, `restarted agent ${values.agent}: stopped ${result.stopped}, started ${result.started}`);
      return 0;
    }
    default: {
      if (!values.agent === !values.all) throw new OpsError('stop needs exactly one of --agent ID or --all');
      const running = (await sessionsOf(clients, stack, { agentId: values.agent, runningOnly: true }, progress)).filter(
        (session) => session.state === 'polling',
      );
      if (running.length === 0) {
        print({ stopped: [] }, 'nothing to stop: no session is polling');
        return 0;
      }
      if (
        !values.yes &&
        !(await confirm(
          `stop polling ${running.length} session(s) (${running.map((session) => `agent ${session.agentId}`).join(', ')})? The CXone sessions go on. [y/N] `,
        ))
      ) {
        console.error('ops: not stopped');
        return 1;
      }
      const stopped = await stopSessions(clients, stack, running, progress);
      print({ stopped }, `stopped ${stopped.length} poller(s): ${stopped.join(', ')}`);
      return 0;
    }
  }
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new OpsError('stopping needs a confirmation: run it in a terminal or pass --yes');
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await readline.question(question)).trim());
  } finally {
    readline.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`ops: ${describeError(error)}`);
    process.exit(1);
  },
);

/** One line an operator can act on, for the failures they will meet first. */
function describeError(error: unknown): string {
  if (error instanceof OpsError) return error.message;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message))
    return 'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  if (/Region is missing/i.test(message)) return 'no AWS region: pass --region or set AWS_REGION';
  if (name === 'ExpiredTokenException' || name === 'ExpiredToken') return 'your AWS credentials have expired: log in again';
  if (/ENOTFOUND|getaddrinfo|ECONNREFUSED/.test(message)) return `cannot reach AWS (${message}): check --region, AWS_ENDPOINT_URL and the network`;
  return `${name || 'Error'}: ${message}`;
}
