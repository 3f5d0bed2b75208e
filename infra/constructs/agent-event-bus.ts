import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface AgentEventBusProps {
  /** Name of the custom bus. */
  readonly eventBusName: string;
  /** `source` of our events: the archive keeps these. @default cxone.agent-events */
  readonly eventSource?: string;
  /** Days the archive keeps events for replay; 0 keeps them indefinitely. @default 30 */
  readonly archiveRetentionDays?: number;
}

/**
 * The custom event bus every CXone agent event is published to, and an archive of those events
 * from which any time window can be replayed to the bus (to all rules or chosen ones).
 */
export class AgentEventBus extends Construct {
  readonly eventBus: events.EventBus;
  readonly archive: events.Archive;

  constructor(scope: Construct, id: string, props: AgentEventBusProps) {
    super(scope, id);
    this.eventBus = new events.EventBus(this, 'Bus', {
      eventBusName: props.eventBusName,
      description: 'NICE CXone agent-session events published by cxone-eventbridge',
    });
    const days = props.archiveRetentionDays ?? 30;
    this.archive = this.eventBus.archive('Archive', {
      archiveName: `${props.eventBusName}-archive`.slice(0, 48),
      description: 'Every CXone agent event published to the bus, for replay',
      eventPattern: { source: [props.eventSource ?? 'cxone.agent-events'] },
      // Zero means indefinitely, as in EventBridge.
      retention: Duration.days(days),
    });
  }
}
