import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export interface AgentEventBusProps {
  /** Name of the custom bus. */
  eventBusName: string;
}

/** The custom event bus every CXone agent event is published to; subscribers add rules to it. */
export class AgentEventBus extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: AgentEventBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.eventBusName,
      description: 'NICE CXone agent-session events published by cxone-eventbridge',
    });
  }
}
