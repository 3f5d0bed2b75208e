import { z } from 'zod';
import { DEFAULT_RECONCILE_EVERY_MINUTES } from '../../contract/discovery.js';
import { CxoneEnvironmentSchema } from '../cxone/environment.js';

const idList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  );

/** The discovery function's environment, set by the AgentDiscovery construct. */
export const DiscoveryEnvironmentSchema = CxoneEnvironmentSchema.extend({
  TENANT: z.string().min(1),
  STATE_MACHINE_ARN: z.string().startsWith('arn:'),
  /** SSM parameter keeping the agent-state delta cursor. */
  CURSOR_PARAMETER_NAME: z.string().min(1),
  /** Minutes between full reconciles against every agent (contract/discovery.ts). */
  RECONCILE_EVERY_MINUTES: z.coerce.number().int().positive().default(DEFAULT_RECONCILE_EVERY_MINUTES),
  /** The bus PollerRestarted events go to, with this source. */
  EVENT_BUS_NAME: z.string().min(1),
  EVENT_SOURCE: z.string().min(1),
  INCLUDE_AGENT_IDS: idList,
  EXCLUDE_AGENT_IDS: idList,
  INCLUDE_TEAM_IDS: idList,
  EXCLUDE_TEAM_IDS: idList,
});
export type DiscoveryEnvironment = z.input<typeof DiscoveryEnvironmentSchema>;
