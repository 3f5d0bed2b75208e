import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { StackOutput } from '../contract/stack-outputs.js';
import type { BridgeConfig } from './config.js';
import { AgentDiscovery } from './constructs/agent-discovery.js';
import { AgentEventBus } from './constructs/agent-event-bus.js';
import { CxoneAccess } from './constructs/cxone-access.js';
import { DeadLetterStore } from './constructs/dead-letter-store.js';
import { EventSchemaRegistry } from './constructs/event-schema-registry.js';
import { LargeEventStore } from './constructs/large-event-store.js';
import { Observability } from './constructs/observability.js';
import { ParkedEventRedrive } from './constructs/parked-event-redrive.js';
import { EventRoutes } from './constructs/routes.js';
import { SessionPoller } from './constructs/session-poller.js';
import { SessionStateMachine } from './constructs/session-state-machine.js';
import { SessionStore } from './constructs/session-store.js';

export interface CxoneEventBridgeStackProps extends StackProps {
  /** The tenant's configuration, parsed by infra/config.ts. */
  readonly config: BridgeConfig;
}

export { StackOutput } from '../contract/stack-outputs.js';

/** One tenant's bridge: the bus, the poller, the per-session state machine. */
export class CxoneEventBridgeStack extends Stack {
  readonly bus: AgentEventBus;
  readonly poller: SessionPoller;
  readonly sessionStateMachine: SessionStateMachine;
  readonly deadLetters: DeadLetterStore;
  readonly sessionStore: SessionStore;
  readonly largeEvents: LargeEventStore;
  readonly redrive: ParkedEventRedrive;
  readonly cxoneAccess: CxoneAccess;
  /** Only when `discoveryEnabled`. */
  readonly discovery?: AgentDiscovery;
  readonly eventRoutes: EventRoutes;
  readonly schemaRegistry: EventSchemaRegistry;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: CxoneEventBridgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = toRetentionDays(config.logRetentionDays);

    const serviceName = 'cxone-eventbridge';
    const sessionStateMachineName = `cxone-agent-sessions-${config.tenant}`;
    // Construct ids are kept from earlier versions, whatever the property is called now: stateful
    // resources take their logical ids from them (test/infra/stateful-ids.test.ts).
    this.bus = new AgentEventBus(this, 'AgentEvents', {
      eventBusName: config.eventBusName,
      eventSource: config.eventSource,
      archiveRetentionDays: config.archiveRetentionDays,
    });
    this.deadLetters = new DeadLetterStore(this, 'DeadLetters', { serviceName });
    this.largeEvents = new LargeEventStore(this, 'LargeEvents', { claimCheckRetentionDays: config.claimCheckRetentionDays });
    this.cxoneAccess = new CxoneAccess(this, 'SharedToken', {
      tenant: config.tenant,
      cxoneIssuerUrl: config.cxoneIssuerUrl,
      credentialsSecretName: config.cxoneSecretName,
      logRetention,
      serviceName,
    });
    this.sessionStore = new SessionStore(this, 'SessionStore');
    this.poller = new SessionPoller(this, 'SessionPoller', {
      tenant: config.tenant,
      cxone: this.cxoneAccess,
      eventBus: this.bus.eventBus,
      eventSource: config.eventSource,
      pollTimeoutSeconds: config.pollTimeoutSeconds,
      logRetention,
      memorySize: config.pollerMemoryMb,
      systemLogLevel: lambda.SystemLogLevel[config.pollerSystemLogLevel],
      largeEvents: this.largeEvents,
      handOverAfterPolls: config.handOverAfterPolls,
      sessionStore: this.sessionStore,
      serviceName,
    });
    this.redrive = new ParkedEventRedrive(this, 'ParkedEventRedrive', {
      tenant: config.tenant,
      largeEvents: this.largeEvents,
      eventBus: this.bus.eventBus,
      eventSource: config.eventSource,
      every: Duration.minutes(config.redriveEveryMinutes),
      logRetention,
      serviceName,
    });
    this.sessionStateMachine = new SessionStateMachine(this, 'Sessions', {
      stateMachineName: sessionStateMachineName,
      poller: this.poller.function,
      pollerTimeout: this.poller.timeout,
      logRetention,
      loopShape: config.loopShape,
    });
    if (config.discoveryEnabled) {
      this.discovery = new AgentDiscovery(this, 'Discovery', {
        tenant: config.tenant,
        cxone: this.cxoneAccess,
        sessionStateMachine: this.sessionStateMachine.stateMachine,
        sessionStateMachineName,
        every: Duration.minutes(config.discoveryEveryMinutes),
        reconcileEvery: Duration.minutes(config.discoveryReconcileMinutes),
        eventBus: this.bus.eventBus,
        eventSource: config.eventSource,
        includeAgentIds: config.includeAgentIds,
        excludeAgentIds: config.excludeAgentIds,
        includeTeamIds: config.includeTeamIds,
        excludeTeamIds: config.excludeTeamIds,
        logRetention,
        serviceName,
      });
    }

    this.eventRoutes = new EventRoutes(this, 'Routes', {
      eventBus: this.bus.eventBus,
      tenant: config.tenant,
      eventSource: config.eventSource,
      routes: config.routes,
    });
    this.schemaRegistry = new EventSchemaRegistry(this, 'Schemas', { registryName: `cxone-eventbridge-${config.tenant}`, eventSource: config.eventSource });
    this.observability = new Observability(this, 'Observability', {
      dashboardName: `cxone-eventbridge-${config.tenant}`,
      serviceName,
      sessionStateMachine: this.sessionStateMachine.stateMachine,
      poller: this.poller.function,
      functions: {
        Poller: this.poller.function,
        TokenRefresher: this.cxoneAccess.refresher,
        Redrive: this.redrive.function,
        ...(this.discovery ? { Discovery: this.discovery.function } : {}),
      },
      deadLetters: this.deadLetters,
      routes: this.eventRoutes.routes,
      eventBusName: config.eventBusName,
      lambdaConcurrencyLimit: config.lambdaConcurrencyLimit,
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, StackOutput.StateMachineArn, { value: this.sessionStateMachine.stateMachine.stateMachineArn });
    new CfnOutput(this, StackOutput.EventBusName, { value: this.bus.eventBus.eventBusName });
    new CfnOutput(this, StackOutput.CredentialsSecretName, { value: config.cxoneSecretName });
    new CfnOutput(this, StackOutput.LargeEventBucketName, { value: this.largeEvents.bucket.bucketName });
    new CfnOutput(this, StackOutput.EventSource, { value: config.eventSource });
    new CfnOutput(this, StackOutput.LegacyDeadLetterQueueUrl, { value: this.deadLetters.legacyQueue.queueUrl });
    new CfnOutput(this, StackOutput.EventBusArn, { value: this.bus.eventBus.eventBusArn });
    new CfnOutput(this, StackOutput.ArchiveArn, { value: this.bus.archive.archiveArn });
    new CfnOutput(this, StackOutput.SchemaRegistryName, { value: this.schemaRegistry.registry.attrRegistryName });
    new CfnOutput(this, StackOutput.SessionTableName, { value: this.sessionStore.table.tableName });
    new CfnOutput(this, StackOutput.DashboardName, { value: this.observability.dashboard.dashboardName });
  }
}

function toRetentionDays(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number');
  const match = allowed.find((value) => value === days);
  if (match === undefined) throw new Error(`logRetentionDays must be one of ${allowed.sort((a, b) => a - b).join(', ')}`);
  return match as logs.RetentionDays;
}
