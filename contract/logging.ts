/**
 * The Powertools log level of every deployed function (POWERTOOLS_LOG_LEVEL): infra sets it, and
 * `npm run bench` runs the handlers at it to count the bytes they write to CloudWatch Logs.
 */
export const FUNCTION_LOG_LEVEL = 'INFO';
