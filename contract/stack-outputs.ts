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
  /** The SQS queue earlier versions parked into: kept so its messages survive the upgrade. */
  LegacyDeadLetterQueueUrl: 'DeadLetterQueueUrl',
  EventBusArn: 'EventBusArn',
  ArchiveArn: 'ArchiveArn',
  SchemaRegistryName: 'SchemaRegistryName',
  DashboardName: 'DashboardName',
  SessionTableName: 'SessionTableName',
} as const;
