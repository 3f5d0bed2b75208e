import { ENVELOPE_SCHEMA_VERSION, type EnvelopeEntry, hashId } from '../../contract/envelope.js';
import { LifecycleDetailType } from '../../contract/lifecycle.js';
import { type PutEventsPort, publishInOrder } from '../publishing/publisher.js';
import { sessionNameOf } from '../sessions/execution-name.js';
import type { PollerRestart, RestartAnnouncer } from './discover-sessions.js';

/** `detail.data` of CxoneEventBridge.PollerRestarted. */
export interface PollerRestartedData {
  /** The new execution polling the login. */
  execution: string;
  /** The login's session key (the execution name without suffixes). */
  session: string;
  previousExecution: string;
  previousStatus: string;
  /** When the previous execution stopped (ISO 8601), if Step Functions reported it. */
  previousStopDate?: string;
}

export class RestartAnnouncementError extends Error {
  override readonly name = 'RestartAnnouncementError';
}

/**
 * The PollerRestarted event of one restart. Its id is a hash of the new execution's name, so two
 * discovery runs racing on the same restart (Step Functions starts it once) publish one event id.
 */
export function pollerRestartedEntry(restart: PollerRestart, context: { tenant: string; eventSource: string; now: number }): EnvelopeEntry {
  const data: PollerRestartedData = {
    execution: restart.execution,
    session: sessionNameOf(restart.execution),
    previousExecution: restart.previous.name,
    previousStatus: restart.previous.status,
    ...(restart.previous.stopDate ? { previousStopDate: restart.previous.stopDate.toISOString() } : {}),
  };
  const metadata = {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId: hashId([LifecycleDetailType.PollerRestarted, restart.execution]),
    tenant: context.tenant,
    agentId: restart.agentId,
    platformSessionId: null,
    receivedAt: new Date(context.now).toISOString(),
  };
  return {
    Source: context.eventSource,
    DetailType: LifecycleDetailType.PollerRestarted,
    Detail: JSON.stringify({ metadata, data }),
    Time: new Date(context.now),
  };
}

/** Publishes restart events with the publisher's in-order batching and retries, within `budgetMs`. */
export function eventBridgeRestartAnnouncer(
  putEvents: PutEventsPort,
  context: { tenant: string; eventSource: string; now: () => number; budgetMs: number },
): RestartAnnouncer {
  return async (restarts) => {
    const now = context.now();
    const entries = restarts.map((restart) => pollerRestartedEntry(restart, { tenant: context.tenant, eventSource: context.eventSource, now }));
    const failures = await publishInOrder(entries, putEvents, { deadline: now + context.budgetMs });
    if (failures.length > 0)
      throw new RestartAnnouncementError(`${failures.length} of ${entries.length} PollerRestarted events not published: ${failures[0]?.reason}`);
  };
}
