#!/usr/bin/env node
import { parseArgs } from 'node:util';
/**
 * Shows what is parked and puts it back on the bus, on a deployed stack (or the twin's endpoint).
 *
 *   npm run parked -- list [--reason R] [--agent ID] [--tenant T] [--since TIME] [--json]
 *   npm run parked -- redrive [same filters] [--dry-run]
 *
 * Needs AWS credentials for S3 (and EventBridge to redrive). The bucket and bus come from the stack's
 * outputs (--stack NAME) or are given (--bucket, --event-bus, --event-source).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { ParkReason } from '../contract/dead-letter.js';
import { StackOutput } from '../contract/stack-outputs.js';
import { listParked, type ParkedFilter, redriveParked } from '../lambdas/parked/parked-events.js';
import { objectStoreClaimCheck } from '../lambdas/publishing/claim-check.js';
import { eventBridgePutEvents } from '../lambdas/publishing/eventbridge-port.js';
import { s3ObjectStore } from '../lambdas/publishing/s3-object-store.js';

const USAGE = `usage: npm run parked -- <list|redrive> [options]

  --stack NAME          read the bucket, bus and event source from this stack's outputs
  --bucket NAME         the large-event bucket (output LargeEventBucketName)
  --event-bus NAME      the bus to redrive to (output EventBusName)
  --event-source NAME   source of redriven events (default cxone.agent-events)
  --reason R            ${Object.values(ParkReason).join(' | ')}
  --agent ID            one agent
  --tenant T            one tenant
  --since TIME          parked at or after this ISO 8601 time
  --json                list: one JSON object a line
  --dry-run             redrive: say what would be re-published, change nothing`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      stack: { type: 'string' },
      bucket: { type: 'string' },
      'event-bus': { type: 'string' },
      'event-source': { type: 'string' },
      reason: { type: 'string' },
      agent: { type: 'string' },
      tenant: { type: 'string' },
      since: { type: 'string' },
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command || !['list', 'redrive'].includes(command)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const filter = filterOf(values);
  const target = values.stack ? await fromStack(values.stack) : { bucket: values.bucket, eventBus: values['event-bus'], eventSource: undefined };
  const bucket = values.bucket ?? target.bucket;
  if (!bucket) throw new UsageError('give --stack NAME or --bucket NAME (the stack output LargeEventBucketName)');
  const store = s3ObjectStore(new S3Client({}), bucket);

  if (command === 'list') {
    let count = 0;
    for await (const item of listParked(store, filter)) {
      count += 1;
      if (values.json) console.log(JSON.stringify(item));
      else
        console.log(
          `${item.parkedAt}  ${item.reason.padEnd(26)} ${item.tenant}/${item.agentId}  seq ${String(item.sequence).padStart(6)}  ${String(item.size).padStart(9)} B  ${item.republishable ? '' : '(kept: never publishable)  '}${item.key}`,
        );
    }
    if (!values.json) console.error(`${count} parked item${count === 1 ? '' : 's'} in s3://${bucket}`);
    return 0;
  }

  const eventBus = values['event-bus'] ?? target.eventBus;
  if (!eventBus && !values['dry-run']) throw new UsageError('redrive needs --stack NAME or --event-bus NAME');
  const eventSource = values['event-source'] ?? target.eventSource ?? 'cxone.agent-events';
  const report = await redriveParked(
    { store, putEvents: eventBridgePutEvents(new EventBridgeClient({}), eventBus ?? ''), claimCheck: objectStoreClaimCheck(store), eventSource },
    filter,
    {
      dryRun: values['dry-run'],
      onProgress: (progress) => console.error(`… ${progress.republished} re-published, ${progress.stillParked} still parked`),
    },
  );
  const verb = values['dry-run'] ? 'would re-publish' : 're-published';
  console.log(
    `${verb} ${report.republished} of ${report.matched} parked item${report.matched === 1 ? '' : 's'}; ${report.stillParked} still parked, ${report.notRepublishable} never publishable (kept)${report.lastError ? `; last error: ${report.lastError}` : ''}`,
  );
  return report.stillParked > 0 ? 1 : 0;
}

function filterOf(values: { reason?: string; agent?: string; tenant?: string; since?: string }): ParkedFilter {
  if (values.reason && !(Object.values(ParkReason) as string[]).includes(values.reason))
    throw new UsageError(`--reason must be one of ${Object.values(ParkReason).join(', ')}`);
  if (values.agent && !/^\d+$/.test(values.agent)) throw new UsageError('--agent must be a numeric CXone agent id');
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime())) throw new UsageError('--since must be an ISO 8601 time, e.g. 2026-11-30T16:00:00Z');
  return { reason: values.reason, agentId: values.agent, tenant: values.tenant, since };
}

async function fromStack(stackName: string): Promise<{ bucket?: string; eventBus?: string; eventSource?: string }> {
  const output = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((output.Stacks?.[0]?.Outputs ?? []).map((entry) => [entry.OutputKey, entry.OutputValue]));
  return {
    bucket: outputs.get(StackOutput.LargeEventBucketName),
    eventBus: outputs.get(StackOutput.EventBusName),
    eventSource: outputs.get(StackOutput.EventSource),
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One line, without a stack trace: the message names what to fix.
    console.error(
      `parked: ${error instanceof Error ? `${error.name === 'Error' || error.name === 'UsageError' ? '' : `${error.name}: `}${error.message}` : String(error)}`,
    );
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
