#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { CONFIG_KEYS, parseBridgeConfig } from './config.js';
import { withRoutesFile } from './routes-config.js';
import { CxoneEventBridgeStack } from './stack.js';

/** The CDK app: the only place that reads context. */
const app = new App();
const input = Object.fromEntries(CONFIG_KEYS.map((key) => [key, app.node.tryGetContext(key)]).filter(([, value]) => value !== undefined));
// `-c routesFile=routes.json` adds the routes of a file to those in context.
const routesFile = app.node.tryGetContext('routesFile');
if (typeof routesFile === 'string') input.routes = withRoutesFile(input.routes, routesFile);
const config = parseBridgeConfig(input);

new CxoneEventBridgeStack(app, `CxoneEventBridge-${config.tenant}`, {
  config,
  description: `cxone-eventbridge: NICE CXone agent events to EventBridge for tenant ${config.tenant}`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
