import { listParked, type ParkedFilter, type ParkedSummary, type RedriveReport, redriveParked } from '../../lambdas/parked/parked-events.js';
import { objectStoreClaimCheck } from '../../lambdas/publishing/claim-check.js';
import { eventBridgePutEvents } from '../../lambdas/publishing/eventbridge-port.js';
import { s3ObjectStore } from '../../lambdas/publishing/s3-object-store.js';
import { type LocatedStack, type OpsClients, OpsError } from './operations.js';

/**
 * `ops parked` and `ops redrive`: the parked items in the stack's large-event bucket, and putting them
 * back on the bus, with the same code the scheduled redrive runs (lambdas/parked/parked-events.ts).
 */

function bucketOf(stack: LocatedStack): string {
  if (!stack.largeEventBucket) throw new OpsError(`stack ${stack.stackName} has no LargeEventBucketName output: is it a build with parked items in S3?`);
  return stack.largeEventBucket;
}

/** Every parked item the filter matches, in key order (reason, tenant, agent, time, sequence). */
export async function parkedItemsOf(clients: OpsClients, stack: LocatedStack, filter: ParkedFilter): Promise<ParkedSummary[]> {
  const items: ParkedSummary[] = [];
  for await (const item of listParked(s3ObjectStore(clients.s3, bucketOf(stack)), filter)) items.push(item);
  return items;
}

/** Re-publishes what the filter matches (a dry run changes nothing) and counts what was sent. */
export async function redrive(
  clients: OpsClients,
  stack: LocatedStack,
  filter: ParkedFilter,
  options: { dryRun: boolean },
  progress: (line: string) => void,
): Promise<RedriveReport & { dryRun: boolean }> {
  if (!stack.eventBusName || !stack.eventSource) throw new OpsError(`stack ${stack.stackName} lacks the EventBusName or EventSource output`);
  const store = s3ObjectStore(clients.s3, bucketOf(stack));
  const report = await redriveParked(
    {
      store,
      putEvents: eventBridgePutEvents(clients.eventBridge, stack.eventBusName),
      claimCheck: objectStoreClaimCheck(store),
      eventSource: stack.eventSource,
    },
    filter,
    {
      dryRun: options.dryRun,
      onProgress: (running) => progress(`… ${running.republished} ${options.dryRun ? 'would be ' : ''}re-published, ${running.stillParked} still parked`),
    },
  );
  return { ...report, dryRun: options.dryRun };
}
