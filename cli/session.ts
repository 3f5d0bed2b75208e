#!/usr/bin/env node
import { parseArgs } from 'node:util';
/**
 * Starts or stops polling one agent's CXone session on a deployed stack.
 *
 *   npm run session -- start --agent-id 2103457 [--station-phone 8015550143 | --station-id ID]
 *   npm run session -- stop --agent-id 2103457
 *
 * Needs AWS credentials for Step Functions (and Secrets Manager unless CXONE_* variables are set).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type CxoneCredentials, CxoneCredentialsSchema } from '../contract/cxone-credentials.js';
import { CxoneAgentApi, type Station } from '../lambdas/cxone/agent-api.js';
import { CxoneAuth } from '../lambdas/cxone/auth.js';
import { startAgentSession } from '../lambdas/sessions/start-agent-session.js';
import { stepFunctionsExecutions } from '../lambdas/sessions/step-functions-executions.js';
import { secretCredentialsLoader } from '../lambdas/shared/secret-credentials.js';

const USAGE = `usage: npm run session -- <start|stop> --agent-id ID [options]

  --agent-id ID            CXone agent id (numeric)
  --tenant NAME            tenant label the stack was deployed with (env TENANT)
  --state-machine-arn ARN  the stack's SessionStateMachineArn output (env SESSION_STATE_MACHINE_ARN)
  --cxone-issuer URL       CXone issuer (env CXONE_ISSUER_URL, default https://cxone.niceincontact.com)
  --secret-name NAME       credentials secret (default cxone-eventbridge/<tenant>); or set CXONE_CLIENT_ID,
                           CXONE_CLIENT_SECRET, CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET
  --station-id ID | --station-phone NUMBER
                           start: start a CXone session on this station when the agent has none`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'agent-id': { type: 'string' },
      tenant: { type: 'string', default: process.env.TENANT },
      'state-machine-arn': { type: 'string', default: process.env.SESSION_STATE_MACHINE_ARN },
      'cxone-issuer': { type: 'string', default: process.env.CXONE_ISSUER_URL ?? 'https://cxone.niceincontact.com' },
      'secret-name': { type: 'string' },
      'station-id': { type: 'string' },
      'station-phone': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const agentId = values['agent-id'];
  if (values.help || !command || !['start', 'stop'].includes(command) || !agentId || !/^\d+$/.test(agentId) || !values.tenant) {
    console.error(USAGE);
    return 2;
  }
  const credentials = credentialsFromEnvironment() ?? secretCredentialsLoader(new SecretsManagerClient({}), values['secret-name'] ?? `cxone-eventbridge/${values.tenant}`);
  const cxone = new CxoneAgentApi(new CxoneAuth({ issuerUrl: values['cxone-issuer'] as string, loadCredentials: typeof credentials === 'function' ? credentials : async () => credentials }));

  if (command === 'stop') {
    await cxone.endSession(await cxone.joinSession(agentId));
    console.log(`ended agent ${agentId}'s CXone session; its poller stops on the session-end event`);
    return 0;
  }
  const stateMachineArn = values['state-machine-arn'];
  if (!stateMachineArn) {
    console.error('start needs --state-machine-arn (the stack output SessionStateMachineArn)');
    return 2;
  }
  const station: Station | undefined = values['station-id'] ? { stationId: values['station-id'] } : values['station-phone'] ? { stationPhoneNumber: values['station-phone'] } : undefined;
  const result = await startAgentSession({ tenant: values.tenant, agentId, station }, cxone, stepFunctionsExecutions(new SFNClient({}), stateMachineArn));
  const messages: Record<typeof result.outcome, string> = {
    started: result.restartOf ? `restarted ${result.executionArn} (${result.restartOf.name} had ended ${result.restartOf.status})` : `started ${result.executionArn}`,
    'already-running': `already polling: execution ${result.executionName} is running`,
    ended: `not started: execution ${result.executionName} saw this login's session end; a new login gets a new poller`,
  };
  console.log(messages[result.outcome]);
  return 0;
}

function credentialsFromEnvironment(): CxoneCredentials | undefined {
  const parsed = CxoneCredentialsSchema.safeParse({
    clientId: process.env.CXONE_CLIENT_ID,
    clientSecret: process.env.CXONE_CLIENT_SECRET,
    accessKeyId: process.env.CXONE_ACCESS_KEY_ID,
    accessKeySecret: process.env.CXONE_ACCESS_KEY_SECRET,
  });
  return parsed.success ? parsed.data : undefined;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`session: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
