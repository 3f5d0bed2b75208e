import type { AwsFaultTarget } from '../aws/aws-faults.js';
import type { Fault } from '../cxone-simulator/faults.js';
import type { CxoneSimulator } from '../cxone-simulator/index.js';
import type { LocalTwin } from './local-twin.js';

/**
 * A fault for a window of the run, as `npm start -- --fault <what>@<start>+<duration>` takes it, e.g.
 * `cxone-down@60s+5m` (CXone answers 503 to everything from the 60th second for 5 minutes) or
 * `eventbridge-down@30s+1h`. Times are simulated seconds of the twin (`s`, `m` or `h`; the wall
 * clock unless the twin's time scale says otherwise), counted from when the faults are applied.
 */
export const FAULT_KINDS = {
  'cxone-down': 'CXone answers HTTP 503 to every call (token, sessions, polls)',
  'cxone-reset': 'CXone resets every connection without answering',
  'cxone-slow': 'CXone answers every call 20 real seconds late',
  'eventbridge-down': 'EventBridge PutEvents fails with InternalException (HTTP 500)',
  'dlq-down': 'the parking store (S3 PutObject in the large-event bucket: parked items, claim checks) fails with ServiceUnavailable (HTTP 503)',
  'dynamodb-down': 'the checkpoint store (every DynamoDB call) fails with ServiceUnavailable (HTTP 503)',
} as const;
export type FaultKind = keyof typeof FAULT_KINDS;

export interface FaultSpec {
  kind: FaultKind;
  afterSeconds: number;
  forSeconds: number;
}

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

const DURATION = /^(\d+(?:\.\d+)?)(s|m|h)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

function seconds(text: string, what: string, spec: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new FaultSpecError(`--fault ${spec}: ${what} "${text}" is not a duration such as 30s, 5m or 1h`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/** Parses one `--fault` value; throws FaultSpecError with a one-line message. */
export function parseFaultSpec(spec: string): FaultSpec {
  const match = /^([a-z-]+)@([^+]+)\+(.+)$/.exec(spec.trim());
  if (!match) throw new FaultSpecError(`--fault ${spec}: expected <what>@<start>+<duration>, e.g. cxone-down@60s+5m`);
  const [, kind, start, duration] = match as unknown as [string, string, string, string];
  if (!(kind in FAULT_KINDS)) throw new FaultSpecError(`--fault ${spec}: unknown fault "${kind}"; one of ${Object.keys(FAULT_KINDS).join(', ')}`);
  const forSeconds = seconds(duration, 'duration', spec);
  if (forSeconds <= 0) throw new FaultSpecError(`--fault ${spec}: the duration must be more than 0`);
  return { kind: kind as FaultKind, afterSeconds: seconds(start, 'start', spec), forSeconds };
}

const CXONE_FAULTS: Partial<Record<FaultKind, Fault>> = {
  'cxone-down': { status: 503 },
  'cxone-reset': { drop: true },
  'cxone-slow': { delayMs: 20_000 },
};

const AWS_FAULTS: Partial<Record<FaultKind, AwsFaultTarget>> = {
  'eventbridge-down': 'eventbridge',
  'dlq-down': 'dlq',
  'dynamodb-down': 'dynamodb',
};

/**
 * Applies the faults from now: AWS ones on the twin's local endpoint, CXone ones on the simulator
 * (converted from the twin's time scale to the simulator's).
 */
export function applyFaultSpecs(specs: FaultSpec[], twin: LocalTwin, simulator: CxoneSimulator | undefined): void {
  for (const spec of specs) {
    const cxoneFault = CXONE_FAULTS[spec.kind];
    if (cxoneFault) {
      if (!simulator) throw new FaultSpecError(`--fault ${spec.kind}: CXone faults need the built-in simulator, not --cxone-issuer`);
      const toSimulator = simulator.timeScale / twin.timeScale;
      simulator.injectFault({ scope: 'all', afterSeconds: spec.afterSeconds * toSimulator, forSeconds: spec.forSeconds * toSimulator, fault: cxoneFault });
      continue;
    }
    twin.faults.awsDown(AWS_FAULTS[spec.kind] as AwsFaultTarget, { afterSeconds: spec.afterSeconds, forSeconds: spec.forSeconds });
  }
}

/** One line per fault, for the start banner. */
export function describeFaultSpec(spec: FaultSpec): string {
  return `fault: ${FAULT_KINDS[spec.kind]} from ${spec.afterSeconds} s for ${spec.forSeconds} s`;
}
