import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CXONE_CREDENTIAL_VARIABLES, credentialsFromEnvironment } from '../../contract/cxone-credentials.js';
import { createCxoneAuth, createCxoneClient, deployedCxoneSource } from '../../lambdas/cxone/client-factory.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';

/** The one CXone client factory: the deployed wiring (Secrets Manager mocked) against the simulator over HTTP. */
const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cxone-eventbridge/acme';
const TOKEN_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SharedTokenSecret-AbCdEf';
let simulator: CxoneSimulator;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 5 });
});
afterAll(async () => simulator?.close());
beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify(simulator.credentials) });
  // The placeholder the stack creates before the refresher's first run.
  secrets.on(GetSecretValueCommand, { SecretId: TOKEN_SECRET_ARN }).resolves({ SecretString: 'placeholder' });
});

const deployed = () =>
  deployedCxoneSource(
    { CXONE_ISSUER_URL: simulator.issuerUrl, CXONE_SECRET_ID: SECRET_ARN, TOKEN_SECRET_ID: TOKEN_SECRET_ARN },
    new SecretsManagerClient({ region: 'eu-west-1' }),
  );

describe('CXone client factory', () => {
  it("takes a deployed function's token from the shared token secret, asking CXone for none", async () => {
    // Prepare: a token the refresher stored.
    const issued = await createCxoneAuth(simulator).access();
    secrets.on(GetSecretValueCommand, { SecretId: TOKEN_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ ...issued, issuedAt: Date.now() }) });
    const tokensBefore = simulator.stats().tokenRequests;
    // Act
    const state = await createCxoneClient(deployed()).getAgentState('2103457');
    // Assess
    expect(state?.agentId).toBe('2103457');
    expect(simulator.stats().tokenRequests).toBe(tokensBefore);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([TOKEN_SECRET_ARN]);
  });

  it("grants a deployed function's own token from the credentials secret while no shared token is stored", async () => {
    const tokensBefore = simulator.stats().tokenRequests;
    const access = await createCxoneAuth(deployed()).access();
    expect(access.apiEndpoint).toBe(simulator.issuerUrl);
    expect(simulator.stats().tokenRequests).toBe(tokensBefore + 1);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([TOKEN_SECRET_ARN, SECRET_ARN]);
  });

  it('asks CXone itself without a shared token, as the refresher must', async () => {
    const { issuerUrl, credentials } = deployed();
    const tokensBefore = simulator.stats().tokenRequests;
    await createCxoneAuth({ issuerUrl, credentials }).access();
    expect(simulator.stats().tokenRequests).toBe(tokensBefore + 1);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([SECRET_ARN]);
  });

  it('throws at construction for plain http to a host off this machine', () => {
    expect(() => createCxoneClient({ issuerUrl: 'http://cxone.example.com', credentials: simulator.credentials })).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', message: expect.stringMatching(/must use https/) }),
    );
  });
});

describe('credentialsFromEnvironment', () => {
  const all = { CXONE_CLIENT_ID: 'c', CXONE_CLIENT_SECRET: 's', CXONE_ACCESS_KEY_ID: 'k', CXONE_ACCESS_KEY_SECRET: 'v' };

  it('reads the four CXONE_* variables', () => {
    expect(credentialsFromEnvironment(all)).toEqual({ clientId: 'c', clientSecret: 's', accessKeyId: 'k', accessKeySecret: 'v' });
  });

  it.each(Object.values(CXONE_CREDENTIAL_VARIABLES))('gives none when %s is missing', (name) => {
    expect(credentialsFromEnvironment({ ...all, [name]: undefined })).toBeUndefined();
  });
});
