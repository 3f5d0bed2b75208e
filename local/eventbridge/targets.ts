import { unhandledKind } from '../../contract/exhaustive.js';
import { isLoopbackUrl } from '../../contract/secure-url.js';
import type { RouteTargetKind } from '../../infra/routes-config.js';
import { applyInputTransformer, type InputTransformer } from '../../rules/input-transformer.js';
import type { AcceptedEvent } from './local-event-bus.js';

/** A route target's kind (infra/routes-config.ts), or `other` for a target no route kind describes. */
export type LocalTargetKind = RouteTargetKind | 'other';

/** One target of a deployed rule, as the twin reads it from the template. */
export interface LocalRuleTarget {
  id: string;
  arn: string;
  kind: LocalTargetKind;
  inputTransformer?: InputTransformer;
  retryPolicy?: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  /** Local URL of the rule's dead-letter queue when the stack creates it. */
  deadLetterQueueUrl?: string;
  /** Local URL of an SQS target the stack creates (an external queue is only recorded). */
  queueUrl?: string;
  apiDestination?: { endpoint: string; httpMethod: string; rateLimitPerSecond?: number; authorizationType?: string; headers?: Record<string, string> };
}

/** A rule whose targets the twin delivers to. */
export interface LocalRoutedRule {
  name: string;
  arn: string;
  targets: LocalRuleTarget[];
}

/** What happened to one event at one target. */
export interface LocalDelivery {
  rule: string;
  targetId: string;
  kind: LocalRuleTarget['kind'];
  /** `recorded`: the target is off this machine (or outside the stack), so the twin kept the payload and called nothing. */
  status: 'delivered' | 'recorded' | 'dead-lettered' | 'failed';
  /** The payload the target received (or would have). */
  payload: string;
  attempts: number;
  /** Where an API destination request went. */
  url?: string;
  httpStatus?: number;
  error?: string;
}

/** Deliveries of one rule, by outcome. */
export interface RouteStats {
  delivered: number;
  /** Deliveries to a target off this machine or outside the stack: the payload kept, nothing called. */
  recorded: number;
  deadLettered: number;
  failed: number;
  /** Why the last delivery that did not go through failed. */
  lastError?: string;
}

export interface LocalTargetsOptions {
  rules: LocalRoutedRule[];
  /** Send every API destination request here instead of its endpoint (a local sink). */
  sinkUrl?: string;
  /** Puts a message on a local queue (the stack's DLQs and queues). */
  sendToQueue: (queueUrl: string, body: string) => void;
  /** Retries per delivery, at most: the twin keeps a failing endpoint from holding a run for hours. @default 2 */
  maxRetries?: number;
  /** Backoff before retry n (1, 2, …). @default 100 ms doubling */
  retryDelayMs?: (retry: number) => number;
  /** Kept deliveries (oldest dropped first); stats count them all. @default 10,000 */
  keepDeliveries?: number;
}

/** EventBridge gives up on an API destination request after 5 seconds. */
const API_DESTINATION_TIMEOUT_MS = 5_000;
/** API destination answers EventBridge retries (the rest go to the DLQ at once). */
const RETRYABLE_STATUS = new Set([401, 407, 409, 429]);

/**
 * Delivers what the local bus matched to the rules' targets, as EventBridge would: the target's
 * input transformer applied, an API destination called over real HTTP (to its endpoint or the
 * sink), a stack-created queue filled, other targets recorded; failures retried per the target's
 * policy (bounded, fast) and then put on the rule's dead-letter queue.
 */
export class LocalTargets {
  readonly deliveries: LocalDelivery[] = [];
  readonly stats = new Map<string, RouteStats>();
  private readonly rules: Map<string, LocalRoutedRule>;
  private readonly pending = new Set<Promise<void>>();
  /** Next free start time per API destination, for its rate limit. */
  private readonly nextSlot = new Map<string, number>();

  constructor(private readonly options: LocalTargetsOptions) {
    this.rules = new Map(options.rules.filter((rule) => rule.targets.length > 0).map((rule) => [rule.name, rule]));
    for (const name of this.rules.keys()) this.stats.set(name, { delivered: 0, recorded: 0, deadLettered: 0, failed: 0 });
  }

  /** Starts delivering one accepted event to the targets of every rule it matched. */
  dispatch(accepted: AcceptedEvent): void {
    for (const name of accepted.matchedRules) {
      const rule = this.rules.get(name);
      if (!rule) continue;
      for (const target of rule.targets) {
        const delivery = this.deliver(rule, target, accepted).finally(() => this.pending.delete(delivery));
        this.pending.add(delivery);
      }
    }
  }

