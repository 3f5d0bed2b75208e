/**
 * Child process of `npm run bench`: runs one load profile (bench/session-load.ts) and reports
 * progress and results to the parent over IPC. One profile per process, so peak memory (maxRSS)
 * belongs to one session count, and the twin's process-wide AWS endpoint settings stay its own.
 */
import { silenceFunctionLogs } from '../local/twin/local-lambda.js';
import { type LoadProfile, type PhaseResult, type PollerSettings, runLoadProfile } from './session-load.js';

/** Messages to the parent. */
export type WorkerMessage =
  | { kind: 'progress'; line: string }
  | { kind: 'result'; phases: PhaseResult[]; poller: PollerSettings; maxRssMb: number }
  | { kind: 'error'; message: string };

/** Sends a message; resolves once it is handed to the IPC channel. */
const send = (message: WorkerMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

const profile = JSON.parse(process.argv[2] ?? '{}') as LoadProfile;
// The handlers log at their deployed level with EMF on (see run.ts): counted per invocation, never printed.
silenceFunctionLogs();
let exitCode = 0;
try {
  const { phases, poller } = await runLoadProfile({ ...profile, progress: (line) => void send({ kind: 'progress', line }) });
  // resourceUsage().maxRSS is in kilobytes: the process's peak, simulator and twin together.
  await send({ kind: 'result', phases, poller, maxRssMb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10 });
} catch (error) {
  await send({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  exitCode = 1;
}
// Keep-alive sockets and the twin's timers must not keep a finished worker alive.
process.exit(exitCode);
