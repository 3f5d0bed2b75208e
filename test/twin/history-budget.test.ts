import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateName } from '../../contract/state-machine.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventLog, LocalExecution } from '../../local/stepfunctions/local-step-functions.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';
import { executionsOf, takeCxoneDown } from './outage-run.js';
import { waitFor } from './zero-loss.js';

/**
 * The worst case for the history limit: a session whose every poll fails, through every quick
 * retry, and backs off, for many simulated hours. Each generation must hand over before Step
 * Functions' limit of 25,000 history events per execution
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */
const HISTORY_EVENT_LIMIT = 25_000;
/** A simulated second lasts 10 µs: a 5-minute back-off takes 3 ms. */
const MS_PER_SECOND = 0.01;

/**
 * The events AWS would write for what the local engine logged, by the event types of
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html:
 * ExecutionStarted/Succeeded/Failed; <Type>StateEntered and <Type>StateExited for every state; for a
 * Task, each attempt adds Scheduled, Started and Succeeded/Failed (LambdaFunction* or Task*).
 */
function awsHistoryEvents(history: EventLog[]): number {
  let count = 0;
  let previous: EventLog | undefined;
  for (const event of history) {
    const isTask = 'state' in event && event.state.type === 'Task';
    if (event.type === 'ExecutionStarted' || event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed') count += 1;
    else if (event.type === 'StateEntered') count += 1;
    else if (event.type === 'StateFailed' && isTask) count += 3;
    // A task's exit after a successful attempt also closes that attempt; after a Catch it does not.
    else if (event.type === 'StateExited') count += 1 + (isTask && previous?.type !== 'StateCaught' ? 3 : 0);
    previous = event;
  }
  return count;
}

let simulator: CxoneSimulator;
let twin: LocalTwin;

beforeAll(async () => {
  simulator = await startCxoneSimulator({ agents: 1, seed: 45 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1 },
    timeScale: 1000 / MS_PER_SECOND,
  });
});
afterAll(async () => {
  await twin?.close();
  await simulator?.close();
});

describe('history budget in the worst case', () => {
  it('keeps handing over while CXone stays down for days of simulated time, each generation below 25,000 events', { timeout: 300_000 }, async () => {
    // Prepare: a session polling normally.
    const agentId = '3400001';
    simulator.loginAgent(agentId);
    await twin.startSession(agentId);
    await waitFor(() => (executionsOf(twin, agentId)[0]?.history.length ?? 0) > 10, 20_000, 'first polls');

    // Act: CXone down for good; wait for two hand-overs.
    takeCxoneDown(simulator);
    await waitFor(() => executionsOf(twin, agentId).length >= 3, 240_000, 'two hand-overs while backing off');
    simulator.clearFaults();
    simulator.logoutAgent(agentId);
    await waitFor(() => executionsOf(twin, agentId).every((execution) => execution.status !== 'RUNNING'), 60_000, 'session ended');

    // Assess: every generation ended well, under the limit, and the ones that backed off all the time handed over.
    const generations: LocalExecution[] = executionsOf(twin, agentId);
    const counts = generations.map((execution) => awsHistoryEvents(execution.history));
    expect(generations.map((execution) => execution.status).every((status) => status === 'SUCCEEDED')).toBe(true);
    for (const count of counts) expect(count).toBeLessThan(HISTORY_EVENT_LIMIT);
    const handedOver = generations.slice(0, -1);
    for (const execution of handedOver) expect(JSON.parse(execution.output ?? '{}')).toMatchObject({ status: 'HAND_OVER' });
    const backOffs = (execution: LocalExecution) =>
      execution.history.flatMap((event) => {
        const output =
          event.type === 'StateExited' && event.state.name === StateName.Poll
            ? (event.state.output as { status?: string; backOffSeconds?: number; fault?: unknown } | undefined)
            : undefined;
        // A caught entry exits with the state it was given (and the fault): only the fault mode's own answer counts.
        return output?.status === 'BACK_OFF' && output.fault === undefined ? [output.backOffSeconds ?? 0] : [];
      });
    const waited = generations.flatMap((execution) => backOffs(execution)).reduce((sum, seconds) => sum + seconds, 0);
    expect(backOffs(generations[1] as LocalExecution).length).toBeGreaterThan(250);
    console.info(
      `[history budget] generations ${generations.length}; AWS history events per generation ${counts.join(', ')}; back-offs per generation ${generations.map((execution) => backOffs(execution).length).join(', ')}; simulated back-off ${(waited / 3600).toFixed(1)} h`,
    );
  });
});
