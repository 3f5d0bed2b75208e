import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/local-dynamodb.js';

/** dynalite with one table shaped as the stack's checkpoint table (pk/sk strings, on demand). */
export function startCheckpointTable(name: string): Promise<LocalDynamoDb> {
  return startLocalDynamoDb([
    {
      name,
      keySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      attributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      billingMode: 'PAY_PER_REQUEST',
    },
  ]);
}
