/**
 * Output names of the stack, read by the CLIs (`npm run parked -- --stack NAME`). In the contract
 * so a CLI knows them without loading the CDK.
 */
export const StackOutput = {
  StateMachineArn: 'SessionStateMachineArn',
  EventBusName: 'EventBusName',
  CredentialsSecretName: 'CxoneCredentialsSecretName',
  /** Bucket of claim checks and parked items, read by `npm run parked`. */
  LargeEventBucketName: 'LargeEventBucketName',
  EventSource: 'EventSource',
  EventBusArn: 'EventBusArn',
  ArchiveArn: 'ArchiveArn',
  SchemaRegistryName: 'SchemaRegistryName',
  DashboardName: 'DashboardName',
  SessionTableName: 'SessionTableName',
} as const;
