import { z } from 'zod';
import { FaultWindow } from '../faults/fault-window.js';
import { AgentIdSchema } from './options.js';
import type { Rng } from './rng.js';

/**
 * What a faulted get-next-event poll does instead of its normal answer. A faulted poll never touches
 * the session's queue or cursor, so no event is lost and the same sessionId stays valid.
 *
 * - `drop`: destroy the socket without any response (after `delayMs`).
 * - `body`: answer `status` (default 200) with this raw, typically malformed, body.
 * - `status`: answer that status (with `Retry-After` when `retryAfterSeconds` is set).
 * - only `delayMs`: a slow poll; wait, then serve the poll normally.
 * - `midBody`: answer 200 with the headers and half of a body (`body`, or a well-formed batch) and then
 *   `reset` the connection, or `stall` (send nothing more until the client gives up).
 */
export const FaultSchema = z
  .object({
    status: z.number().int().min(200).max(599).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    delayMs: z.number().int().min(0).max(120_000).optional(),
    drop: z.literal(true).optional(),
    body: z.string().optional(),
    midBody: z.enum(['reset', 'stall']).optional(),
  })
  .strict()
  .refine((f) => f.status !== undefined || f.drop === true || f.body !== undefined || f.delayMs !== undefined || f.midBody !== undefined, {
    message: 'a fault needs status, drop, body, delayMs or midBody',
  });
export type Fault = z.infer<typeof FaultSchema>;

/** Fault the next `count` polls (of one agent, or of any agent). */
export const ScriptedFaultRuleSchema = z.object({ agentId: AgentIdSchema.optional(), count: z.number().int().min(1), fault: FaultSchema }).strict();

/** Fault each poll with `probability` (drawn from the seeded generator). */
export const ProbabilisticFaultRuleSchema = z.object({ agentId: AgentIdSchema.optional(), probability: z.number().min(0).max(1), fault: FaultSchema }).strict();

/**
 * Fault every call for a window of simulated time (the simulator's `timeScale`): it opens
 * `afterSeconds` after it is added and lasts `forSeconds`. `scope: 'poll'` (default) faults
 * get-next-event only (of one agent, or all); `scope: 'all'` is CXone down: every CXone endpoint
 * (token, discovery, sessions, polls; not the admin API) answers with the fault.
 */
export const WindowFaultRuleSchema = z
  .object({
    agentId: AgentIdSchema.optional(),
    afterSeconds: z.number().min(0).optional(),
    forSeconds: z.number().positive(),
    scope: z.enum(['poll', 'all']).optional(),
    fault: FaultSchema,
  })
  .strict()
  .refine((rule) => rule.scope !== 'all' || rule.agentId === undefined, { message: "scope 'all' faults every agent: leave agentId out" });

/** A scripted, probabilistic or windowed fault rule, as `POST /admin/faults` accepts it. */
export const FaultRuleSchema = z.union([ScriptedFaultRuleSchema, ProbabilisticFaultRuleSchema, WindowFaultRuleSchema]);
export type FaultRule = z.infer<typeof FaultRuleSchema>;

/** A rule as stored, with its id, what is left of its count, and a window's real-clock bounds. */
export type ActiveFaultRule = FaultRule & { readonly id: number; remaining?: number; opensAt?: number; closesAt?: number };

/** Holds fault rules and decides, per poll, whether one applies. */
export class FaultInjector {
  private readonly rules: ActiveFaultRule[] = [];
  private nextId = 1;

  /** @param timeScale simulated seconds per real second, for windowed rules. */
  constructor(
    private readonly rng: Rng,
    private readonly timeScale = 1,
  ) {}

  /** Adds a rule (validated) and returns its id. */
  add(rule: FaultRule): number {
    const parsed = FaultRuleSchema.parse(rule);
    const id = this.nextId++;
    if ('forSeconds' in parsed) {
      const window = new FaultWindow(parsed, this.timeScale);
      this.rules.push({ ...parsed, id, opensAt: window.opensAt, closesAt: window.closesAt });
    } else this.rules.push('count' in parsed ? { ...parsed, id, remaining: parsed.count } : { ...parsed, id });
    return id;
  }

  /** The fault of an open `scope: 'all'` window (CXone down), for any CXone endpoint. */
  outage(now = Date.now()): Fault | undefined {
    return this.rules.find((r) => 'forSeconds' in r && r.scope === 'all' && isOpen(r, now))?.fault;
  }

  /** Removes every rule. */
  clear(): void {
    this.rules.length = 0;
  }

  /** The rules in force. */
  list(): readonly ActiveFaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /**
   * The fault for one poll of `agentId`, if any. Scripted rules go first, oldest first, and each use
   * spends one of its count; then each probabilistic rule rolls.
   */
  take(agentId: string): Fault | undefined {
    const applies = (r: ActiveFaultRule) => r.agentId === undefined || r.agentId === agentId;
    const scripted = this.rules.find((r) => 'count' in r && applies(r));
    if (scripted && scripted.remaining !== undefined) {
      scripted.remaining--;
      if (scripted.remaining <= 0) this.rules.splice(this.rules.indexOf(scripted), 1);
      return scripted.fault;
    }
    const now = Date.now();
    const windowed = this.rules.find((r) => 'forSeconds' in r && r.scope !== 'all' && applies(r) && isOpen(r, now));
    if (windowed) return windowed.fault;
    for (const rule of this.rules) {
      if ('probability' in rule && applies(rule) && this.rng.chance(rule.probability)) return rule.fault;
    }
    return undefined;
  }
}

const isOpen = (rule: ActiveFaultRule, now: number): boolean =>
  rule.opensAt !== undefined && rule.closesAt !== undefined && now >= rule.opensAt && now < rule.closesAt;
