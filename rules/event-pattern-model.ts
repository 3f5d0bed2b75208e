/**
 * The compiled form shared by the pattern compiler and the matcher: a pattern becomes sub-rules
 * (one per `$or` alternative), each a list of field paths with the matchers their values must pass.
 */

/**
 * A matcher sees a leaf the way event-ruler does: `raw` is its JSON text (`"abc"`, `12`, `true`,
 * `null`), the hex form of an IP address, or NUMERIC_RAW once the value has been turned into a
 * comparable number, in which case `num` holds it.
 */
export type Matcher = (raw: string, num: number | undefined) => boolean;

// Never equal to, or prefixed/suffixed by, any pattern text: string patterns carry quotes.
export const NUMERIC_RAW = '\u0000';

export interface Leaf {
  readonly raw: string;
  readonly num: number | undefined;
  readonly str: string | undefined;
  /** Array membership as flat [arrayId, index, ...] pairs, outermost array first. */
  readonly membership: readonly number[];
  readonly sig: string;
}

export interface FieldSpec {
  readonly path: string;
  readonly matchers: readonly Matcher[];
  readonly absent: boolean;
  /** Set per byte machine in event-ruler, so shared by sub-rules that share the machine. */
  numeric: boolean;
  ip: boolean;
}

export interface SubRule {
  readonly fields: readonly FieldSpec[];
}
