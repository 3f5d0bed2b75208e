import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type BridgeConfigInput, parseBridgeConfig } from '../../infra/config.js';
import { CxoneEventBridgeStack } from '../../infra/stack.js';

export const TEST_CONFIG: BridgeConfigInput = { tenant: 'acme', cxoneIssuerUrl: 'https://cxone.niceincontact.com' };

/** Synthesizes the stack without bundling (infra tests check the template, not the bundle). */
export function synthesizeForTest(overrides: Partial<BridgeConfigInput> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cxone-infra-test-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });
  const stack = new CxoneEventBridgeStack(app, 'CxoneEventBridge-acme', {
    config: parseBridgeConfig({ ...TEST_CONFIG, ...overrides }),
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return { app, stack, template: Template.fromStack(stack), report };
}

export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
    suppressedViolations: { ruleName: string; reason: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}
