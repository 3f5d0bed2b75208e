import { SFNClient } from '@aws-sdk/client-sfn';
import type { CxoneCredentials } from '../../contract/cxone-credentials.js';
import { EXECUTION_ALREADY_EXISTS, START_EXECUTION_RESOURCE } from '../../contract/state-machine.js';
import { type BridgeConfigInput, parseBridgeConfig } from '../../infra/config.js';
import type { Station } from '../../lambdas/cxone/agent-api.js';
import { createCxoneClient } from '../../lambdas/cxone/client-factory.js';
import { createDiscoveryHandler } from '../../lambdas/discovery/discovery-handler.js';
import { RedriveEnvironmentSchema } from '../../lambdas/parked/environment.js';
import { createRedriveHandler } from '../../lambdas/parked/redrive-handler.js';
import { PollerEnvironmentSchema } from '../../lambdas/poll-session/environment.js';
import { createPollHandler } from '../../lambdas/poll-session/poll-handler.js';
import { type StartAgentSessionResult, startAgentSession } from '../../lambdas/sessions/start-agent-session.js';
import { stepFunctionsExecutions } from '../../lambdas/sessions/step-functions-executions.js';
import { RefresherEnvironmentSchema } from '../../lambdas/token-refresher/environment.js';
import { createRefreshHandler } from '../../lambdas/token-refresher/refresh-handler.js';
import { AwsFaults, type AwsFaultTarget } from '../aws/aws-faults.js';
import { AwsApiError, type AwsOperation, type LocalAwsServer, startLocalAwsServer } from '../aws/local-aws-server.js';
import { type LocalDynamoDb, startLocalDynamoDb } from '../aws/local-dynamodb.js';
import { LocalS3 } from '../aws/local-s3.js';
import { LocalSecretsManager } from '../aws/local-secrets-manager.js';
import { LocalSqs } from '../aws/local-sqs.js';
import { LocalSsm } from '../aws/local-ssm.js';
import { LocalEventBus } from '../eventbridge/local-event-bus.js';
import { LocalTargets } from '../eventbridge/targets.js';
import type { FaultWindowSpec } from '../faults/fault-window.js';
import { LocalStepFunctions, type LocalTaskHandler } from '../stepfunctions/local-step-functions.js';
import { LambdaFaults, type LambdaHandler, type LocalLambdaStats, localLambdaTask } from './local-lambda.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type SynthesizedSchedule, type SynthesizedStack, synthesizeStack } from './synthesized-stack.js';

export interface LocalTwinOptions {
  /** Issuer of the CXone to poll: the built-in simulator or anything speaking its API. */
  cxoneIssuerUrl: string;
  credentials: CxoneCredentials;
  /** Stack configuration overrides (tenant, pollTimeoutSeconds, eventSource, …). */
  config?: Partial<BridgeConfigInput>;
  /** Replace every Wait state's duration with this many real ms (tests); takes precedence over timeScale for Waits. */
  waitMs?: number;
  /**
   * Simulated seconds per real second for everything AWS times: Wait states (Seconds, SecondsPath,
   * TimestampPath), Retry intervals and caps, schedule rates, and the fault windows of `faults`.
   * 100: a 300 s back-off takes 3 real seconds, an hour of outage 36. Not scaled: Lambda timeouts and
   * the handlers' own clocks (Date.now), Task timeouts, CXone's long-poll hold. @default 1
   */
  timeScale?: number;
  /** Run scheduled functions this often (real ms) instead of their (scaled) rate (e.g. discovery every 2 s locally). */
  scheduleEveryMs?: number;
  /** Send every API destination request here instead of its configured endpoint. */
  sinkUrl?: string;
}

