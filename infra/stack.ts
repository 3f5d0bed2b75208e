import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { BridgeConfig } from './config.js';
import { AgentEventBus } from './constructs/agent-event-bus.js';
import { DeadLetterStore } from './constructs/dead-letter-store.js';
import { SharedCxoneToken } from './constructs/shared-cxone-token.js';
import { SessionPoller } from './constructs/session-poller.js';
import { SessionStateMachine } from './constructs/session-state-machine.js';
import { applyNagAcknowledgements } from './nag-acknowledgements.js';

export interface CxoneEventBridgeStackProps extends StackProps {
  config: BridgeConfig;
}

/** Output names, read by the session CLI. */
export const StackOutput = {
  StateMachineArn: 'SessionStateMachineArn',
  EventBusName: 'EventBusName',
  CredentialsSecretName: 'CxoneCredentialsSecretName',
  DeadLetterQueueUrl: 'DeadLetterQueueUrl',
} as const;

/** One tenant's bridge: the bus, the poller, the per-session state machine. */
export class CxoneEventBridgeStack extends Stack {
  readonly bus: AgentEventBus;
  readonly poller: SessionPoller;
  readonly sessions: SessionStateMachine;
  readonly deadLetters: DeadLetterStore;
  readonly sharedToken: SharedCxoneToken;

  constructor(scope: Construct, id: string, props: CxoneEventBridgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = toRetentionDays(config.logRetentionDays);

    // Referenced, not created: the secret's value must never pass through the template.
    const credentials = secretsmanager.Secret.fromSecretNameV2(this, 'CxoneCredentials', config.cxoneSecretName);

    const serviceName = 'cxone-eventbridge';
    this.bus = new AgentEventBus(this, 'AgentEvents', { eventBusName: config.eventBusName });
    this.deadLetters = new DeadLetterStore(this, 'DeadLetters', { serviceName });
    this.sharedToken = new SharedCxoneToken(this, 'SharedToken', {
      tenant: config.tenant,
      cxoneIssuerUrl: config.cxoneIssuerUrl,
      credentials,
      logRetention,
      serviceName,
    });
    this.poller = new SessionPoller(this, 'SessionPoller', {
      tenant: config.tenant,
      cxoneIssuerUrl: config.cxoneIssuerUrl,
      credentials,
      sharedToken: this.sharedToken.secret,
      bus: this.bus.bus,
      eventSource: config.eventSource,
      pollTimeoutSeconds: config.pollTimeoutSeconds,
      logRetention,
      memorySize: config.pollerMemoryMb,
      deadLetterQueue: this.deadLetters.queue,
      handOverAfterPolls: config.handOverAfterPolls,
      maxPublishAttempts: config.maxPublishAttempts,
      serviceName,
    });
    this.sessions = new SessionStateMachine(this, 'Sessions', {
      stateMachineName: `cxone-agent-sessions-${config.tenant}`,
      poller: this.poller.function,
      pollerTimeout: this.poller.timeout,
      logRetention,
    });

    new CfnOutput(this, StackOutput.StateMachineArn, { value: this.sessions.stateMachine.stateMachineArn });
    new CfnOutput(this, StackOutput.EventBusName, { value: this.bus.bus.eventBusName });
    new CfnOutput(this, StackOutput.CredentialsSecretName, { value: config.cxoneSecretName });
    new CfnOutput(this, StackOutput.DeadLetterQueueUrl, { value: this.deadLetters.queue.queueUrl });
    applyNagAcknowledgements(this);
  }
}

function toRetentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number');
  const match = allowed.find((value) => value === days);
  if (match === undefined) throw new Error(`logRetentionDays must be one of ${allowed.sort((a, b) => a - b).join(', ')}`);
  return match as logs.RetentionDays;
}
