import { type AwsOperation, AwsApiError } from './local-aws-server.js';

/** Secrets Manager's GetSecretValue over an in-memory map, looked up by name or by ARN. */
export class LocalSecretsManager {
  private readonly secrets = new Map<string, string>();

  constructor(private readonly region: string, private readonly account: string) {}

  /** Stores a secret; returns the partial ARN a CDK `fromSecretNameV2` reference resolves to. */
  put(name: string, value: string): string {
    this.secrets.set(name, value);
    return this.arnOf(name);
  }

  arnOf(name: string): string {
    return `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}`;
  }

  operations(): Record<string, AwsOperation> {
    return {
      'secretsmanager.GetSecretValue': (request) => {
        const id = String(request.SecretId ?? '');
        // A partial ARN (name without the random suffix) is valid, as on AWS.
        const name = id.startsWith('arn:') ? id.split(':secret:')[1] ?? '' : id;
        const value = this.secrets.get(name) ?? this.secrets.get(name.replace(/-[A-Za-z0-9]{6}$/, ''));
        if (value === undefined) throw new AwsApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return { ARN: this.arnOf(name), Name: name, SecretString: value, VersionId: 'local', VersionStages: ['AWSCURRENT'], CreatedDate: Date.now() / 1000 };
      },
    };
  }
}