/** The whole bridge on this machine. */
export interface LocalTwin {
  stack: SynthesizedStack;
  tenant: string;
  bus: LocalEventBus;
  stepFunctions: LocalStepFunctions;
  /** The routes' queues and their dead-letter queues. */
  sqs: LocalSqs;
  /** S3: the large-event bucket (claim checks, parked items). */
  s3: LocalS3;
  /** Name of the bucket of claim checks and parked items. */
  largeEventBucket: string;
  aws: LocalAwsServer;
  /** The local endpoint's operations by `X-Amz-Target` (or `Query.<Action>`): more services may be added. */
  operations: Record<string, AwsOperation>;
  /** The poller's invocations, cold starts, results and errors. */
  lambdaStats: LocalLambdaStats;
  /** The same for every function, by logical id. */
  functionStats: Map<string, LocalLambdaStats>;
  /** Parameters the stack keeps (the discovery cursor). */
  ssm: LocalSsm;
  /** The stack's DynamoDB tables (the per-session checkpoint store) on dynalite. */
  dynamodb: LocalDynamoDb;
  /** Name of the per-session checkpoint table. */
  sessionTableName: string;
  /** The routes' targets: deliveries per rule and each delivery's payload. */
  targets: LocalTargets;
  /** Runs every scheduled function now, as its schedule would; resolves with their results. */
  runSchedules(): Promise<unknown[]>;
  /** Most poller runs ever in flight at once for one agent (a run counts until it ends): 1 means no session ever had two pollers. */
  maxConcurrentPollsPerAgent(): number;
  /** Simulated seconds per real second (LocalTwinOptions.timeScale). */
  timeScale: number;
  /** Lets `simulatedSeconds` of the twin's time pass (a real sleep of simulatedSeconds / timeScale). */
  advance(simulatedSeconds: number): Promise<void>;
  /** Injected faults: Lambda results lost or invocations cut short, AWS operations refusing for a window. */
  faults: TwinFaults;
  /** What `npm run session -- start` does, against the local Step Functions. */
  startSession(agentId: string, station?: Station): Promise<StartAgentSessionResult>;
  /** Stops every running execution and the local endpoint. */
  close(): Promise<void>;
}

/**
 * Faults the twin injects on the AWS side. Lambda's (inherited): `loseNextResult(agentId?)`,
 * `crashNextInvocation({ agentId?, atCall, errorType? })` and `detachNextInvocation({ agentId?, errorType? })`
 * for the state machine's function; the
 * local AWS endpoints': `awsDown('eventbridge' | 'dlq' | 'dynamodb' | '<X-Amz-Target>', { afterSeconds?, forSeconds })`.
 */
export class TwinFaults extends LambdaFaults {
  constructor(readonly aws: AwsFaults) {
    super();
  }

  /** The operation refuses every call, as the service does in an outage, for a window of simulated time. */
  awsDown(target: AwsFaultTarget | string, window: FaultWindowSpec): void {
    this.aws.refuse(target, window);
  }
}

class TwinClosedError extends Error {
  override readonly name = 'TwinClosed';
}

/** Builds the handler for each function of the template, found by its construct path. */
const HANDLERS: { pathPart: string; create: (environment: Record<string, string>) => LambdaHandler }[] = [
  { pathPart: '/SessionPoller/', create: (environment) => createPollHandler(PollerEnvironmentSchema.parse(environment)) },
  { pathPart: '/SharedToken/', create: (environment) => createRefreshHandler(RefresherEnvironmentSchema.parse(environment)) },
  { pathPart: '/Discovery/', create: (environment) => createDiscoveryHandler(environment) },
  { pathPart: '/ParkedEventRedrive/', create: (environment) => createRedriveHandler(RedriveEnvironmentSchema.parse(environment)) },
];

/**
 * Starts the local twin: synthesizes the real stack, serves EventBridge, Step Functions and Secrets
 * Manager on a loopback endpoint that the unchanged AWS SDK clients reach through AWS_ENDPOINT_URL,
 * and runs the synthesized definition on the local engine with the real handlers in-process.
 * One twin per process: the SDK clients read the endpoint from the environment.
 */
