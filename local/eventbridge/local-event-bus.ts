import { randomUUID } from 'node:crypto';
import { type CompiledEventPattern, parseEventPattern } from '../../rules/event-pattern.js';
import { PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_REQUEST_BYTES, putEventsEntrySize } from '../aws/aws-limits.js';
import { AwsApiError, type AwsOperation } from '../aws/local-aws-server.js';

/** An event as EventBridge delivers it to rule targets (and as `--events-out` writes it). */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** A rule from the stack's template, evaluated like EventBridge does. */
export interface LocalRuleDefinition {
  name: string;
  eventBusName: string;
  eventPattern: unknown;
  enabled?: boolean;
  /** Target ids, for reporting deliveries. */
  targetIds?: string[];
}

export interface AcceptedEvent {
  event: EventBridgeEvent;
  eventBusName: string;
  /** Names of the rules whose pattern matched. */
  matchedRules: string[];
  /** performance.now() when the bus accepted it. */
  acceptedAt: number;
  /** When the bus accepted it (ISO 8601): `<aws.events.event.ingestion-time>`. */
  ingestionTime: string;
}

/** A fault the next PutEvents calls meet, for failure tests. */
export type PutEventsFault =
  | { kind: 'call'; errorType: string; message?: string; statusCode?: number }
  | { kind: 'entries'; errorCode: string; errorMessage?: string /** which entries of the call fail */; every?: number };

interface CompiledRule extends LocalRuleDefinition {
  pattern: CompiledEventPattern;
}

/**
 * EventBridge PutEvents for local buses: validates entries as the service does, builds the full
 * event JSON, applies every enabled rule's pattern on that bus, and records what it accepted.
 */
export class LocalEventBus {
  private readonly buses: Set<string>;
  private readonly rules: CompiledRule[] = [];
  private readonly listeners: ((accepted: AcceptedEvent) => void)[] = [];
  private readonly faults: { fault: PutEventsFault; remaining: number }[] = [];
  readonly deliveries = new Map<string, number>();
  readonly stats = { calls: 0, entries: 0, accepted: 0, failedEntries: 0, failedCalls: 0 };

  constructor(
    private readonly region: string,
    private readonly account: string,
    busNames: string[],
  ) {
    this.buses = new Set(['default', ...busNames]);
  }

  /** Adds a rule; throws InvalidEventPatternError like PutRule would for a bad pattern. */
  addRule(rule: LocalRuleDefinition): void {
    this.rules.push({ ...rule, pattern: parseEventPattern(rule.eventPattern) });
  }

  /** Called for every accepted event, in acceptance order. */
  onEvent(listener: (accepted: AcceptedEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Makes the next `count` PutEvents calls meet a fault. */
  injectFault(fault: PutEventsFault, count = 1): void {
    this.faults.push({ fault, remaining: count });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  operations(): Record<string, AwsOperation> {
    return { 'AWSEvents.PutEvents': (request) => this.putEvents(request) };
  }

  private putEvents(request: Record<string, unknown>): unknown {
    this.stats.calls += 1;
    const entries = Array.isArray(request.Entries) ? (request.Entries as Record<string, unknown>[]) : [];
    if (entries.length === 0 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
      throw new AwsApiError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${PUT_EVENTS_MAX_ENTRIES}`,
      );
    }
    const total = entries.reduce((sum, entry) => sum + putEventsEntrySize(toSizedEntry(entry)), 0);
    if (total >= PUT_EVENTS_MAX_REQUEST_BYTES) throw new AwsApiError('ValidationException', 'Total size of the entries in the request is over the limit.');

    const fault = this.takeFault();
    if (fault?.kind === 'call') {
      this.stats.failedCalls += 1;
      throw new AwsApiError(fault.errorType, fault.message ?? 'injected fault', fault.statusCode ?? 400);
    }
    this.stats.entries += entries.length;
    const results = entries.map((entry, index) => {
      if (fault?.kind === 'entries' && index % (fault.every ?? 1) === 0) {
        return { ErrorCode: fault.errorCode, ErrorMessage: fault.errorMessage ?? 'injected fault' };
      }
      return this.accept(entry);
    });
    const failed = results.filter((result) => 'ErrorCode' in result).length;
    this.stats.failedEntries += failed;
    return { FailedEntryCount: failed, Entries: results };
  }

  private accept(entry: Record<string, unknown>): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
      }
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const busName = busNameOf(entry.EventBusName);
    if (!this.buses.has(busName)) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };

    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType as string,
      source: entry.Source as string,
      account: this.account,
      time: formatEventTime(typeof entry.Time === 'number' ? new Date(entry.Time * 1000) : new Date()),
      region: this.region,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail,
    };
    const matchedRules = this.rules
      .filter((rule) => rule.enabled !== false && rule.eventBusName === busName && rule.pattern.matches(event))
      .map((rule) => rule.name);
    for (const rule of matchedRules) this.deliveries.set(rule, (this.deliveries.get(rule) ?? 0) + 1);
    this.stats.accepted += 1;
    const accepted: AcceptedEvent = { event, eventBusName: busName, matchedRules, acceptedAt: performance.now(), ingestionTime: new Date().toISOString() };
    for (const listener of this.listeners) listener(accepted);
    return { EventId: event.id };
  }

  private takeFault(): PutEventsFault | undefined {
    const next = this.faults[0];
    if (!next) return undefined;
    next.remaining -= 1;
    if (next.remaining <= 0) this.faults.shift();
    return next.fault;
  }
}

/** EventBusName may be a name or an ARN. */
function busNameOf(value: unknown): string {
  const name = typeof value === 'string' && value !== '' ? value : 'default';
  return name.startsWith('arn:') ? (name.split(':event-bus/')[1] ?? name) : name;
}

/** EventBridge writes `time` to the second: 2025-03-12T14:05:10Z. */
function formatEventTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function toSizedEntry(entry: Record<string, unknown>): { Source: string; DetailType: string; Detail?: string; Time?: Date; Resources?: string[] } {
  return {
    Source: String(entry.Source ?? ''),
    DetailType: String(entry.DetailType ?? ''),
    Detail: typeof entry.Detail === 'string' ? entry.Detail : undefined,
    Time: entry.Time === undefined ? undefined : new Date(),
    Resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : undefined,
  };
}
