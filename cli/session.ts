#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
/**
 * Starts or stops polling one agent's CXone session on a deployed stack.
 *
 *   npm run session -- start --agent-id 2103457 [--station-phone 8015550143 | --station-id ID]
 *   npm run session -- stop --agent-id 2103457    stop polling; the CXone session goes on
 *   npm run session -- end --agent-id 2103457     end a CXone session the bridge started on a station
 *
 * Needs AWS credentials for Step Functions (and Secrets Manager unless CXONE_* variables are set).
 * The region is the state machine's, taken from its ARN.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { credentialsFromEnvironment } from '../contract/cxone-credentials.js';
import { TenantSchema } from '../contract/tenant.js';
import type { Station } from '../lambdas/cxone/agent-api.js';
import { createCxoneClient } from '../lambdas/cxone/client-factory.js';
import { startAgentSession } from '../lambdas/sessions/start-agent-session.js';
import { stepFunctionsExecutions } from '../lambdas/sessions/step-functions-executions.js';
import { endBridgeStartedSession, stopPolling } from '../lambdas/sessions/stop-agent-session.js';
import { secretCredentialsLoader } from '../lambdas/shared/secret-credentials.js';
import { httpsOrLoopbackUrl, parseCommandLine, runMain, UsageError } from './usage.js';

export const SESSION_USAGE = `usage: npm run session -- <start|stop|end> --agent-id ID [options]

  start                    poll the agent's current CXone session (joining it), or start one on a station
  stop                     stop polling the agent; the CXone session goes on and the agent stays logged in
  end                      end the agent's CXone session (logs the agent out); only for a session the bridge
                           started with start --station-…; the poller then ends by itself

  --agent-id ID            CXone agent id (numeric)
  --tenant NAME            tenant label the stack was deployed with (env TENANT)
  --state-machine-arn ARN  the stack's SessionStateMachineArn output (env SESSION_STATE_MACHINE_ARN);
                           its region is the one used
  --cxone-issuer URL       CXone issuer (env CXONE_ISSUER_URL, default https://cxone.niceincontact.com)
  --secret-name NAME       credentials secret (default cxone-eventbridge/<tenant>); or set CXONE_CLIENT_ID,
                           CXONE_CLIENT_SECRET, CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET
  --station-id ID | --station-phone NUMBER
                           start: start a CXone session on this station when the agent has none`;

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

export interface SessionCommand {
  command: 'start' | 'stop' | 'end';
  agentId: string;
  tenant: string;
  stateMachineArn: string;
  region: string;
  issuerUrl: string;
  secretName: string;
  station?: Station;
}

/** Parses the session command's arguments; throws UsageError on the first bad one. `undefined` means --help. */
export function parseSessionCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): SessionCommand | undefined {
  const { positionals, values } = parseCommandLine(
    args,
    {
      'agent-id': { type: 'string' },
      tenant: { type: 'string' },
      'state-machine-arn': { type: 'string' },
      'cxone-issuer': { type: 'string' },
      'secret-name': { type: 'string' },
      'station-id': { type: 'string' },
      'station-phone': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) return undefined;
  const [command, ...extra] = positionals;
  if (command !== 'start' && command !== 'stop' && command !== 'end')
    throw new UsageError(command ? `unknown command "${command}": use start, stop or end` : 'give a command: start, stop or end');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
  const agentId = values['agent-id'];
  if (!agentId || !/^\d+$/.test(agentId))
    throw new UsageError(agentId ? `--agent-id must be a numeric CXone agent id, got "${agentId}"` : '--agent-id is required');
  const tenant = values.tenant ?? env.TENANT;
  if (!tenant) throw new UsageError('--tenant is required (or set TENANT)');
  const tenantCheck = TenantSchema.safeParse(tenant);
  if (!tenantCheck.success) throw new UsageError(`--tenant "${tenant}": ${tenantCheck.error.issues[0]?.message}`);
  const stateMachineArn = values['state-machine-arn'] ?? env.SESSION_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new UsageError('--state-machine-arn is required (the stack output SessionStateMachineArn, or set SESSION_STATE_MACHINE_ARN)');
  const region = STATE_MACHINE_ARN.exec(stateMachineArn)?.[1];
  if (!region)
    throw new UsageError(`--state-machine-arn is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got "${stateMachineArn}"`);
  const issuerUrl = httpsOrLoopbackUrl(values['cxone-issuer'] ?? env.CXONE_ISSUER_URL ?? 'https://cxone.niceincontact.com', 'cxone-issuer');
  const stationId = values['station-id'];
  const stationPhone = values['station-phone'];
  if (stationId !== undefined && stationPhone !== undefined) throw new UsageError('give --station-id or --station-phone, not both');
  if ((stationId !== undefined || stationPhone !== undefined) && command !== 'start') throw new UsageError('--station-id and --station-phone are for start');
  if (stationPhone !== undefined && !/^\+?\d{3,20}$/.test(stationPhone))
    throw new UsageError(`--station-phone must be a phone number of digits, got "${stationPhone}"`);
  if (stationId !== undefined && !/^\d+$/.test(stationId)) throw new UsageError(`--station-id must be numeric, got "${stationId}"`);
  const station: Station | undefined = stationId !== undefined ? { stationId } : stationPhone !== undefined ? { stationPhoneNumber: stationPhone } : undefined;
  return { command, agentId, tenant, stateMachineArn, region, issuerUrl, secretName: values['secret-name'] ?? `cxone-eventbridge/${tenant}`, station };
}

async function main(): Promise<number> {
  const request = parseSessionCommand(process.argv.slice(2));
  if (!request) {
    console.log(SESSION_USAGE);
    return 0;
  }
  const executions = stepFunctionsExecutions(new SFNClient({ region: request.region }), request.stateMachineArn);
  if (request.command === 'stop') {
    const stopped = await stopPolling(request.tenant, request.agentId, executions);
    console.log(
      stopped.length > 0
        ? `stopped polling agent ${request.agentId} (${stopped.join(', ')}); the CXone session goes on`
        : `no poller runs for agent ${request.agentId}`,
    );
    return 0;
  }
  const credentials =
    credentialsFromEnvironment(process.env) ?? secretCredentialsLoader(new SecretsManagerClient({ region: request.region }), request.secretName);
  const cxone = createCxoneClient({ issuerUrl: request.issuerUrl, credentials });
  if (request.command === 'end') {
    const execution = await endBridgeStartedSession(request.tenant, request.agentId, executions, cxone);
    console.log(`ended agent ${request.agentId}'s CXone session, which the bridge had started; its poller ${execution} ends on the session-end event`);
    return 0;
  }
  const result = await startAgentSession({ tenant: request.tenant, agentId: request.agentId, station: request.station }, cxone, executions);
  const messages: Record<typeof result.outcome, string> = {
    started: result.restartOf
      ? `restarted ${result.executionArn} (${result.restartOf.name} had ended ${result.restartOf.status})`
      : `started ${result.executionArn}`,
    'already-running': `already polling: execution ${result.executionName} is running`,
    ended: `not started: execution ${result.executionName} saw this login's session end; a new login gets a new poller`,
  };
  console.log(messages[result.outcome]);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) runMain('session', main);
