import { z } from 'zod';
import { type CxoneCredentials, CxoneCredentialsSchema } from '../../contract/cxone-credentials.js';
import { CxoneAuthFailedError, CxoneContractViolationError, CxoneUnavailableError } from '../../contract/errors.js';
import { SHARED_TOKEN_USE } from '../../contract/retry-policy.js';
import { fetchWithDeadline, parseCxoneUrl, readBodyOrUnavailable } from './http.js';
import type { SharedTokenStore } from './shared-token.js';

/** A usable token and where the tenant's API lives. */
export interface CxoneAccess {
  accessToken: string;
  /** `api_endpoint` from tenant discovery, e.g. https://api-na1.niceincontact.com */
  apiEndpoint: string;
  tenantId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface CxoneAuthOptions {
  /** OIDC issuer, e.g. https://cxone.niceincontact.com */
  issuerUrl: string;
  /** Called only when a token is needed; the secret never leaves this module. */
  loadCredentials: () => Promise<CxoneCredentials>;
  /** Deadline for each auth/discovery HTTP call. @default 10000 */
  requestTimeoutMs?: number;
  /** The tenant's shared token, used first; the own grant is only the fallback. */
  sharedToken?: Pick<SharedTokenStore, 'load'>;
  now?: () => number;
}

const OpenIdConfigurationSchema = z.object({ token_endpoint: z.string().min(1) });
const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  refresh_token: z.string().optional(),
  id_token: z.string().optional(),
});
const TenantConfigurationSchema = z.object({ api_endpoint: z.string().min(1) });

interface CachedToken {
  accessToken: string;
  refreshToken?: string;
  tenantId: string;
  expiresAt: number;
  /** When to renew: 10 % of the lifetime or 60 s before expiry, whichever is larger. */
  renewAt: number;
}

/**
 * CXone OAuth for a back-end app: OIDC discovery, password grant with an access key, tenant API
 * discovery from the id_token's `tenantId`. With a shared token store it uses the tenant's shared
 * token and grants its own only when that is missing, stale or rejected. An own token is cached (per
 * Lambda container) and renewed before it expires, by refresh grant first and password grant as the
 * fallback.
 */
export class CxoneAuth {
  private readonly issuer: URL;
  private readonly requestTimeoutMs: number;
  private readonly now: () => number;
  private tokenEndpoint?: URL;
  private token?: CachedToken;
  private apiEndpoint?: string;
  private pending?: Promise<CxoneAccess>;
  private shared?: CxoneAccess;
  private sharedCheckedAt = Number.NEGATIVE_INFINITY;
  /** A token CXone answered 401 to: never taken from the shared store again. */
  private rejectedToken?: string;

