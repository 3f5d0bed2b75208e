import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TOKEN_REFRESH_SCHEDULE } from '../../contract/retry-policy.js';
import type { CxoneEnvironment } from '../../lambdas/cxone/environment.js';
import type { RefresherEnvironment } from '../../lambdas/token-refresher/environment.js';
import { BridgeFunction } from './bridge-function.js';

export interface CxoneAccessProps {
  /** Tenant label, in descriptions. */
  readonly tenant: string;
  /** CXone OIDC issuer the functions sign in at. */
  readonly cxoneIssuerUrl: string;
  /**
   * Name of the Secrets Manager secret holding the tenant's CXone credentials (clientId,
   * clientSecret, accessKeyId, accessKeySecret). Referenced, never created: its value must never
   * pass through the template.
   */
  readonly credentialsSecretName: string;
  /** Retention of the refresher's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Service name of the refresher's logs and metrics. */
  readonly serviceName: string;
  /** How often the refresher checks the token. @default 5 minutes (TOKEN_REFRESH_SCHEDULE in contract/retry-policy.ts) */
  readonly checkTokenEvery?: Duration;
}

/**
 * Everything a function needs to call CXone for one tenant: the tenant's credentials (referenced),
 * one shared access token instead of one per Lambda container (a secret holding the current token),
 * and the scheduled refresher that renews it well before it expires. Functions that call CXone take
 * `environment` into theirs and get `grantReadCredentials` and `grantReadToken`; they sign in
 * themselves only if the shared token is missing or rejected, so token requests stay at a few an
 * hour whatever the number of agents.
 */
export class CxoneAccess extends Construct {
  /** The tenant's CXone credentials; functions may only read them. */
  readonly credentials: secretsmanager.ISecret;
  /** The tenant's current access token: written by the refresher only, read by the functions that call CXone. */
  readonly tokenSecret: secretsmanager.Secret;
  /** The scheduled function that renews the shared token. */
  readonly refresher: lambda.Function;
  /** The CXone settings of a function's environment (lambdas/cxone/environment.ts): the issuer and both secrets. */
  readonly environment: CxoneEnvironment;

  constructor(scope: Construct, id: string, props: CxoneAccessProps) {
    super(scope, id);
    this.credentials = secretsmanager.Secret.fromSecretNameV2(this, 'Credentials', props.credentialsSecretName);
    // Created with a random placeholder; the first refresh writes the token.
    this.tokenSecret = new secretsmanager.Secret(this, 'Secret', {
      description: `Current CXone access token of tenant ${props.tenant}, rewritten by the token refresher`,
    });
    Validations.of(this.tokenSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'This secret holds a short-lived CXone access token that the token refresher rewrites on its own schedule; a Secrets Manager rotation would fight it.',
    });
    this.environment = {
      CXONE_ISSUER_URL: props.cxoneIssuerUrl,
      CXONE_SECRET_ID: this.credentials.secretArn,
      TOKEN_SECRET_ID: this.tokenSecret.secretArn,
    };
    const environment: RefresherEnvironment = this.environment;
    this.refresher = new BridgeFunction(this, 'Refresher', {
      entry: 'token-refresher/handler.ts',
      description: `Keeps the shared CXone token of tenant ${props.tenant} fresh`,
      timeout: Duration.seconds(60),
      environment,
      logRetention: props.logRetention,
      serviceName: props.serviceName,
      invokedBy: 'schedule',
    }).function;
    this.grantReadCredentials(this.refresher);
    this.grantReadToken(this.refresher);
    this.tokenSecret.grantWrite(this.refresher);
    const schedule = new events.Rule(this, 'Schedule', {
      description: 'Checks the shared CXone token; renews it when less than 20 minutes are left',
      schedule: events.Schedule.rate(props.checkTokenEvery ?? Duration.minutes(TOKEN_REFRESH_SCHEDULE.everyMinutes)),
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

  /** Lets `grantee` read the tenant's CXone credentials, and nothing else of Secrets Manager. */
  grantReadCredentials(grantee: iam.IGrantable): iam.Grant {
    return this.credentials.grantRead(grantee);
  }

  /** Lets `grantee` read the shared token (not write it: only the refresher does). */
  grantReadToken(grantee: iam.IGrantable): iam.Grant {
    return this.tokenSecret.grantRead(grantee);
  }
}
