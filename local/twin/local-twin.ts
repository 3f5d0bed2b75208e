import { SFNClient } from '@aws-sdk/client-sfn';
import { parseBridgeConfig, type BridgeConfigInput } from '../../infra/config.js';
import { CxoneAgentApi, type Station } from '../../lambdas/cxone/agent-api.js';
import { type CxoneCredentials, CxoneAuth } from '../../lambdas/cxone/auth.js';
import { PollerEnvironmentSchema } from '../../lambdas/poll-session/environment.js';
import { createPollHandler } from '../../lambdas/poll-session/poll-handler.js';
import { type StartAgentSessionResult, startAgentSession } from '../../lambdas/sessions/start-agent-session.js';
import { stepFunctionsExecutions } from '../../lambdas/sessions/step-functions-executions.js';
import { type LocalAwsServer, startLocalAwsServer } from '../aws/local-aws-server.js';
import { LocalSecretsManager } from '../aws/local-secrets-manager.js';
import { LocalEventBus } from '../eventbridge/local-event-bus.js';
import { type LocalTaskHandler, LocalStepFunctions } from '../stepfunctions/local-step-functions.js';
import { type LambdaHandler, type LocalLambdaStats, localLambdaTask } from './local-lambda.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, type SynthesizedStack, synthesizeStack } from './synthesized-stack.js';

export interface LocalTwinOptions {
  /** Issuer of the CXone to poll: the built-in simulator or anything speaking its API. */
  cxoneIssuerUrl: string;
  credentials: CxoneCredentials;
  /** Stack configuration overrides (tenant, pollTimeoutSeconds, eventSource, …). */
  config?: Partial<BridgeConfigInput>;
}

/** The whole bridge on this machine. */
export interface LocalTwin {
  stack: SynthesizedStack;
  tenant: string;
  bus: LocalEventBus;
  stepFunctions: LocalStepFunctions;
  aws: LocalAwsServer;
  lambdaStats: LocalLambdaStats;
  /** What `npm run session -- start` does, against the local Step Functions. */
  startSession(agentId: string, station?: Station): Promise<StartAgentSessionResult>;
  /** Stops every running execution and the local endpoint. */
  close(): Promise<void>;
}

class TwinClosedError extends Error {
  override readonly name = 'TwinClosed';
}

/** Builds the handler for each function of the template, found by its construct path. */
const HANDLERS: { pathPart: string; create: (environment: Record<string, string>) => LambdaHandler }[] = [
  { pathPart: '/SessionPoller/', create: (environment) => createPollHandler(PollerEnvironmentSchema.parse(environment)) },
];

/**
 * Starts the local twin: synthesizes the real stack, serves EventBridge, Step Functions and Secrets
 * Manager on a loopback endpoint that the unchanged AWS SDK clients reach through AWS_ENDPOINT_URL,
 * and runs the synthesized definition on the local engine with the real handlers in-process.
 * One twin per process: the SDK clients read the endpoint from the environment.
 */
export async function startLocalTwin(options: LocalTwinOptions): Promise<LocalTwin> {
  const config = parseBridgeConfig({ tenant: 'local', ...options.config, cxoneIssuerUrl: options.cxoneIssuerUrl });
  const stack = synthesizeStack(config);

  const secrets = new LocalSecretsManager(LOCAL_REGION, LOCAL_ACCOUNT);
  secrets.put(config.cxoneSecretName, JSON.stringify(options.credentials));
  const bus = new LocalEventBus(LOCAL_REGION, LOCAL_ACCOUNT, stack.eventBusNames);
  for (const rule of stack.rules) bus.addRule(rule);
  const stepFunctions = new LocalStepFunctions();
  const aws = await startLocalAwsServer({ ...bus.operations(), ...stepFunctions.operations(), ...secrets.operations() });

  Object.assign(process.env, {
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  });

  let closed = false;
  const lambdaStats: LocalLambdaStats = { invocations: 0, billedMs: 0, errors: new Map(), results: new Map() };
  const taskHandlers: Record<string, LocalTaskHandler> = {};
  for (const [stateName, state] of Object.entries(stack.stateMachine.definition.States)) {
    if (state.Type !== 'Task') continue;
    const fn = stack.functions.find((candidate) => candidate.arn === state.Resource);
    const factory = fn && HANDLERS.find((entry) => fn.path.includes(entry.pathPart));
    if (!fn || !factory) throw new Error(`the twin has no in-process handler for task ${stateName} (${state.Resource})`);
    const invoke = localLambdaTask(fn, factory.create(fn.environment), lambdaStats);
    // After close() no new invocation starts: an aborted execution must not keep polling.
    taskHandlers[stateName] = (input) => (closed ? Promise.reject(new TwinClosedError('the local twin is closed')) : invoke(input));
  }
  stepFunctions.register({ arn: stack.stateMachine.arn, definition: stack.stateMachine.definition, taskHandlers });

  const cxone = new CxoneAgentApi(new CxoneAuth({ issuerUrl: config.cxoneIssuerUrl, loadCredentials: async () => options.credentials }));
  const executions = stepFunctionsExecutions(new SFNClient({}), stack.stateMachine.arn);

  return {
    stack,
    tenant: config.tenant,
    bus,
    stepFunctions,
    aws,
    lambdaStats,
    startSession: (agentId, station) => startAgentSession({ tenant: config.tenant, agentId, station }, cxone, executions),
    async close() {
      closed = true;
      for (const execution of stepFunctions.executions.values()) {
        if (execution.status === 'RUNNING') execution.abort();
      }
      await Promise.race([stepFunctions.settled(), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await aws.close();
    },
  };
}
