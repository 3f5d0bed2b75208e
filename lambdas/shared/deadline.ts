import { NodeHttpHandler } from '@smithy/node-http-handler';

type HandleArgs = Parameters<NodeHttpHandler['handle']>;

/** Kept back from every AWS call's budget so the invocation can still return after a call gives up. */
const RETURN_MARGIN_MS = 1_000;

/**
 * The deadline of the invocation in progress. Lambda stops a function at its timeout, and a call
 * still in flight then would hold up the invocation past it; every AWS call of the handler is
 * bounded by what is left instead.
 */
export class InvocationDeadline {
  private remaining: () => number = () => Number.POSITIVE_INFINITY;

  /** Binds the deadline to the invocation that starts now. */
  bind(context: { getRemainingTimeInMillis(): number }): void {
    this.remaining = () => context.getRemainingTimeInMillis();
  }

  /** Milliseconds an AWS call may take from now. */
  callBudgetMs(): number {
    return Math.max(1, this.remaining() - RETURN_MARGIN_MS);
  }
}

/**
 * The SDK's Node.js HTTP handler with every request (each SDK retry attempt included) aborted when
 * the invocation's deadline comes, so a slow AWS call cannot push the invocation past its timeout.
 */
export class DeadlineBoundHttpHandler extends NodeHttpHandler {
  constructor(private readonly deadline: InvocationDeadline) {
    super();
  }

  override handle(request: HandleArgs[0], options: HandleArgs[1] = {}): ReturnType<NodeHttpHandler['handle']> {
    const budgetMs = this.deadline.callBudgetMs();
    if (!Number.isFinite(budgetMs)) return super.handle(request, options);
    const timeout = AbortSignal.timeout(Math.floor(budgetMs));
    const given = options.abortSignal as AbortSignal | undefined;
    return super.handle(request, { ...options, abortSignal: given ? AbortSignal.any([given, timeout]) : timeout });
  }
}
