import type { CxoneAccess } from '../cxone/auth.js';
import type { SharedTokenStore } from '../cxone/shared-token.js';

/** Renew when less than this is left: pollers stop using a token 5 minutes before it expires. */
export const RENEW_WHEN_REMAINING_MS = 20 * 60_000;

export interface RefreshOutcome {
  refreshed: boolean;
  expiresAt: number;
}

/**
 * Keeps the tenant's shared token fresh: leaves a token with enough life alone, otherwise asks
 * CXone for a new one and stores it. Runs on a schedule much shorter than the renewal margin, so a
 * missed run or two never leaves pollers without a token.
 */
export async function refreshSharedToken(
  store: SharedTokenStore,
  issueToken: () => Promise<CxoneAccess>,
  now: () => number = Date.now,
): Promise<RefreshOutcome> {
  const current = await store.load();
  if (current && current.expiresAt - now() > RENEW_WHEN_REMAINING_MS) return { refreshed: false, expiresAt: current.expiresAt };
  const access = await issueToken();
  await store.save({ ...access, issuedAt: now() });
  return { refreshed: true, expiresAt: access.expiresAt };
}
