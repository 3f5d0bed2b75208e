import { ArnFormat, type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { LoopShape } from '../../contract/loop-signals.js';
import { buildSessionLoopDefinition } from '../session-loop-definition.js';
import { acknowledgeOnGrantPolicy, acknowledgeQualifiedInvoke } from './acknowledgements.js';

export interface SessionStateMachineProps {
  /** Name of the state machine; fixed so the loop may start its own next generation. */
  readonly stateMachineName: string;
  /** The function each poll invokes. */
  readonly poller: lambda.IFunction;
  /** The poller's timeout; the poll task's own timeout is derived from it. */
  readonly pollerTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
  /** The loop's shape (see buildSessionLoopDefinition). @default 'self' */
  readonly loopShape?: LoopShape;
}

/** One Standard execution per agent session, looping the poller until the session ends. */
export class SessionStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: SessionStateMachineProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      // Standard, not Express: a session lasts hours and Express stops at 5 minutes.
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildSessionLoopDefinition(this, { poller: props.poller, pollerTimeout: props.pollerTimeout, loopShape: props.loopShape }),
      ),
      comment: 'Long-polls one CXone agent session and publishes its events to EventBridge',
      tracingEnabled: true,
      logs: {
        destination: logGroup,
        // ERROR, not ALL: ALL would write two entries per poll for every agent around the clock.
        level: sfn.LogLevel.ERROR,
        // Execution data holds customer event payloads; keep it out of logs.
        includeExecutionData: false,
      },
    });
    // The hand-over starts the next generation of this same state machine. The ARN is built from
    // the fixed name: referencing the resource itself would be a circular dependency.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [
          Stack.of(this).formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: props.stateMachineName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    const role = this.stateMachine.role;
    acknowledgeQualifiedInvoke(role, props.poller);
    acknowledgeOnGrantPolicy(
      role,
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'CloudWatch Logs vended delivery (logs:*LogDelivery, DescribeLogGroups, PutResourcePolicy) and X-Ray tracing (xray:PutTraceSegments and friends) support no resource-level permissions.',
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SF1',
      reason:
        'Logs at ERROR without execution data: ALL would write two entries per poll for every agent around the clock and copy customer payloads into logs; execution history keeps the full trail.',
    });
  }
}
