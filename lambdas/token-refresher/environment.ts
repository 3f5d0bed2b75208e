import type { z } from 'zod';
import { CxoneEnvironmentSchema } from '../cxone/environment.js';

/** The token refresher's environment, set by the SharedCxoneToken construct: the CXone settings alone. */
export const RefresherEnvironmentSchema = CxoneEnvironmentSchema;
export type RefresherEnvironment = z.infer<typeof RefresherEnvironmentSchema>;
