import type { StateMachineDefinition } from 'aws-local-stepfunctions';

type States = StateMachineDefinition['States'];
type WaitState = Extract<States[string], { Type: 'Wait' }>;

/** Resource of the engine task that stands in for a Wait state (the engine only lets Tasks call local code). */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::twin:wait';

/**
 * An error Step Functions cannot Retry or Catch (States.DataLimitExceeded, States.Runtime): the engine
 * reads `isRetryable`/`isCatchable`, so the execution fails at the state that raised it.
 */
export class TerminalStateError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/**
 * The definition the local engine runs when simulated time passes `timeScale` times faster than real
 * time: every Retry interval and cap divided by it (jitter and back-off rate unchanged), and every
 * Wait state replaced by a local task that sleeps for the scaled duration, since the engine scales
 * neither SecondsPath nor TimestampPath. The service's definition (history, state types) is unchanged.
 */
export function scaleDefinition(
  definition: StateMachineDefinition,
  timeScale: number,
): { definition: StateMachineDefinition; waits: Record<string, WaitState> } {
  const waits: Record<string, WaitState> = {};
  const states: Record<string, unknown> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') {
      waits[name] = state;
      const { Seconds: _s, SecondsPath: _sp, Timestamp: _t, TimestampPath: _tp, Type: _type, ...rest } = state;
      // TimeoutSeconds must stay below setTimeout's 2^31 ms ceiling; the sleep ends the state long before.
      states[name] = { ...rest, Type: 'Task', Resource: LOCAL_WAIT_RESOURCE, TimeoutSeconds: 2_000_000 };
      continue;
    }
    if ('Retry' in state && state.Retry) {
      states[name] = {
        ...state,
        Retry: state.Retry.map((retrier) => ({
          ...retrier,
          // The service's default interval is 1 s (Amazon States Language, Retry).
          IntervalSeconds: (retrier.IntervalSeconds ?? 1) / timeScale,
          ...(retrier.MaxDelaySeconds === undefined ? {} : { MaxDelaySeconds: retrier.MaxDelaySeconds / timeScale }),
        })),
      };
      continue;
    }
    states[name] = state;
  }
  return { definition: { ...definition, States: states as States }, waits };
}

/** Simulated seconds a Wait state pauses for, given its (InputPath-processed) input. */
export function waitSeconds(state: WaitState, input: unknown, now = Date.now()): number {
  if (state.Seconds !== undefined) return state.Seconds;
  if (state.SecondsPath !== undefined) {
    const seconds = jsonPathValue(state.SecondsPath, input);
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new TerminalStateError('States.Runtime', `The SecondsPath parameter does not reference a valid non-negative integer: ${state.SecondsPath}`);
    }
    return seconds;
  }
  const timestamp = state.Timestamp ?? (state.TimestampPath === undefined ? undefined : jsonPathValue(state.TimestampPath, input));
  const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(at)) throw new TerminalStateError('States.Runtime', `The Timestamp/TimestampPath of the Wait state does not reference a valid timestamp`);
  return Math.max(0, (at - now) / 1000);
}

/** A reference path such as `$.a.b[0]` (what the bridge's definitions use); anything else is a runtime error. */
export function jsonPathValue(path: string, input: unknown): unknown {
  if (!/^\$(\.[A-Za-z_][\w-]*|\[\d+\])*$/.test(path))
    throw new TerminalStateError('States.Runtime', `the local engine resolves only simple reference paths, not ${path}`);
  let value: unknown = input;
  for (const [, key, index] of path.slice(1).matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = key !== undefined ? (value as Record<string, unknown>)[key] : (value as unknown[])[Number(index)];
  }
  if (value === undefined) throw new TerminalStateError('States.Runtime', `Path ${path} does not point to a value`);
  return value;
}
