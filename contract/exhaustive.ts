/** A value of a kind the code was written before: only reachable when types and data disagree. */
export class UnhandledKindError extends Error {
  constructor(what: string, value: unknown) {
    super(`unhandled ${what}: ${JSON.stringify(value)}`);
    this.name = 'UnhandledKindError';
  }
}

/**
 * The `default` of a switch that handles every kind of a union. `value` is `never` there, so adding
 * a kind to the union makes `tsc` flag every such switch that does not handle it yet.
 */
export function unhandledKind(what: string, value: never): never {
  throw new UnhandledKindError(what, value);
}
