import { z } from 'zod';

/**
 * The tenant label: used in the stack name, resource names, execution names and event metadata.
 * Read by infra/config.ts (deploy configuration) and cli/session.ts (the operator's --tenant).
 */
export const TenantSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,23}$/, 'tenant must be 1–24 lowercase letters, digits or dashes');
