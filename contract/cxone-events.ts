import { z } from 'zod';

/**
 * One CXone event exactly as received. The wire format is a flat object of mostly string values
 * (CXone "Agent Session Events" page); we keep every field untouched and only read the few we need.
 */
export const CxoneEventSchema = z.record(z.string(), z.unknown());
export type CxoneEvent = z.infer<typeof CxoneEventSchema>;

/** The 200 body of get-next-event: a rotated cursor and the events since the last poll. */
export const GetNextEventResponseSchema = z.object({
  sessionId: z.string().min(1),
  // Elements are validated one by one later, so a single bad element cannot sink its batch.
  events: z.array(z.unknown()),
});
export type GetNextEventResponse = z.infer<typeof GetNextEventResponseSchema>;

/** Detail type used when an event carries no `Type`/`type` at all. */
export const UNTYPED_EVENT_TYPE = 'UntypedCxoneEvent';

/** The CXone event type; CustomEvent spells the key in lower case (Studio "CUSTOMEVENT" help page). */
export function eventTypeOf(event: unknown): string {
  if (typeof event !== 'object' || event === null) return UNTYPED_EVENT_TYPE;
  const record = event as Record<string, unknown>;
  const type = record.Type ?? record.type;
  return typeof type === 'string' && type.trim() !== '' ? type : UNTYPED_EVENT_TYPE;
}

/** The platform's numeric session id, stable for a login, carried by AgentSessionStart. */
export function platformSessionIdOf(event: unknown): string | undefined {
  if (eventTypeOf(event) !== 'AgentSessionStart') return undefined;
  const value = (event as Record<string, unknown>).SessionId;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Session-ending event types: after them CXone answers 409 to every poll. */
export const SESSION_END_EVENT_TYPES: ReadonlySet<string> = new Set(['AgentSessionEnd']);

/**
 * Event types that restate state (the session, the agent's state, the agent leg, a contact) rather
 * than signal something. A resync snapshot repeats them verbatim; their bodies carry ids and
 * timestamps, so two identical bodies are the same fact.
 */
export function isStateEvent(type: string): boolean {
  return type === 'AgentSessionStart' || type === 'AgentState' || type === 'AgentLeg' || type.endsWith('ContactEvent');
}
