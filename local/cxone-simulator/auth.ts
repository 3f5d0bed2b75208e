import { createHmac, randomBytes } from 'node:crypto';
import type { SimulatorCredentials } from './options.js';

/** Settings of the token issuer. */
export interface TokenIssuerProps {
  readonly credentials: SimulatorCredentials;
  readonly tokenTtlSeconds: number;
  readonly tenantId: string;
  /** The API user's own agent id (`sub` of the id_token; the default agent of a session). */
  readonly userAgentId: string;
  /** Read lazily: the issuer URL is known only once the server listens. */
  readonly issuerUrl: () => string;
}

/** An HTTP answer of the token endpoint. */
export interface TokenEndpointResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

/** Outcome of checking a Bearer token. */
export type BearerCheck = 'ok' | 'missing' | 'unknown' | 'expired';

/** Counters of the token endpoint. */
export interface TokenStats {
  /** Every POST to the token endpoint. */
  requests: number;
  issued: number;
  refreshed: number;
  rejected: number;
}

/**
 * The OAuth2 side of CXone ("API Authentication and Authorization" page): password grant with Basic client auth (or client_id and
 * client_secret in the body), refresh_token grant, expiring opaque access tokens and an HS256 id_token
 * carrying the `tenantId` claim.
 */
export class TokenIssuer {
  readonly stats: TokenStats = { requests: 0, issued: 0, refreshed: 0, rejected: 0 };
  private readonly accessTokens = new Map<string, number>();
  private readonly refreshTokens = new Map<string, number>();

  constructor(private readonly props: TokenIssuerProps) {}

  /** Handles `POST {token_endpoint}` given the Authorization header and the form body. */
  handleTokenRequest(authorization: string | undefined, form: URLSearchParams): TokenEndpointResult {
    this.stats.requests++;
    const { credentials } = this.props;
    const client = readClient(authorization, form);
    if (!client || client.id !== credentials.clientId || client.secret !== credentials.clientSecret) {
      return this.reject(401, 'invalid_client', 'Client authentication failed', { 'WWW-Authenticate': 'Basic realm="cxone"' });
    }
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      if (form.get('username') !== credentials.accessKeyId || form.get('password') !== credentials.accessKeySecret) {
        return this.reject(400, 'invalid_grant', 'Invalid access key');
      }
      this.stats.issued++;
      return { status: 200, body: this.issue() };
    }
    if (grantType === 'refresh_token') {
      const token = form.get('refresh_token') ?? '';
      const expiresAt = this.refreshTokens.get(token);
      if (expiresAt === undefined || expiresAt <= Date.now()) {
        return this.reject(400, 'invalid_grant', 'Refresh token is invalid or expired');
      }
      // Refresh tokens rotate: the used one is spent.
      this.refreshTokens.delete(token);
      this.stats.refreshed++;
      return { status: 200, body: this.issue() };
    }
    return this.reject(400, 'unsupported_grant_type', 'Use grant_type=password or refresh_token');
  }

  /** Checks an `Authorization: Bearer ...` header. */
  checkBearer(authorization: string | undefined): BearerCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (token === undefined) return 'missing';
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt === undefined) return 'unknown';
    return expiresAt > Date.now() ? 'ok' : 'expired';
  }

  /** Makes every access token issued so far expire now (to exercise 401 handling without waiting). */
  /** Every access and refresh token issued so far (for tests that prove none leaks). */
  issuedTokens(): string[] {
    return [...this.accessTokens.keys(), ...this.refreshTokens.keys()];
  }

  expireAll(): void {
    const now = Date.now();
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, now);
  }

  private issue(): Record<string, unknown> {
    const ttlMs = this.props.tokenTtlSeconds * 1000;
    const now = Date.now();
    const accessToken = randomBytes(48).toString('base64url');
    const refreshToken = randomBytes(48).toString('base64url');
    this.accessTokens.set(accessToken, now + ttlMs);
    // The legacy docs give refresh tokens twice the access-token lifetime (7200 s vs 3600 s).
    this.refreshTokens.set(refreshToken, now + 2 * ttlMs);
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: Math.max(1, Math.ceil(this.props.tokenTtlSeconds)),
      refresh_token: refreshToken,
      id_token: this.idToken(now),
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    };
  }

  private idToken(now: number): string {
    const { credentials, tenantId, userAgentId } = this.props;
    const header = { alg: 'HS256', typ: 'JWT' };
    const iat = Math.floor(now / 1000);
    const payload = {
      iss: this.props.issuerUrl(),
      sub: `user:${userAgentId}`,
      aud: credentials.clientId,
      iat,
      exp: iat + Math.max(1, Math.ceil(this.props.tokenTtlSeconds)),
      tenantId,
      name: 'Simulator API User',
      icAgentId: userAgentId,
    };
    const unsigned = `${b64url(header)}.${b64url(payload)}`;
    // Signed with the client secret: verifiable locally, and nothing reads it as a real key.
    const signature = createHmac('sha256', credentials.clientSecret).update(unsigned).digest('base64url');
    return `${unsigned}.${signature}`;
  }

  private reject(status: number, error: string, description: string, headers?: Record<string, string>): TokenEndpointResult {
    this.stats.rejected++;
    return { status, body: { error, error_description: description }, ...(headers ? { headers } : {}) };
  }
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Form-urlencoded decoding as RFC 6749 §2.3.1 asks for Basic client credentials. */
const formDecode = (value: string): string => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
};

const readClient = (authorization: string | undefined, form: URLSearchParams): { id: string; secret: string } | undefined => {
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id !== null && secret !== null ? { id, secret } : undefined;
};
