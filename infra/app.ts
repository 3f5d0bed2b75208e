#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { assertKnownContextKeys, type BridgeConfig, CONFIG_KEYS, InvalidBridgeConfigError, parseBridgeConfig } from './config.js';
import { withRoutesFile } from './routes-config.js';

/** The CDK app: the only place that reads context. */
const app = new App();

/** The configuration from context; a bad value ends synth with one line naming the key. */
function configFromContext(): BridgeConfig {
  assertKnownContextKeys(Object.keys(app.node.getAllContext()));
  const input = Object.fromEntries(CONFIG_KEYS.map((key) => [key, app.node.tryGetContext(key)]).filter(([, value]) => value !== undefined));
  // `-c routesFile=routes.json` adds the routes of a file to those in context.
  const routesFile = app.node.tryGetContext('routesFile');
  if (typeof routesFile === 'string') {
    try {
      input.routes = withRoutesFile(input.routes, routesFile);
    } catch (error) {
      throw new InvalidBridgeConfigError(`routesFile ${routesFile}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return parseBridgeConfig(input);
}

let config: BridgeConfig;
try {
  config = configFromContext();
} catch (error) {
  if (!(error instanceof InvalidBridgeConfigError)) throw error;
  // The message alone: a stack trace would only bury the key to fix.
  console.error(error.message);
  process.exit(1);
}

// The stack and the rule packs load once the configuration is good: a bad value is answered at once.
const [{ CxoneEventBridgeStack }, { AwsSolutionsChecks, ServerlessChecks }] = await Promise.all([import('./stack.js'), import('cdk-nag')]);
new CxoneEventBridgeStack(app, `CxoneEventBridge-${config.tenant}`, {
  config,
  description: `cxone-eventbridge: NICE CXone agent events to EventBridge for tenant ${config.tenant}`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
