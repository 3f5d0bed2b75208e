/**
 * Output names of the stack, read by the session and ops CLIs. A module of its own so the CLIs read
 * them without loading the CDK.
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
