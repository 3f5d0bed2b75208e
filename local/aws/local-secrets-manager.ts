import { AwsApiError, type AwsOperation } from './local-aws-server.js';

/** Secrets Manager's GetSecretValue, PutSecretValue and DescribeSecret over an in-memory map, looked up by name or by ARN. */
export class LocalSecretsManager {
  private readonly secrets = new Map<string, string>();
  /** When each secret's value last changed (DescribeSecret's LastChangedDate). */
  private readonly changedAt = new Map<string, Date>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  /** Stores a secret; returns the partial ARN a CDK `fromSecretNameV2` reference resolves to. */
  put(name: string, value: string): string {
    this.secrets.set(name, value);
    this.changedAt.set(name, new Date());
    return this.arnOf(name);
  }

  arnOf(name: string): string {
    return `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}`;
  }

  /** The stored name a SecretId (name, partial ARN or full ARN with its 6-character suffix) refers to. */
  private nameOf(secretId: unknown): string {
    const id = String(secretId ?? '');
    const name = id.startsWith('arn:') ? (id.split(':secret:')[1] ?? '') : id;
    if (this.secrets.has(name)) return name;
    const withoutSuffix = name.replace(/-[A-Za-z0-9]{6}$/, '');
    if (this.secrets.has(withoutSuffix)) return withoutSuffix;
    throw new AwsApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }

  operations(): Record<string, AwsOperation> {
    return {
      'secretsmanager.GetSecretValue': (request) => {
        const name = this.nameOf(request.SecretId);
        return {
          ARN: this.arnOf(name),
          Name: name,
          SecretString: this.secrets.get(name),
          VersionId: 'local',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: Date.now() / 1000,
        };
      },
      'secretsmanager.PutSecretValue': (request) => {
        const name = this.nameOf(request.SecretId);
        this.secrets.set(name, String(request.SecretString ?? ''));
        this.changedAt.set(name, new Date());
        return { ARN: this.arnOf(name), Name: name, VersionId: crypto.randomUUID(), VersionStages: ['AWSCURRENT'] };
      },
      // The secret's metadata, never its value: LastChangedDate is when its value was last written.
      // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
      'secretsmanager.DescribeSecret': (request) => {
        const name = this.nameOf(request.SecretId);
        const changed = (this.changedAt.get(name) ?? new Date()).getTime() / 1000;
        return { ARN: this.arnOf(name), Name: name, LastChangedDate: changed };
      },
    };
  }
}
