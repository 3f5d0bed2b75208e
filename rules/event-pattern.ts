/**
 * Local EventBridge event-pattern engine.
 *
 * Matches the way EventBridge does, which is the way aws/event-ruler does: the pattern is
 * flattened into dotted field paths, `$or` is expanded into alternative sub-rules, and an
 * event matches when every path of one sub-rule matches a leaf value of the event, with all
 * those leaves drawn from the same elements of any array they sit in ("array consistency").
 * Values are compared in event-ruler's JSON text form (strings keep their quotes), which is
 * where several AWS quirks come from; the comments in the modules below name them:
 *   event-pattern-compiler.ts  validation and compilation into sub-rules
 *   event-pattern-matcher.ts   event flattening and the array-consistent search
 *   event-pattern-numbers.ts, event-pattern-ip.ts, event-pattern-strings.ts  the value matchers
 */

import { compileSubRules, isObject } from './event-pattern-compiler.js';
import { InvalidEventPatternError } from './event-pattern-error.js';
import { eventMatcher } from './event-pattern-matcher.js';

export { InvalidEventPatternError } from './event-pattern-error.js';

/** A validated pattern, compiled once and reusable for any number of events. */
export interface CompiledEventPattern {
  /** True when the event (an object, or its JSON text) matches the pattern. */
  matches(event: unknown): boolean;
}

/** Validates and compiles a pattern (an object or its JSON text). Throws {@link InvalidEventPatternError}. */
export function parseEventPattern(pattern: unknown): CompiledEventPattern {
  return compile(pattern);
}

/** Compiles `pattern` and tests one event against it. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compile(pattern).matches(event);
}

function compile(input: unknown): CompiledEventPattern {
  let pattern = input;
  if (typeof input === 'string') {
    try {
      pattern = JSON.parse(input);
    } catch (err) {
      throw new InvalidEventPatternError((err as Error).message, '$');
    }
  }
  if (!isObject(pattern)) throw new InvalidEventPatternError('Filter is not an object', '$');
  const matchesDoc = eventMatcher(compileSubRules(pattern));
  return {
    matches(event: unknown): boolean {
      let doc = event;
      if (typeof event === 'string') {
        try {
          doc = JSON.parse(event);
        } catch {
          return false;
        }
      }
      return isObject(doc) && matchesDoc(doc);
    },
  };
}