export async function startLocalTwin(options: LocalTwinOptions): Promise<LocalTwin> {
  // Discovery is off unless asked for: most local runs start sessions themselves, as `npm run session` would.
  const config = parseBridgeConfig({ tenant: 'local', discoveryEnabled: false, ...options.config, cxoneIssuerUrl: options.cxoneIssuerUrl });
  // The endpoint comes first: queue URLs in the template resolve to it.
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error(`timeScale must be positive, got ${timeScale}`);
  const operations: Record<string, AwsOperation> = {};
  const faults = new TwinFaults(new AwsFaults(timeScale));
  const s3 = new LocalS3(faults.aws);
  const aws = await startLocalAwsServer(operations, 0, faults.aws, [(request, response, body) => s3.handle(request, response, body)]);
  const stack = synthesizeStack(config, { queueUrlBase: aws.endpoint });

  const secrets = new LocalSecretsManager(LOCAL_REGION, LOCAL_ACCOUNT);
  secrets.put(config.cxoneSecretName, JSON.stringify(options.credentials));
  const bus = new LocalEventBus(LOCAL_REGION, LOCAL_ACCOUNT, stack.eventBusNames);
  for (const rule of stack.rules) bus.addRule(rule);
  const sqs = new LocalSqs();
  for (const queue of stack.queues) sqs.createQueue(queue.url, queue.maxMessageSize);
  for (const bucket of stack.buckets) s3.createBucket(bucket);
  const ssm = new LocalSsm();
  for (const parameter of stack.parameters) ssm.put(parameter.name, parameter.value);
  const stepFunctions = new LocalStepFunctions();
  const dynamodb = await startLocalDynamoDb(stack.tables, faults.aws);
  Object.assign(operations, bus.operations(), stepFunctions.operations(), secrets.operations(), sqs.operations(), ssm.operations());
  // The routes deliver what the bus matched, as EventBridge would, to real endpoints or the sink.
  const sendMessage = sqs.operations()['AmazonSQS.SendMessage'] as AwsOperation;
  const targets = new LocalTargets({
    rules: stack.rules,
    sinkUrl: options.sinkUrl,
    sendToQueue: (QueueUrl, MessageBody) => void sendMessage({ QueueUrl, MessageBody }),
  });
  bus.onEvent((accepted) => targets.dispatch(accepted));

  Object.assign(process.env, {
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    // EMF metrics would print a JSON line per poll; the twin reports its own figures. `npm run bench`
    // keeps them on, to count the bytes the functions write, and keeps them off the terminal.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });

  let closed = false;
  const inFlight = new Map<string, number>();
  let maxConcurrent = 0;
  // Counts the poller's handler runs per agent, from start to end (a run Step Functions stopped
  // waiting for still counts until it ends).
  const trackRun = (input: unknown, ended: Promise<void>): void => {
    const agentId = String((input as { state?: { agentId?: unknown } } | null)?.state?.agentId);
    const now = (inFlight.get(agentId) ?? 0) + 1;
    inFlight.set(agentId, now);
    maxConcurrent = Math.max(maxConcurrent, now);
    void ended.then(() => inFlight.set(agentId, (inFlight.get(agentId) ?? 1) - 1));
  };
  // Each function of the template runs in-process through its own pool of execution environments.
  const functionStats = new Map<string, LocalLambdaStats>();
  const invokers = new Map<string, LocalTaskHandler>();
  const taskFunctionArns = new Set(Object.values(stack.stateMachine.definition.States).flatMap((state) => (state.Type === 'Task' ? [state.Resource] : [])));
  for (const fn of stack.functions) {
    const entry = HANDLERS.find((candidate) => fn.path.includes(candidate.pathPart));
    if (!entry) continue;
    const stats: LocalLambdaStats = { invocations: 0, coldStarts: 0, billedMs: 0, errors: new Map(), results: new Map(), logBytes: new Map() };
    functionStats.set(fn.logicalId, stats);
    // Invocation faults apply to the state machine's function(s), not to the scheduled ones.
    invokers.set(
      fn.arn,
      taskFunctionArns.has(fn.arn)
        ? localLambdaTask(fn, () => entry.create(fn.environment), stats, faults, trackRun)
        : localLambdaTask(fn, () => entry.create(fn.environment), stats),
    );
  }
  let lambdaStats: LocalLambdaStats | undefined;
  const taskHandlers: Record<string, LocalTaskHandler> = {};
  for (const [stateName, state] of Object.entries(stack.stateMachine.definition.States)) {
    if (state.Type !== 'Task') continue;
    if (state.Resource === START_EXECUTION_RESOURCE) {
      taskHandlers[stateName] = async (input) => startExecutionTask(stepFunctions, input);
      continue;
    }
    const fn = stack.functions.find((candidate) => candidate.arn === state.Resource);
    const invoker = invokers.get(state.Resource);
    if (!fn || !invoker) throw new Error(`the twin has no in-process handler for task ${stateName} (${state.Resource})`);
    lambdaStats = functionStats.get(fn.logicalId);
    // After close() no new invocation starts: an aborted execution must not keep polling.
    taskHandlers[stateName] = (input) => (closed ? Promise.reject(new TwinClosedError('the local twin is closed')) : invoker(input));
  }
  if (!lambdaStats) throw new Error('the state machine invokes no function the twin knows');
  for (const secret of stack.createdSecrets) secrets.put(secret.logicalId, 'placeholder until first written');
  // Scheduled functions run once before any session starts (the shared token), then on their rate.
  const scheduled = await startSchedules(stack.schedules, invokers, options.scheduleEveryMs, timeScale);

  const waitStates = Object.entries(stack.stateMachine.definition.States).filter(([, state]) => state.Type === 'Wait');
  const waitTimeOverrides = options.waitMs === undefined ? undefined : Object.fromEntries(waitStates.map(([name]) => [name, options.waitMs as number]));
  stepFunctions.register({ arn: stack.stateMachine.arn, definition: stack.stateMachine.definition, taskHandlers, waitTimeOverrides, timeScale });

  const cxone = createCxoneClient({ issuerUrl: config.cxoneIssuerUrl, credentials: options.credentials });
  const executions = stepFunctionsExecutions(new SFNClient({}), stack.stateMachine.arn);

  return {
    stack,
    tenant: config.tenant,
    bus,
    stepFunctions,
    aws,
    operations,
    lambdaStats,
    functionStats,
    ssm,
    dynamodb,
    sessionTableName: stack.tables[0]?.name ?? '',
    targets,
    runSchedules: scheduled.runAll,
    maxConcurrentPollsPerAgent: () => maxConcurrent,
    timeScale,
    advance: (simulatedSeconds) => new Promise((resolve) => setTimeout(resolve, (simulatedSeconds * 1000) / timeScale)),
    faults,
    sqs,
    s3,
    largeEventBucket: stack.functions.find((fn) => fn.path.includes('/SessionPoller/'))?.environment.LARGE_EVENT_BUCKET ?? '',
    startSession: (agentId, station) => startAgentSession({ tenant: config.tenant, agentId, station }, cxone, executions),
    async close() {
      closed = true;
      for (const timer of scheduled.timers) clearInterval(timer);
      for (const execution of stepFunctions.executions.values()) {
        if (execution.status === 'RUNNING') execution.abort();
      }
      await Promise.race([stepFunctions.settled(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      // Deliveries in flight finish (each is bounded by the 5 s API destination timeout and few retries).
      await Promise.race([targets.settled(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await aws.close();
      await dynamodb.close();
    },
  };
}

/** The StartExecution service integration, as Step Functions runs it for the hand-over. */
function startExecutionTask(stepFunctions: LocalStepFunctions, input: unknown): unknown {
  const { StateMachineArn, Name, Input } = input as { StateMachineArn: string; Name: string; Input: unknown };
  try {
    const { executionArn, startDate } = stepFunctions.startExecution(StateMachineArn, Name, JSON.stringify(Input));
    return { ExecutionArn: executionArn, StartDate: startDate.toISOString() };
  } catch (error) {
    // Integration errors surface as StepFunctions.<Exception>, which the definition's Catch names.
    if (error instanceof AwsApiError && error.type === 'ExecutionAlreadyExists')
      throw Object.assign(new Error(error.message), { name: EXECUTION_ALREADY_EXISTS });
    throw error;
  }
}

/** Invokes each schedule's function targets now, then every period of its `rate(...)` expression. */
async function startSchedules(
  schedules: SynthesizedSchedule[],
  invokers: Map<string, LocalTaskHandler>,
  everyMs: number | undefined,
  timeScale: number,
): Promise<{ timers: NodeJS.Timeout[]; runAll: () => Promise<unknown[]> }> {
  const fires: (() => Promise<unknown>)[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const schedule of schedules) {
    const periodMs = everyMs ?? ratePeriodMs(schedule.expression) / timeScale;
    for (const arn of schedule.targetArns) {
      const invoke = invokers.get(arn);
      if (!invoke) continue;
      const fire = () =>
        invoke({ version: '0', id: crypto.randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString(), detail: {} });
      fires.push(fire);
      // A failing scheduled function (e.g. rejected credentials) fails its own runs, not the twin.
      await fire().catch(() => undefined);
      const timer = setInterval(() => void fire().catch(() => undefined), periodMs);
      timer.unref();
      timers.push(timer);
    }
  }
  return { timers, runAll: () => Promise.all(fires.map((fire) => fire())) };
}

/** Milliseconds of an EventBridge `rate(N unit)` expression. */
export function ratePeriodMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new Error(`the twin runs only rate() schedules, not ${expression}`);
  const unit = match[2]?.startsWith('minute') ? 60_000 : match[2]?.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Number(match[1]) * unit;
}
