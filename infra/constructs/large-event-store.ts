import { type CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PARKED_PREFIX } from '../../contract/dead-letter.js';
import { CLAIM_CHECK_PREFIX } from '../../contract/envelope.js';
import { acknowledgeOnGrantPolicy, logicalIdOf } from './acknowledgements.js';

export interface LargeEventStoreProps {
  /**
   * Days a claim-check object is kept; 0 keeps them for ever. Keep it at least as long as the bus
   * archive (`archiveRetentionDays`) so a replayed claim-check event still finds its object.
   * Parked items are never expired. @default 30
   */
  readonly claimCheckRetentionDays?: number;
}

/**
 * The bucket behind claim checks (`claim-checks/…`, events too large for EventBridge) and parked
 * items (`parked/…`, events not yet on the bus, kept whole until the redrive or an operator puts
 * them there). Private, encrypted (SSE-S3), TLS only, all public access blocked, retained when the
 * stack is deleted: it may hold the only copy of an event.
 *
 * Versioning is off: claim-check keys follow from the event id, so a rewrite stores the same bytes,
 * and a parked item is deleted only after EventBridge accepted it; versions would keep every
 * deleted parked payload (customer data) with nothing to read them, and would need a rule of their
 * own to go away.
 *
 * Consumers that resolve claim checks need s3:GetObject on `claim-checks/*`: `grantReadClaimChecks`
 * in this stack, or a bucket-policy statement for a role in another account (see the README).
 */
export class LargeEventStore extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LargeEventStoreProps = {}) {
    super(scope, id);
    const retentionDays = props.claimCheckRetentionDays ?? 30;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // Only claim checks expire; parked items stay until they are back on the bus.
        ...(retentionDays > 0 ? [{ id: 'ExpireClaimChecks', prefix: CLAIM_CHECK_PREFIX, expiration: Duration.days(retentionDays) }] : []),
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        "Only the bridge's own functions write here and every write is counted in metrics (EventsClaimChecked, EventsParked); enable CloudTrail data events for S3 where an audit trail of reads is required, instead of a second bucket of access logs per tenant.",
    });
  }

  /** PutObject on claim checks and parked items, and nothing else: what the poller needs. */
  grantWriteClaimChecksAndParking(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${CLAIM_CHECK_PREFIX}*`), this.bucket.arnForObjects(`${PARKED_PREFIX}*`)],
      }),
    );
    this.acknowledgeKeysPerEvent(grantee, CLAIM_CHECK_PREFIX, PARKED_PREFIX);
  }

  /** What the redrive needs: list, read and delete parked items, and write claim checks. */
  grantRedrive(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${PARKED_PREFIX}*`] } },
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [this.bucket.arnForObjects(`${PARKED_PREFIX}*`)] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${CLAIM_CHECK_PREFIX}*`)] }),
    );
    this.acknowledgeKeysPerEvent(grantee, CLAIM_CHECK_PREFIX, PARKED_PREFIX);
  }

  /** GetObject on claim checks: for a consumer in this stack that resolves them. */
  grantReadClaimChecks(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${CLAIM_CHECK_PREFIX}*`)] }),
    );
    this.acknowledgeKeysPerEvent(grantee, CLAIM_CHECK_PREFIX);
  }

  /** The grants above end in `<prefix>*`: cdk-nag flags the wildcard, which is as narrow as keys made per event allow. */
  private acknowledgeKeysPerEvent(grantee: iam.IGrantable, ...prefixes: string[]): void {
    const bucket = logicalIdOf(this.bucket.node.defaultChild as CfnResource);
    for (const prefix of prefixes) {
      acknowledgeOnGrantPolicy(
        grantee.grantPrincipal,
        `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucket}.Arn>/${prefix}*]`,
        `Object keys under ${prefix} are made per event (tenant, agent, event id or time); the key prefix is the narrowest resource, and the actions are only those the function uses.`,
      );
    }
  }
}
