import { AwsApiError, type AwsOperation } from './local-aws-server.js';

/** Secrets Manager's GetSecretValue over an in-memory map, looked up by name or by ARN. */
export class LocalSecretsManager {
  private readonly secrets = new Map<string, string>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  /** Stores a secret; returns the partial ARN a CDK `fromSecretNameV2` reference resolves to. */
  put(name: string, value: string): string {
    this.secrets.set(name, value);
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
        return { ARN: this.arnOf(name), Name: name, VersionId: crypto.randomUUID(), VersionStages: ['AWSCURRENT'] };
      },
    };
  }
}
