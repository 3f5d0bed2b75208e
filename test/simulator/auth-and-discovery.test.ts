import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { api, basicAuth, getToken, poll, tokenRequest } from './sim-client.js';

describe('discovery and tokens', () => {
  let sim: CxoneSimulator;

  beforeAll(async () => {
    sim = await startCxoneSimulator({ tokenTtlSeconds: 1, tenantId: 'tenant-under-test' });
  });
  afterAll(async () => {
    await sim.close();
  });

  const passwordForm = () => ({
    grant_type: 'password',
    username: sim.credentials.accessKeyId,
    password: sim.credentials.accessKeySecret,
  });

  it('serves the OIDC discovery document with the token endpoint', async () => {
    const res = await fetch(`${sim.issuerUrl}/.well-known/openid-configuration`);
    const body = await res.json();

    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      issuer: sim.issuerUrl,
      token_endpoint: sim.tokenEndpoint,
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
    });
    expect(body).toHaveProperty('jwks_uri');
    expect(body).toHaveProperty('authorization_endpoint');
  });

  it('discovers the api_endpoint for the tenant', async () => {
    const res = await fetch(`${sim.issuerUrl}/.well-known/cxone-configuration?tenantId=tenant-under-test`);
    const body = await res.json();

    expect(res.status).toBe(200);
    expect(body).toMatchObject({ api_endpoint: sim.apiEndpoint, tenantId: 'tenant-under-test', auth_endpoint: sim.issuerUrl });
    for (const key of ['private', 'ui_endpoint', 'area', 'cluster', 'domain', 'acdDomain', 'uhDomain', 'globaldomain']) {
      expect(body).toHaveProperty(key);
    }
  });

  it('answers 404 to tenant discovery for another tenant', async () => {
    expect((await fetch(`${sim.issuerUrl}/.well-known/cxone-configuration?tenantId=other`)).status).toBe(404);
  });

  it('issues a Bearer token and an id_token carrying the tenantId claim', async () => {
    const { credentials: c } = sim;
    const res = await tokenRequest(sim, passwordForm(), basicAuth(c.clientId, c.clientSecret));

    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 1 });
    expect(typeof res.json.access_token).toBe('string');
    expect(typeof res.json.refresh_token).toBe('string');
    const payload = JSON.parse(Buffer.from(res.json.id_token.split('.')[1], 'base64url').toString('utf8'));
    expect(payload.tenantId).toBe('tenant-under-test');
  });

  it('accepts client_id and client_secret in the body instead of Basic auth', async () => {
    const res = await tokenRequest(sim, {
      ...passwordForm(),
      client_id: sim.credentials.clientId,
      client_secret: sim.credentials.clientSecret,
    });
    expect(res.status).toBe(200);
  });

  it('rejects a wrong client secret with 401 invalid_client', async () => {
    const res = await tokenRequest(sim, passwordForm(), basicAuth(sim.credentials.clientId, 'wrong'));
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_client');
  });

  it('rejects a wrong access key with 400 invalid_grant', async () => {
    const { credentials: c } = sim;
    const res = await tokenRequest(sim, { ...passwordForm(), password: 'wrong' }, basicAuth(c.clientId, c.clientSecret));
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_grant');
  });

  it('answers 401 once the token expired, and a refreshed token works again', async () => {
    const { credentials: c } = sim;
    const issued = await tokenRequest(sim, passwordForm(), basicAuth(c.clientId, c.clientSecret));
    const login = sim.loginAgent(sim.agentIds[0] ?? '');
    const fresh = await poll(sim, issued.json.access_token, login.apiSessionId, 0);
    expect(fresh.status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const expired = await poll(sim, issued.json.access_token, fresh.json.sessionId, 0);
    const refreshed = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token }, basicAuth(c.clientId, c.clientSecret));
    const again = await poll(sim, refreshed.json.access_token, fresh.json.sessionId, 0);

    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('Bearer');
    expect(refreshed.status).toBe(200);
    // The 401 consumed nothing: the same sessionId is still current.
    expect(again.status).toBe(304);
    sim.logoutAgent(sim.agentIds[0] ?? '');
  });

  it('spends a refresh token on use', async () => {
    const { credentials: c } = sim;
    const issued = await tokenRequest(sim, passwordForm(), basicAuth(c.clientId, c.clientSecret));
    const form = { grant_type: 'refresh_token', refresh_token: issued.json.refresh_token };
    expect((await tokenRequest(sim, form, basicAuth(c.clientId, c.clientSecret))).status).toBe(200);
    expect((await tokenRequest(sim, form, basicAuth(c.clientId, c.clientSecret))).status).toBe(400);
  });

  it('answers 401 to API calls after expireTokens()', async () => {
    const token = await getToken(sim);
    sim.expireTokens();
    const res = await api(sim, token, 'GET', '/agents/states');
    expect(res.status).toBe(401);
  });

  it('counts every token request', async () => {
    const before = sim.stats().tokenRequests;
    await getToken(sim);
    await tokenRequest(sim, passwordForm(), basicAuth('nobody', 'nothing'));
    expect(sim.stats().tokenRequests).toBe(before + 2);
  });
});