  constructor(private readonly options: CxoneAuthOptions) {
    this.issuer = parseCxoneUrl(options.issuerUrl, 'CXone issuer URL');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** A valid token and API endpoint: the tenant's shared token when there is one, else our own. */
  async access(): Promise<CxoneAccess> {
    const shared = await this.sharedAccess();
    if (shared) return shared;
    const token = this.token;
    if (token && this.apiEndpoint && this.now() < token.renewAt) {
      return { accessToken: token.accessToken, apiEndpoint: this.apiEndpoint, tenantId: token.tenantId, expiresAt: token.expiresAt };
    }
    // One renewal at a time even when several callers share this instance.
    this.pending ??= this.renew().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forget the token after CXone answered 401 with it. */
  invalidate(): void {
    this.rejectedToken = this.shared?.accessToken ?? this.token?.accessToken;
    this.shared = undefined;
    this.token = undefined;
  }

  /** The shared token while it is fresh; read from the store only when needed. */
  private async sharedAccess(): Promise<CxoneAccess | undefined> {
    if (!this.options.sharedToken) return undefined;
    const usable = (access: CxoneAccess | undefined) =>
      access && access.accessToken !== this.rejectedToken && access.expiresAt - this.now() > SHARED_TOKEN_USE.minRemainingMs ? access : undefined;
    if (usable(this.shared)) return this.shared;
    if (this.now() - this.sharedCheckedAt < SHARED_TOKEN_USE.recheckMs) return undefined;
    this.sharedCheckedAt = this.now();
    const stored = await this.options.sharedToken.load().catch(() => undefined);
    this.shared = usable(
      stored && { accessToken: stored.accessToken, apiEndpoint: stored.apiEndpoint, tenantId: stored.tenantId, expiresAt: stored.expiresAt },
    );
    return this.shared;
  }

  private async renew(): Promise<CxoneAccess> {
    const tokenEndpoint = await this.discoverTokenEndpoint();
    const previous = this.token;
    let token: CachedToken | undefined;
    if (previous?.refreshToken && this.now() < previous.expiresAt) {
      token = await this.requestToken(tokenEndpoint, { grant_type: 'refresh_token', refresh_token: previous.refreshToken }).catch(
        () => undefined, // an expired or revoked refresh token: fall back to the password grant
      );
    }
    token ??= await this.passwordGrant(tokenEndpoint);
    this.token = token;
    this.apiEndpoint ??= await this.discoverApiEndpoint(token.tenantId);
    return { accessToken: token.accessToken, apiEndpoint: this.apiEndpoint, tenantId: token.tenantId, expiresAt: token.expiresAt };
  }

  private async passwordGrant(tokenEndpoint: URL): Promise<CachedToken> {
    const credentials = CxoneCredentialsSchema.parse(await this.options.loadCredentials());
    return this.requestToken(tokenEndpoint, { grant_type: 'password', username: credentials.accessKeyId, password: credentials.accessKeySecret }, credentials);
  }

  private async requestToken(tokenEndpoint: URL, form: Record<string, string>, client?: CxoneCredentials): Promise<CachedToken> {
    const credentials = client ?? CxoneCredentialsSchema.parse(await this.options.loadCredentials());
    const basic = Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString('base64');
    const response = await fetchWithDeadline(
      tokenEndpoint,
      {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
      },
      this.requestTimeoutMs,
      'CXone token request',
    );
    if (response.status === 429 || response.status >= 500) {
      throw new CxoneUnavailableError(`CXone token request answered HTTP ${response.status}`);
    }
    const body = await readJson(response, 'CXone token response');
    if (!response.ok) {
      // The OAuth error code is safe to show; the request carried the secrets, the answer does not.
      const code = typeof body === 'object' && body && 'error' in body ? String(body.error) : 'no error code';
      throw new CxoneAuthFailedError(`CXone refused the ${form.grant_type} grant: HTTP ${response.status} (${code})`);
    }
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new CxoneContractViolationError('CXone token response has an unexpected shape');
    const issuedAt = this.now();
    const lifetimeMs = parsed.data.expires_in * 1000;
    const previousTenant = this.token?.tenantId;
    const tenantId = tenantIdFromIdToken(parsed.data.id_token) ?? previousTenant;
    if (!tenantId) throw new CxoneContractViolationError('CXone token response has no id_token with a tenantId claim');
    return {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token ?? this.token?.refreshToken,
      tenantId,
      expiresAt: issuedAt + lifetimeMs,
      renewAt: issuedAt + lifetimeMs - Math.max(60_000, lifetimeMs * 0.1),
    };
  }

  private async discoverTokenEndpoint(): Promise<URL> {
    if (this.tokenEndpoint) return this.tokenEndpoint;
    const url = new URL('.well-known/openid-configuration', withTrailingSlash(this.issuer));
    const body = await this.getJson(url, 'CXone OIDC discovery');
    const parsed = OpenIdConfigurationSchema.safeParse(body);
    if (!parsed.success) throw new CxoneContractViolationError('CXone OIDC discovery has no token_endpoint');
    this.tokenEndpoint = parseCxoneUrl(parsed.data.token_endpoint, 'CXone token_endpoint');
    return this.tokenEndpoint;
  }

  private async discoverApiEndpoint(tenantId: string): Promise<string> {
    const url = new URL('.well-known/cxone-configuration', withTrailingSlash(this.issuer));
    url.searchParams.set('tenantId', tenantId);
    const parsed = TenantConfigurationSchema.safeParse(await this.getJson(url, 'CXone tenant discovery'));
    if (!parsed.success) throw new CxoneContractViolationError('CXone tenant discovery has no api_endpoint');
    return parseCxoneUrl(parsed.data.api_endpoint, 'CXone api_endpoint').toString().replace(/\/$/, '');
  }

  private async getJson(url: URL, what: string): Promise<unknown> {
    const response = await fetchWithDeadline(url, { headers: { accept: 'application/json' } }, this.requestTimeoutMs, what);
    if (!response.ok) {
      const error = response.status === 429 || response.status >= 500 ? CxoneUnavailableError : CxoneContractViolationError;
      throw new error(`${what} answered HTTP ${response.status}`);
    }
    return readJson(response, what);
  }
}

async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await readBodyOrUnavailable(() => response.text(), what);
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CxoneContractViolationError(`${what} is not JSON`, { cause });
  }
}

function withTrailingSlash(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.href}/`);
}

/** Reads the `tenantId` claim of a JWT without verifying it: it only selects the API endpoint. */
export function tenantIdFromIdToken(idToken: string | undefined): string | undefined {
  const payload = idToken?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const tenantId = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>).tenantId : undefined;
    return typeof tenantId === 'string' && tenantId !== '' ? tenantId : undefined;
  } catch {
    return undefined;
  }
}