  /** Resolves when every delivery started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliver(rule: LocalRoutedRule, target: LocalRuleTarget, accepted: AcceptedEvent): Promise<void> {
    const event = accepted.event as unknown as Record<string, unknown>;
    const payload = target.inputTransformer
      ? applyInputTransformer(target.inputTransformer, event, { ruleArn: rule.arn, ruleName: rule.name, ingestionTime: accepted.ingestionTime })
      : JSON.stringify(event);
    const retries = Math.min(target.retryPolicy?.maximumRetryAttempts ?? 185, this.options.maxRetries ?? 2);
    let attempt = 0;
    let last: Omit<LocalDelivery, 'rule' | 'targetId' | 'kind' | 'payload' | 'attempts' | 'status'> & { retryable: boolean; ok: boolean; recorded?: boolean };
    for (;;) {
      attempt += 1;
      last = await this.attempt(target, payload, rule.name);
      if (last.ok || !last.retryable || attempt > retries) break;
      await sleep((this.options.retryDelayMs ?? ((n) => 100 * 2 ** (n - 1)))(attempt));
    }
    const { ok, retryable: _, recorded, ...detail } = last;
    let status: LocalDelivery['status'] = recorded ? 'recorded' : ok ? 'delivered' : 'failed';
    if (!ok && target.deadLetterQueueUrl) {
      // EventBridge puts the event itself on the DLQ, with the error in message attributes.
      try {
        this.options.sendToQueue(target.deadLetterQueueUrl, JSON.stringify(event));
        status = 'dead-lettered';
      } catch {
        // A DLQ that refuses too leaves the delivery failed, as InvocationsFailedToBeSentToDlq.
      }
    }
    const stats = this.stats.get(rule.name);
    if (stats) {
      stats[status === 'dead-lettered' ? 'deadLettered' : status] += 1;
      if (!ok) stats.lastError = detail.error ?? `HTTP ${detail.httpStatus}`;
    }
    this.deliveries.push({ rule: rule.name, targetId: target.id, kind: target.kind, status, payload, attempts: attempt, ...detail });
    if (this.deliveries.length > (this.options.keepDeliveries ?? 10_000)) this.deliveries.shift();
  }

  private async attempt(
    target: LocalRuleTarget,
    payload: string,
    ruleName: string,
  ): Promise<{ ok: boolean; retryable: boolean; recorded?: boolean; url?: string; httpStatus?: number; error?: string }> {
    switch (target.kind) {
      case 'apiDestination':
        return this.callApiDestination(target, payload, ruleName);
      case 'sqs':
        if (!target.queueUrl) return { ok: true, retryable: false, recorded: true };
        try {
          this.options.sendToQueue(target.queueUrl, payload);
          return { ok: true, retryable: false };
        } catch (error) {
          return { ok: false, retryable: true, error: (error as Error).message };
        }
      case 'lambda':
      case 'eventBus':
      case 'other':
        // Lambda functions, other buses and anything else outside the stack: recorded only.
        return { ok: true, retryable: false, recorded: true };
      default:
        return unhandledKind('route target', target.kind);
    }
  }

  private async callApiDestination(target: LocalRuleTarget, payload: string, ruleName: string) {
    const destination = target.apiDestination;
    const url = this.options.sinkUrl ?? destination?.endpoint ?? '';
    // The twin never calls out of this machine: an endpoint elsewhere is recorded, as Lambda and
    // bus targets are; --sink-url (on loopback) receives what it would have been sent.
    if (!isLoopbackUrl(url)) return { ok: true, retryable: false, recorded: true, url };
    const method = destination?.httpMethod ?? 'POST';
    await this.waitForSlot(target.arn, destination?.rateLimitPerSecond);
    try {
      const response = await fetch(url, {
        method,
        // The twin holds no connection credentials: it sends no Authorization or API-key header.
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Amazon/EventBridge/ApiDestinations',
          'x-cxone-twin-rule': ruleName,
          ...destination?.headers,
        },
        body: method === 'GET' || method === 'HEAD' ? undefined : payload,
        signal: AbortSignal.timeout(API_DESTINATION_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      const ok = response.status >= 200 && response.status < 300;
      return { ok, retryable: !ok && (RETRYABLE_STATUS.has(response.status) || response.status >= 500), url, httpStatus: response.status };
    } catch (error) {
      return { ok: false, retryable: true, url, error: (error as Error).message };
    }
  }

  /** Spaces request starts to the destination's rate limit. */
  private async waitForSlot(key: string, perSecond: number | undefined): Promise<void> {
    if (!perSecond) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? now);
    this.nextSlot.set(key, slot + 1000 / perSecond);
    if (slot > now) await sleep(slot - now);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
