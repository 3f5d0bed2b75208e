import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The DynamoDB item actions the poller's checkpoint store calls (lambdas/poll-session/dynamodb-checkpoint-store.ts),
 * one per API operation, and no others: BatchWriteItem's puts and deletes need `dynamodb:BatchWriteItem` alone
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
 */
export const CHECKPOINT_STORE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'] as const;

/**
 * The per-session checkpoint store: one on-demand table keyed by session (`pk`) and item (`sk`:
 * HEAD, or EVENT#<sequence> for events not yet on the bus). Point-in-time recovery on, encrypted
 * with an AWS-managed key, and kept when the stack is deleted: unpublished events live here.
 */
export class SessionStore extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets the poller use the item actions the checkpoint store needs, on this table only. */
  grantCheckpointAccess(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, ...CHECKPOINT_STORE_ACTIONS);
  }
}
