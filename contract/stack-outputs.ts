/**
 * Output names of the stack (infra writes them, the ops CLI reads them). In the contract so the CLI reads
 * them without loading the CDK or importing infra.
 */
export const StackOutput = {
  StateMachineArn: 'SessionStateMachineArn',
  EventBusName: 'EventBusName',
  CredentialsSecretName: 'CxoneCredentialsSecretName',
  DeadLetterQueueUrl: 'DeadLetterQueueUrl',
  EventBusArn: 'EventBusArn',
  ArchiveArn: 'ArchiveArn',
  SchemaRegistryName: 'SchemaRegistryName',
  DashboardName: 'DashboardName',
  SessionTableName: 'SessionTableName',
} as const;
