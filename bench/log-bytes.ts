import { SYSTEM_LOG_LEVELS, type SystemLogLevelName } from '../infra/config.js';

/**
 * Lambda's platform records of one poller invocation as the JSON log format writes them, one log
 * line each. INFO, Lambda's default system log level, sends a "start" and a "report" record per
 * invocation; WARN sends neither; DEBUG adds more, of which `platform.runtimeDone` is counted here
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
 * The twin has no Lambda service to write them, so they are sized, not measured: the fields of the
 * platform.start, platform.runtimeDone and platform.report events of the Lambda docs
 * (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html), filled in with a
 * request id and the poller's figures (a 60 s hold, 128 MB, no X-Ray tracing).
 */
const REQUEST_ID = '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa';
const TIME = '2026-11-30T22:00:00.000Z';
const START = { time: TIME, type: 'platform.start', record: { requestId: REQUEST_ID, version: '$LATEST' } };
const REPORT = {
  time: TIME,
  type: 'platform.report',
  record: { requestId: REQUEST_ID, metrics: { durationMs: 60012.345, billedDurationMs: 60013, memorySizeMB: 128, maxMemoryUsedMB: 96 }, status: 'success' },
};
const RUNTIME_DONE = {
  time: TIME,
  type: 'platform.runtimeDone',
  record: {
    requestId: REQUEST_ID,
    status: 'success',
    spans: [{ name: 'responseLatency', start: TIME, durationMs: 60011.912 }],
    metrics: { durationMs: 60012.101, producedBytes: 512 },
  },
};
const PLATFORM_RECORDS: Record<SystemLogLevelName, readonly object[]> = { WARN: [], INFO: [START, REPORT], DEBUG: [START, RUNTIME_DONE, REPORT] };

/** Bytes Lambda's own records add to the log group per invocation at this system log level (newline included, as the twin counts the function's lines). */
export function platformLogBytesPerInvocation(systemLogLevel: string): number {
  if (!(SYSTEM_LOG_LEVELS as readonly string[]).includes(systemLogLevel)) throw new Error(`unknown Lambda system log level ${systemLogLevel}`);
  return PLATFORM_RECORDS[systemLogLevel as SystemLogLevelName].reduce((sum, record) => sum + Buffer.byteLength(`${JSON.stringify(record)}\n`), 0);
}
