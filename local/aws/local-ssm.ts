import { AwsApiError, type AwsOperation } from './local-aws-server.js';

const STANDARD_MAX_CHARACTERS = 4_096;

/** SSM Parameter Store's GetParameter and PutParameter over an in-memory map. */
export class LocalSsm {
  private readonly parameters = new Map<string, { value: string; version: number }>();

  put(name: string, value: string): void {
    this.parameters.set(name, { value, version: (this.parameters.get(name)?.version ?? 0) + 1 });
  }

  get(name: string): string | undefined {
    return this.parameters.get(name)?.value;
  }

  operations(): Record<string, AwsOperation> {
    return {
      'AmazonSSM.GetParameter': (request) => {
        const name = String(request.Name);
        const parameter = this.parameters.get(name);
        if (!parameter) throw new AwsApiError('ParameterNotFound', `Parameter ${name} not found.`);
        return { Parameter: { Name: name, Type: 'String', Value: parameter.value, Version: parameter.version, LastModifiedDate: Date.now() / 1000 } };
      },
      'AmazonSSM.PutParameter': (request) => {
        const name = String(request.Name);
        // Standard tier: at most 4,096 characters (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
        if (request.Tier !== 'Advanced' && String(request.Value).length > STANDARD_MAX_CHARACTERS) {
          throw new AwsApiError('ValidationException', `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX_CHARACTERS} characters.`);
        }
        if (this.parameters.has(name) && request.Overwrite !== true) throw new AwsApiError('ParameterAlreadyExists', 'The parameter already exists.');
        this.put(name, String(request.Value));
        return { Version: this.parameters.get(name)?.version, Tier: 'Standard' };
      },
    };
  }
}
