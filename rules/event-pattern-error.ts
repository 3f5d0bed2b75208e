const REASON_PREFIX = 'Event pattern is not valid. Reason: ';

/** Thrown when AWS would reject a pattern with `InvalidEventPatternException`. */
export class InvalidEventPatternError extends Error {
  /** AWS's reason text, without the "Event pattern is not valid" prefix. */
  readonly reason: string;
  /** Where in the pattern the problem was found, e.g. `$.detail.state[0].numeric`. */
  readonly path: string;

  constructor(reason: string, path: string) {
    super(`${REASON_PREFIX}${reason}`);
    this.name = 'InvalidEventPatternError';
    this.reason = reason;
    this.path = path;
  }
}
