/**
 * Output names of the stack (infra writes them; `npm run ops -- <command> --stack NAME` reads
 * them). In the contract so the CLIs read them without loading the CDK or importing infra.
 */
export const StackOutput = {
  StateMachineArn: 'SessionStateMachineArn',
  EventBusName: 'EventBusName',
  CredentialsSecretName: 'CxoneCredentialsSecretName',
  /** Bucket of claim checks and parked items, read by `npm run ops -- parked|redrive`. */
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
