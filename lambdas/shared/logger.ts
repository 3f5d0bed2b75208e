import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger of the bridge's functions; service name from POWERTOOLS_SERVICE_NAME. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cxone-eventbridge' });
