/**
 * Runs the CXone simulator standalone:
 *   npx tsx local/cxone-simulator/cli.ts --port 8787 --agents 5 --time-scale 60 --seed 7
 * Prints the URLs and the fake local credentials to configure a poller with.
 */
import { parseArgs } from 'node:util';
import { startCxoneSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    agents: { type: 'string', default: '3' },
    'time-scale': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    'token-ttl': { type: 'string' },
    'max-batch': { type: 'string' },
    'no-scenario': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('Usage: cli.ts [--port N] [--agents N|id,id,...] [--time-scale N] [--seed S] [--token-ttl SECONDS] [--max-batch N] [--no-scenario]');
  process.exit(0);
}

const num = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
const agents = /^\d+$/.test(values.agents) && Number(values.agents) <= 10_000 ? Number(values.agents) : values.agents.split(',');

const sim = await startCxoneSimulator({
  port: Number(values.port),
  agents,
  timeScale: Number(values['time-scale']),
  seed: /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed,
  ...(values['token-ttl'] !== undefined ? { tokenTtlSeconds: num(values['token-ttl']) } : {}),
  ...(values['max-batch'] !== undefined ? { maxBatch: num(values['max-batch']) } : {}),
  scenario: { autoStart: !values['no-scenario'] },
});

console.log(
  [
    'CXone simulator listening (fake local credentials):',
    `  issuer URL        ${sim.issuerUrl}`,
    `  token endpoint    ${sim.tokenEndpoint}`,
    `  tenant id         ${sim.tenantId}`,
    `  api base {B}      ${sim.apiBaseUrl}`,
    `  client id         ${sim.credentials.clientId}`,
    `  client secret     ${sim.credentials.clientSecret}`,
    `  access key id     ${sim.credentials.accessKeyId}`,
    `  access key secret ${sim.credentials.accessKeySecret}`,
    `  agents            ${sim.agentIds.join(', ')}`,
    `  scenario          ${sim.scenarioRunning ? 'running' : 'stopped'} (POST ${sim.issuerUrl}/admin/scenario/start|stop)`,
    `  admin             ${sim.issuerUrl}/admin/stats`,
  ].join('\n'),
);

const shutdown = () => {
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
