import { readdirSync } from 'node:fs';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// One vitest project per layer folder under test/, each runnable alone (`npm run test:unit`, or
// `npx vitest run --project unit`); `npm test` runs them all into one report.
// Timeouts per layer: unit, contract and simulator tests are in-process or loopback HTTP with short
// polls; infra synthesizes CDK stacks (slow on 2 cores); twin tests hold real long polls against the
// simulator and run whole sessions on the local engine.
const SHORT = 30_000;
const TIMEOUTS: Record<string, number> = {
  unit: SHORT,
  contract: SHORT,
  simulator: SHORT,
  bench: SHORT,
  infra: 120_000,
  // Spawns the CLIs and cdk synth as child processes (each allowed 90 s).
  cli: 120_000,
  twin: 300_000,
};
// A layer folder added later runs too (with the long timeout) until it gets its own entry above.
const UNLISTED = 300_000;

const layers = readdirSync(new URL('./test', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'fixtures')
  .map((entry) => entry.name)
  .sort();

const projects: TestProjectInlineConfiguration[] = layers.map((layer) => {
  const timeout = TIMEOUTS[layer] ?? UNLISTED;
  return { extends: true, test: { name: layer, include: [`test/${layer}/**/*.test.ts`], testTimeout: timeout, hookTimeout: timeout } };
});

export default defineConfig({
  test: {
    projects,
    pool: 'forks',
    // The poller logs failures at ERROR; tests that inject them need not print them.
    env: { POWERTOOLS_LOG_LEVEL: 'CRITICAL', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
