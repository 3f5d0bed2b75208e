import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TOKEN_REFRESH_SCHEDULE } from '../../contract/retry-policy.js';
import type { RefresherEnvironment } from '../../lambdas/token-refresher/environment.js';
import { BridgeFunction } from './bridge-function.js';

export interface SharedCxoneTokenProps {
  tenant: string;
  cxoneIssuerUrl: string;
  /** The tenant's CXone credentials; the refresher may only read this one. */
  credentials: secretsmanager.ISecret;
  logRetention: logs.RetentionDays;
  serviceName: string;
  /** How often the refresher checks the token. @default 5 minutes */
  checkEvery?: Duration;
}

/**
 * One CXone token per tenant instead of one per Lambda container: a secret holding the tenant's
 * current token, and a scheduled function that renews it well before it expires. Pollers read it
 * (and grant their own token only if it is missing or rejected), so token requests stay at a few
 * an hour whatever the number of agents.
 */
export class SharedCxoneToken extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly refresher: lambda.Function;

  constructor(scope: Construct, id: string, props: SharedCxoneTokenProps) {
    super(scope, id);
    // Created with a random placeholder; the first refresh writes the token.
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `Current CXone access token of tenant ${props.tenant}, rewritten by the token refresher`,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'This secret holds a short-lived CXone access token that the token refresher rewrites on its own schedule; a Secrets Manager rotation would fight it.',
    });
    const environment: RefresherEnvironment = {
      CXONE_ISSUER_URL: props.cxoneIssuerUrl,
      CXONE_SECRET_ID: props.credentials.secretArn,
      TOKEN_SECRET_ID: this.secret.secretArn,
    };
    this.refresher = new BridgeFunction(this, 'Refresher', {
      entry: 'token-refresher/handler.ts',
      description: `Keeps the shared CXone token of tenant ${props.tenant} fresh`,
      timeout: Duration.seconds(60),
      environment: { ...environment },
      logRetention: props.logRetention,
      serviceName: props.serviceName,
      invokedBy: 'schedule',
    }).function;
    props.credentials.grantRead(this.refresher);
    this.secret.grantRead(this.refresher);
    this.secret.grantWrite(this.refresher);
    const schedule = new events.Rule(this, 'Schedule', {
      description: 'Checks the shared CXone token; renews it when less than 20 minutes are left',
      schedule: events.Schedule.rate(props.checkEvery ?? Duration.minutes(TOKEN_REFRESH_SCHEDULE.everyMinutes)),
      targets: [
        new targets.LambdaFunction(this.refresher, {
          retryAttempts: TOKEN_REFRESH_SCHEDULE.retryAttempts,
          maxEventAge: Duration.minutes(TOKEN_REFRESH_SCHEDULE.maxEventAgeMinutes),
        }),
      ],
    });
    Validations.of(schedule).acknowledge({
      id: 'Serverless::Serverless-EventBusDLQ',
      reason:
        'A schedule tick carries no data: a missed one is replaced by the next five minutes later, so a dead-letter queue would hold nothing worth redriving.',
    });
  }
}
