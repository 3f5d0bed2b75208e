import { AwsApiError, type AwsOperation } from '../aws/local-aws-server.js';
import { type ObservedStack, regionAndAccountOf } from './observed-twin.js';
import { stackTokenResolver } from './stack-tokens.js';

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function element(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;
}

/**
 * CloudFormation's DescribeStacks and DescribeStackResources (AWS Query protocol, XML answers) for
 * the one stack the twin deployed, from the synthesized template: outputs and physical ids resolved
 * to the twin's names. Another stack name gets CloudFormation's ValidationError.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html
 */
export function localCloudFormationOperations(stack: ObservedStack, stackName: string, createdAt = new Date()): Record<string, AwsOperation> {
  const resolve = stackTokenResolver(stack);
  const { region, account } = regionAndAccountOf(stack);
  const stackId = `arn:aws:cloudformation:${region}:${account}:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
  const check = (requested: unknown) => {
    if (requested !== undefined && requested !== stackName && requested !== stackId)
      throw new AwsApiError('ValidationError', `Stack with id ${String(requested)} does not exist`);
  };
  const outputs = Object.entries((stack.template as unknown as { Outputs?: Record<string, { Value: unknown; Description?: string }> }).Outputs ?? {});
  const requestId = () => element('RequestId', crypto.randomUUID());
  return {
    'Query.DescribeStacks': (request) => {
      check(request.StackName);
      const members = outputs
        .map(
          ([key, output]) =>
            `<member>${element('OutputKey', key)}${element('OutputValue', String(resolve(output.Value)))}${element('Description', output.Description)}</member>`,
        )
        .join('');
      return `<DescribeStacksResponse xmlns="${NS}"><DescribeStacksResult><Stacks><member>${element('StackName', stackName)}${element('StackId', stackId)}${element('CreationTime', createdAt.toISOString())}${element('StackStatus', 'CREATE_COMPLETE')}<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata>${requestId()}</ResponseMetadata></DescribeStacksResponse>`;
    },
    'Query.DescribeStackResources': (request) => {
      check(request.StackName);
      const members = Object.entries(stack.template.Resources)
        .filter(([, resource]) => !resource.Type.startsWith('AWS::CDK::'))
        .map(
          ([logicalId, resource]) =>
            `<member>${element('StackName', stackName)}${element('StackId', stackId)}${element('LogicalResourceId', logicalId)}${element('PhysicalResourceId', String(resolve({ Ref: logicalId })))}${element('ResourceType', resource.Type)}${element('Timestamp', createdAt.toISOString())}${element('ResourceStatus', 'CREATE_COMPLETE')}</member>`,
        )
        .join('');
      return `<DescribeStackResourcesResponse xmlns="${NS}"><DescribeStackResourcesResult><StackResources>${members}</StackResources></DescribeStackResourcesResult><ResponseMetadata>${requestId()}</ResponseMetadata></DescribeStackResourcesResponse>`;
    },
  };
}
