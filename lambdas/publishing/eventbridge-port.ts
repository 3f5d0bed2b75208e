import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PutEventsPort } from './publisher.js';

/** PutEventsPort over the AWS SDK, bound to one bus. */
export function eventBridgePutEvents(client: EventBridgeClient, eventBusName: string): PutEventsPort {
  return async (entries) => {
    const output = await client.send(new PutEventsCommand({ Entries: entries.map((entry) => ({ ...entry, EventBusName: eventBusName })) }));
    const results = output.Entries ?? [];
    if (results.length !== entries.length && (output.FailedEntryCount ?? 0) > 0) {
      // Without per-entry answers we cannot tell which failed: treat the whole request as failed.
      throw new Error(`PutEvents reported ${output.FailedEntryCount} failed entries without per-entry results`);
    }
    return entries.map((_, index) => ({
      errorCode: results[index]?.ErrorCode,
      errorMessage: results[index]?.ErrorMessage,
    }));
  };
}
