import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCxoneSimulator } from '../local/cxone-simulator/index.js';
import { observeTwin } from '../local/metrics/observe-twin.js';
import { startLocalTwin } from '../local/twin/local-twin.js';
const simulator = await startCxoneSimulator({ agents: 1, seed: 53 });
const twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 }, waitMs: 50, scheduleEveryMs: 3_600_000 });
const obs = observeTwin(twin, { evaluateEveryMs: 0 });
simulator.loginAgent('5100001');
await twin.startSession('5100001');
await new Promise((r) => setTimeout(r, 3000));
for (const args of (process.argv.slice(2).join(' ') || 'parked').split(',')) {
  const r = await promisify(execFile)('npx', ['tsx', 'cli/ops.ts', ...args.trim().split(' '), '--stack', obs.stackName], { env: { ...process.env, CXONE_ISSUER_URL: simulator.issuerUrl } }).catch((e) => e);
  console.log('$ ops', args, '\n', r.stdout, r.stderr);
}
obs.stop(); await twin.close(); await simulator.close(); process.exit(0);
