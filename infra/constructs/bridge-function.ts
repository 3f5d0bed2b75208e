import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface BridgeFunctionProps {
  /** Handler file under lambdas/, e.g. poll-session/handler.ts. */
  entry: string;
  description: string;
  timeout: Duration;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  serviceName: string;
  /** @default 128 */
  memorySize?: number;
}

/**
 * A bridge Lambda as every one of ours is built: Node.js 24 on arm64, bundled ESM with esbuild (no
 * Docker), JSON logs to its own log group, and a role that may write only there (no managed
 * policies); the owning construct adds the grants for what the function touches.
 */
export class BridgeFunction extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.description });
    logGroup.grantWrite(role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: fileURLToPath(new URL(`../../lambdas/${props.entry}`, import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 128,
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: props.description,
      environment: { ...props.environment, POWERTOOLS_SERVICE_NAME: props.serviceName, POWERTOOLS_LOG_LEVEL: 'INFO' },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // ESM bundles need a require shim for the few CommonJS dependencies.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
  }
}
