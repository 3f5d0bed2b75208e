import { type AwsOperation, AwsApiError } from './local-aws-server.js';

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
        if (this.parameters.has(name) && request.Overwrite !== true) throw new AwsApiError('ParameterAlreadyExists', 'The parameter already exists.');
        this.put(name, String(request.Value));
        return { Version: this.parameters.get(name)?.version, Tier: 'Standard' };
      },
    };
  }
}
