import { type CxoneEvent, eventContactId, eventType, isContactEvent, isFinalContactEvent, isSessionEndEvent } from './event-builders.js';

/**
 * What a session's events say about its current condition: the latest AgentSessionStart, agent leg,
 * agent state and each open contact. The simulator keeps two per session: one over every emitted event
 * (live state for `agents/states`) and one over delivered events (what a snapshot restates).
 */
export interface SessionView {
  sessionStart?: CxoneEvent;
  agentLeg?: CxoneEvent;
  agentState?: CxoneEvent;
  /** Open contacts by lower-cased contact id, in the order they opened. */
  readonly contacts: Map<string, CxoneEvent>;
  ended: boolean;
}

/** An empty view. */
export const createSessionView = (): SessionView => ({ contacts: new Map(), ended: false });

/** Folds one event into the view (events restate state, so the latest wins: CXone "Agent Session Events" page). */
export const applyEvent = (view: SessionView, event: CxoneEvent): void => {
  const type = eventType(event);
  if (type === 'AgentSessionStart') view.sessionStart = event;
  else if (type === 'AgentLeg') view.agentLeg = event.FinalState === 'True' ? undefined : event;
  else if (type === 'AgentState') view.agentState = event;
  else if (isSessionEndEvent(event)) view.ended = true;
  else if (isContactEvent(event)) {
    const id = eventContactId(event)?.toLowerCase();
    if (id === undefined) return;
    if (isFinalContactEvent(event)) view.contacts.delete(id);
    else view.contacts.set(id, event);
  }
};

/**
 * The restatement a stale cursor (or a join) receives: AgentSessionStart, then the agent leg, the
 * agent state and each open contact, copied from the latest events so consumers can de-duplicate.
 */
export const snapshotEvents = (view: SessionView): CxoneEvent[] => {
  if (!view.sessionStart) return [];
  const events: CxoneEvent[] = [view.sessionStart];
  if (view.agentLeg) events.push(view.agentLeg);
  if (view.agentState) events.push(view.agentState);
  events.push(...view.contacts.values());
  return events;
};
