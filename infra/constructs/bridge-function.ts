import { fileURLToPath } from 'node:url';
import { type Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_LOG_LEVEL } from '../../contract/logging.js';

/**
 * Who invokes a bridge function, which decides why it needs no Lambda dead-letter queue: the state
 * machine invokes synchronously and handles every failure; a schedule invokes asynchronously with
 * events that carry no data.
 */
export type BridgeFunctionCaller = 'stateMachine' | 'schedule';

const WHY_NO_DEAD_LETTER_QUEUE: Record<BridgeFunctionCaller, string> = {
  stateMachine:
    'Invoked only synchronously, by the state machine, whose Retry/Catch handle every failure; a Lambda DLQ applies to asynchronous invocations only.',
  schedule:
    'Its only asynchronous caller is its schedule, whose events carry no data: a failed run is replaced by the next one, so there is nothing to redrive; errors are on the dashboard.',
};

export interface BridgeFunctionProps {
  /** Handler file under lambdas/, e.g. poll-session/handler.ts. */
  readonly entry: string;
  /** Shown in the console, and the description of the function's role. */
  readonly description: string;
  readonly timeout: Duration;
  /** The function's environment; numbers are written as decimal strings. */
  readonly environment: Readonly<Record<string, string | number>>;
  readonly logRetention: logs.RetentionDays;
  /** Service name of the function's logs and metrics (Powertools). */
  readonly serviceName: string;
  /** Who invokes the function: see BridgeFunctionCaller. */
  readonly invokedBy: BridgeFunctionCaller;
  /** @default 128 */
  readonly memorySize?: number;
  /**
   * Which of Lambda's platform records (system logs) reach the log group. At INFO, Lambda's default,
   * each invocation writes a "start" and a "report" record; WARN keeps both out. The function's own
   * lines are filtered by the application log level, left at Lambda's default INFO: the EMF lines
   * carry no "level", so Lambda counts them as INFO, and a stricter level would drop the metrics.
   * Powertools' Logger keeps its own level (POWERTOOLS_LOG_LEVEL); only an application log level
   * would override it, through AWS_LAMBDA_LOG_LEVEL, which Lambda sets for that one.
   * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
   * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda.SystemLogLevel.html
   * @default INFO (Lambda's)
   */
  readonly systemLogLevel?: lambda.SystemLogLevel;
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
      systemLogLevelV2: props.systemLogLevel,
      description: props.description,
      environment: {
        ...Object.fromEntries(Object.entries(props.environment).map(([name, value]) => [name, String(value)])),
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: FUNCTION_LOG_LEVEL,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // ESM bundles need a require shim for the few CommonJS dependencies.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    Validations.of(this.function).acknowledge(
      { id: 'Serverless::Serverless-LambdaDLQ', reason: WHY_NO_DEAD_LETTER_QUEUE[props.invokedBy] },
      {
        id: 'Serverless::Serverless-LambdaTracing',
        reason:
          'Each invocation is one outbound call (for the poller, a CXone long poll that is mostly hold time); the state machine traces every task with X-Ray and duration, errors and poll latency are on the dashboard, so a trace per poll of every agent would add cost without insight.',
      },
    );
  }
}
