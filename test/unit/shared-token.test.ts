import { describe, expect, it } from 'vitest';
import type { CxoneAccess } from '../../lambdas/cxone/auth.js';
import type { SharedToken, SharedTokenStore } from '../../lambdas/cxone/shared-token.js';
import { refreshSharedToken } from '../../lambdas/token-refresher/refresh-shared-token.js';

const NOW = Date.parse('2025-03-12T14:00:00Z');
const token = (minutesLeft: number): SharedToken => ({
  accessToken: `t${minutesLeft}`,
  apiEndpoint: 'https://api-na1.example',
  tenantId: 't',
  expiresAt: NOW + minutesLeft * 60_000,
  issuedAt: NOW,
});

function memoryStore(initial?: SharedToken): SharedTokenStore & { saved: SharedToken[] } {
  let current = initial;
  const saved: SharedToken[] = [];
  return {
    saved,
    load: async () => current,
    save: async (value) => {
      current = value;
      saved.push(value);
    },
  };
}

describe('refreshSharedToken', () => {
  const fresh: CxoneAccess = { accessToken: 'new', apiEndpoint: 'https://api-na1.example', tenantId: 't', expiresAt: NOW + 3_600_000 };

  it.each([
    ['no token yet', undefined, true],
    ['a token with 10 minutes left', token(10), true],
    ['a token with 45 minutes left', token(45), false],
  ])('with %s renews: %s', async (_, initial, renews) => {
    const store = memoryStore(initial);
    let issued = 0;
    const issue = async () => {
      issued += 1;
      return fresh;
    };
    const outcome = await refreshSharedToken(store, issue, () => NOW);
    expect(outcome.refreshed).toBe(renews);
    expect(issued).toBe(renews ? 1 : 0);
    expect(store.saved).toEqual(renews ? [{ ...fresh, issuedAt: NOW }] : []);
  });

  it('stores nothing when CXone refuses the grant', async () => {
    const store = memoryStore(token(1));
    await expect(
      refreshSharedToken(
        store,
        async () => Promise.reject(new Error('invalid_grant')),
        () => NOW,
      ),
    ).rejects.toThrow('invalid_grant');
    expect(store.saved).toEqual([]);
  });
});
