import { type ObservedStack, regionAndAccountOf } from './observed-twin.js';

/**
 * Resolves the CloudFormation tokens of the template's dashboard body and alarms (Ref, Fn::GetAtt,
 * Fn::Join) to the physical names the twin's services report metrics under, the way CloudFormation
 * would: a function's Ref is its name, a queue's QueueName its name, a state machine's Ref its ARN.
 * A rule on a custom bus is the exception that matters: its Ref (physical id) is
 * `<bus name>|<rule name>`, not the rule name.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-rule.html
 */
export function stackTokenResolver(stack: ObservedStack): (value: unknown) => unknown {
  const resources = stack.template.Resources;
  const { region: LOCAL_REGION, account: LOCAL_ACCOUNT } = regionAndAccountOf(stack);
  const pseudo: Record<string, string> = {
    'AWS::Region': LOCAL_REGION,
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'local',
  };
  const ref = (logicalId: string): string => {
    if (logicalId in pseudo) return pseudo[logicalId] as string;
    const resource = resources[logicalId];
    const props = resource?.Properties ?? {};
    switch (resource?.Type) {
      case 'AWS::StepFunctions::StateMachine':
        return stack.stateMachine.arn;
      case 'AWS::SQS::Queue':
        return stack.queues.find((queue) => queue.logicalId === logicalId)?.url ?? logicalId;
      case 'AWS::Events::EventBus':
        return String(props.Name);
      case 'AWS::Events::Rule': {
        const name = String(props.Name ?? logicalId);
        const bus = props.EventBusName === undefined ? 'default' : String(resolve(props.EventBusName));
        return bus === 'default' ? name : `${bus}|${name}`;
      }
      case 'AWS::CloudWatch::Alarm':
        return String(props.AlarmName ?? logicalId);
      case 'AWS::CloudWatch::Dashboard':
        return String(props.DashboardName ?? logicalId);
      default:
        // Buckets, secrets and tables as the twin created them; functions, queues' names and the rest by logical id.
        return stack.physicalIds?.[logicalId] ?? logicalId;
    }
  };
  const getAtt = (logicalId: string, attribute: string): string => {
    const resource = resources[logicalId];
    if (attribute === 'QueueName') return logicalId;
    if (attribute === 'Arn') {
      switch (resource?.Type) {
        case 'AWS::CloudWatch::Alarm':
          return `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:alarm:${ref(logicalId)}`;
        case 'AWS::Lambda::Function':
          return stack.functions.find((fn) => fn.logicalId === logicalId)?.arn ?? logicalId;
        case 'AWS::SQS::Queue':
          return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
        default:
          return `arn:aws:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
      }
    }
    return ref(logicalId);
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return ref(String(object.Ref));
    if ('Fn::GetAtt' in object) {
      const [logicalId, attribute] = object['Fn::GetAtt'] as [string, string];
      return getAtt(logicalId, attribute);
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
  };
  return resolve;
}

/** The twin's name for a function: its logical id (its ARN ends with it). */
export function functionNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** The twin's name for a queue: the last segment of its URL. */
export function queueNameOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}
