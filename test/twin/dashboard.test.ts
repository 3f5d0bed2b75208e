import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpsClients, locateStack, type OpsClients, restartAgent, sessionsOf, statusOf, stopSessions } from '../../cli/ops/operations.js';
import type { RouteInput } from '../../infra/routes-config.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { renderDashboard } from '../../local/dashboard/dashboard-model.js';
import { type DashboardServer, startDashboardServer } from '../../local/dashboard/dashboard-server.js';
import type { AlarmState } from '../../local/metrics/alarms.js';
import { observeTwin, type TwinObservability } from '../../local/metrics/observe-twin.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';

/**
 * The stack's own dashboard and alarms on the twin: every widget of the synthesized dashboard body
 * shows data from a run, every alarm of the template fires when its condition is provoked and
 * returns to OK after, and the ops CLI works against the twin's endpoint with real sessions.
 */

/** Lines of the dashboard a twin run cannot feed, with why (also listed in the README). */
const LINES_NOT_EXERCISED: Record<string, string> = {
  'Session executions / timed out': 'an execution times out only after its state machine timeout (none is set: a year for Standard workflows)',
  'Session executions / restarted by discovery':
    'discovery is off in this run (sessions are started as npm run session does); discovery restarts are proven by the discovery twin test',
  'Session executions / starts failed (retried next run)': 'as restarted by discovery',
  'Lambda throttles and errors / Redrive errors': 'the redrive fails only when S3 or EventBridge fails while it lists or deletes; not provoked here',
  'Lambda throttles and errors / TokenRefresher errors':
    "the refresher fails only when CXone's token endpoint or Secrets Manager fails; the simulator's faults are on get-next-event",
};

/** Lines a run may or may not feed: the parked body's re-poll reports RESYNCED only when its invocation's metrics are flushed in time. */
const LINES_MAYBE_EXERCISED: Record<string, string> = {
  'Polls by outcome (EVENTS = 200, NO_EVENTS = 304, ENDED = 409 or session end) / RESYNCED': 'the fault matrix proves resyncs',
  'Publish failures and parked events / resyncs': 'as RESYNCED',
};

/** Alarms that cannot be provoked locally, with why (none of this template's; the discovery alarm is absent with discovery off). */
const ALARMS_NOT_EXERCISED: Record<string, string> = {
  RedriveErrorsAlarm:
    'as the refresher errors alarm: errors of the scheduled redrive in two consecutive 5-minute periods (the twin does not scale CloudWatch time)',
  TokenRefresherErrorsAlarm:
    'needs refresher errors in two consecutive 5-minute periods: a test would wait five real minutes (the twin does not scale CloudWatch time)',
};

const apiKey = { type: 'apiKey', headerName: 'x-api-key', secretName: 'cxone-eventbridge/local/webhook' } as const;
const ROUTES: RouteInput[] = [
  {
    name: 'agent-state-webhook',
    detailTypes: ['AgentState'],
    target: { type: 'apiDestination', endpoint: 'https://hooks.example.com/agent-state', connection: apiKey },
  },
  {
    name: 'failing-webhook',
    detailTypes: ['CustomEvent'],
    target: { type: 'apiDestination', endpoint: 'https://hooks.example.com/failing', connection: apiKey },
  },
];
/** Agents polling: the concurrency alarm's threshold is 80 % of the configured quota of 10 (one agent logs out early). */
const AGENTS = 10;

let sink: Server;
let simulator: CxoneSimulator;
let twin: LocalTwin;
let observability: TwinObservability;
let dashboard: DashboardServer;
let clients: OpsClients;
const testStarted = Date.now();
const agentIds = Array.from({ length: AGENTS }, (_, n) => String(4100 + n));

beforeAll(async () => {
  // The failing route's endpoint answers 500: EventBridge retries, then dead-letters. The agent-state
  // endpoint fails until a delivery has been dead-lettered, then works.
  sink = createServer((request, response) => {
    request.resume();
    const rule = request.headers['x-cxone-twin-rule'];
    const fail = rule === 'local-failing-webhook' || (rule === 'local-agent-state-webhook' && (twin.targets.stats.get(rule)?.deadLettered ?? 0) === 0);
    request.on('end', () => response.writeHead(fail ? 500 : 200).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  simulator = await startCxoneSimulator({ agents: 1, seed: 7 });
  twin = await startLocalTwin({
    cxoneIssuerUrl: simulator.issuerUrl,
    credentials: simulator.credentials,
    config: { pollTimeoutSeconds: 1, routes: ROUTES, lambdaConcurrencyLimit: 10, handOverAfterPolls: 6 },
    sinkUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`,
  });
  // Alarms are evaluated at the times the test chooses.
  observability = observeTwin(twin, { evaluateEveryMs: 0 });
  dashboard = await startDashboardServer(twin, { observability });
  // The twin put its endpoints (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB) and credentials in the environment.
  clients = createOpsClients({ region: 'us-east-1' });

  // A standard run: agents log in and are polled, events flow to the bus and the routes.
  for (const agentId of agentIds) {
    simulator.loginAgent(agentId);
    await twin.startSession(agentId);
  }
  simulator.enqueueEvents(agentIds[0] as string, [{ IISHost: 'H', VCHost: 'H', type: 'CustomEvent', eventName: 'to-the-failing-route', data: 'x' }]);
  const routeStats = (rule: string) => twin.targets.stats.get(rule) ?? { delivered: 0, deadLettered: 0 };
  await waitFor(
    () => routeStats('local-failing-webhook').deadLettered > 0 && routeStats('local-agent-state-webhook').deadLettered > 0,
    'dead-lettered deliveries',
  );
  simulator.enqueueEvents(agentIds[0] as string, [{ IISHost: 'H', VCHost: 'H', Type: 'AgentState', CurrentState: 'Available' }]);
  await waitFor(() => routeStats('local-agent-state-webhook').delivered > 0, 'a delivery');
  // EventBridge refuses entries for a while as the agent logs out: the session ends with events still to publish.
  twin.bus.injectFault({ kind: 'entries', errorCode: 'InternalFailure' }, 12);
  simulator.enqueueEvents(agentIds[9] as string, [{ IISHost: 'H', VCHost: 'H', type: 'CustomEvent', eventName: 'refused-for-a-while', data: 'x' }]);
  simulator.logoutAgent(agentIds[9] as string);
  await waitFor(() => hasMetric('PollOutcomes', 'PUBLISH_PENDING'), 'a publish left pending');
  twin.bus.clearFaults();
  // A dropped connection: the poll fails (ERROR), Step Functions retries it.
  simulator.injectFault({ agentId: agentIds[5] as string, count: 1, fault: { drop: true } });
  await waitFor(() => [...twin.stepFunctions.executions.values()].some((execution) => execution.name.endsWith('-g2')), 'a hand-over');
}, 240_000);

afterAll(async () => {
  await dashboard?.close();
  observability?.stop();
  await twin?.close();
  await simulator?.close();
  await new Promise((resolve) => sink?.close(resolve));
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether the poller emitted this metric (with this outcome). */
function hasMetric(metricName: string, outcome?: string): boolean {
  return observability.store
    .list({ namespace: 'CxoneEventBridge', metricName })
    .some((metric) => outcome === undefined || metric.dimensions.outcome === outcome);
}

function alarm(logicalIdPart: string): AlarmState {
  const found = observability.alarms.states.filter((each) => each.definition.logicalId.includes(logicalIdPart));
  if (found.length !== 1) throw new Error(`expected one alarm matching ${logicalIdPart}, found ${found.length}`);
  return found[0] as AlarmState;
}

/** Evaluates at `at` (after sampling the services there) and returns the alarm's state. */
function stateAt(logicalIdPart: string, at = Date.now()): string {
  observability.metrics.sample(at);
  observability.alarms.evaluate(at);
  return alarm(logicalIdPart).state;
}

/**
 * A later time, in a period no check has used yet: samples taken there (queue depths, concurrency)
 * must not share a period with those of another check.
 */
let future = Date.now();
const later = () => {
  future = Math.max(future + 2 * 60_000, Date.now() + 3 * 60_000);
  return future;
};

describe('alarms of the template, provoked on the twin', () => {
  it('reads every alarm of the synthesized template', () => {
    expect(observability.alarms.states.map((each) => each.definition.logicalId).sort()).toEqual(
      Object.entries(twin.stack.template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
        .map(([id]) => id)
        .sort(),
    );
  });

  it('fires the failed-executions alarm on a failed execution and returns to OK after', async () => {
    // An execution started with input the poller cannot use fails (ConfigurationError goes to Fail).
    const { executionArn } = twin.stepFunctions.startExecution(twin.stack.stateMachine.arn, 'local-bad-input', JSON.stringify({ nonsense: true }));
    await twin.stepFunctions.executions.get(executionArn)?.done;
    expect(twin.stepFunctions.executions.get(executionArn)?.status).toBe('FAILED');
    expect(stateAt('FailedExecutionsAlarm')).toBe('ALARM');
    expect(stateAt('FailedExecutionsAlarm', later())).toBe('OK');
  });

  it('fires the parked-events and parked-items-waiting alarms on a parked item, and clears them once it is gone', async () => {
    // An unreadable 200 body can never be published: it is parked whole in the large-event bucket.
    simulator.injectFault({ agentId: agentIds[1] as string, count: 1, fault: { status: 200, body: '<html>gateway error</html>' } });
    await waitFor(() => twin.s3.objects(twin.largeEventBucket).size > 0 && hasMetric('EventsParked'), 'the parked item');
    await waitFor(
      () =>
        observability.store
          .query({
            namespace: 'CxoneEventBridge',
            metricName: 'EventsParked',
            dimensions: { service: 'cxone-eventbridge' },
            statistic: 'Sum',
            periodSeconds: 60,
            startMs: 0,
            endMs: Number.MAX_SAFE_INTEGER,
          })
          .some((point) => point.value > 0),
      'the parked count',
    );
    // The scheduled redrive counts what waits (a malformed body never leaves by itself).
    await twin.runSchedules();
    await waitFor(() => hasMetric('ParkedItemsWaiting'), 'the waiting count');
    expect(stateAt('ParkedEventsAlarm')).toBe('ALARM');
    expect(stateAt('DeadLettersDepthAlarm')).toBe('ALARM');
    // Three minutes on the parked count is quiet, while the item still waits.
    expect(stateAt('ParkedEventsAlarm', later())).toBe('OK');
    // An operator removes it (what `npm run parked` would, after looking): the next count is 0.
    const s3 = new S3Client({});
    for (const key of twin.s3.objects(twin.largeEventBucket).keys()) await s3.send(new DeleteObjectCommand({ Bucket: twin.largeEventBucket, Key: key }));
    await twin.runSchedules();
    later();
    expect(stateAt('DeadLettersDepthAlarm', later())).toBe('OK');
  });

  it.each([
    ['local-failing-webhook', 'FailingWebhook', 'failingwebhook'],
    ['local-agent-state-webhook', 'AgentStateWebhook', 'agentstatewebhook'],
  ])("fires route %s's failed-invocations and dead-letter alarms when its target failed, and clears them once drained", async (rule, pascal, lower) => {
    await twin.targets.settled();
    expect(stateAt(`${pascal}FailedInvocationsAlarm`)).toBe('ALARM');
    expect(stateAt(`${lower}DeadLetterAlarm`)).toBe('ALARM');
    expect(stateAt(`${pascal}FailedInvocationsAlarm`, later())).toBe('OK');
    expect(stateAt(`${lower}DeadLetterAlarm`, later())).toBe('ALARM');
    const routeDlq = twin.stack.rules.find((each) => each.name === rule)?.targets[0]?.deadLetterQueueUrl as string;
    twin.sqs.messages(routeDlq).splice(0);
    expect(stateAt(`${lower}DeadLetterAlarm`, later())).toBe('OK');
  });

  it('fires the throttles alarms when the account has no concurrency left, and returns to OK after', async () => {
    const throttles = () => observability.store.list({ namespace: 'AWS/Lambda', metricName: 'Throttles' }).length;
    observability.metrics.setAccountConcurrency(0);
    await twin.runSchedules().catch(() => undefined);
    const pollerThrottled = () =>
      observability.store.list({ namespace: 'AWS/Lambda', metricName: 'Throttles' }).some((metric) => /Poller/.test(String(metric.dimensions.FunctionName)));
    await waitFor(() => throttles() >= 2 && pollerThrottled(), 'throttled polls');
    observability.metrics.setAccountConcurrency(1_000);
    // With concurrency back, the refresher runs as scheduled.
    await twin.runSchedules();
    expect(stateAt('PollerThrottlesAlarm')).toBe('ALARM');
    expect(stateAt('TokenRefresherThrottlesAlarm')).toBe('ALARM');
    expect(stateAt('PollerThrottlesAlarm', later())).toBe('OK');
    expect(stateAt('TokenRefresherThrottlesAlarm', later())).toBe('OK');
  });

  it.each([
    ['SessionsDegradedAlarm', 'PollBackOffs', { status: 503 }, 4, 12],
    ['CxoneRefusesCredentialsAlarm', 'PollsRefused', { status: 403 }, 1, 22],
  ] as const)('fires %s when polling backs off after a fault, and returns to OK after its window', async (alarmId, metricName, fault, count, windowMinutes) => {
    simulator.injectFault({ agentId: agentIds[alarmId === 'SessionsDegradedAlarm' ? 2 : 3] as string, count, fault });
    await waitFor(() => hasMetric(metricName), `a back-off (${metricName})`);
    expect(stateAt(alarmId)).toBe('ALARM');
    future = Math.max(future, Date.now()) + windowMinutes * 60_000;
    expect(stateAt(alarmId, future)).toBe('OK');
  });

  it('fires the concurrency alarm while more than 80 % of the quota is polling', async () => {
    await waitFor(() => {
      observability.metrics.sample();
      return stateAt('ConcurrencyAlarm') === 'ALARM';
    }, `${AGENTS} concurrent polls`);
    expect(alarm('ConcurrencyAlarm').definition.threshold).toBe(8);
  });

  it('has provoked every alarm of the template into ALARM and back, except those listed', () => {
    const fired = observability.alarms.states
      .filter((each) => each.history.some((change) => change.state === 'ALARM'))
      .map((each) => each.definition.logicalId);
    const missing = observability.alarms.states
      .map((each) => each.definition.logicalId)
      .filter((id) => !fired.includes(id) && !Object.keys(ALARMS_NOT_EXERCISED).some((part) => id.includes(part)));
    expect(missing).toEqual([]);
  });
});

describe('the ops CLI against the twin', () => {
  it('finds the stack by name and reports status', async () => {
    const stack = await locateStack(clients, observability.stackName, 'us-east-1');
    expect(stack.stateMachineArn).toBe(twin.stack.stateMachine.arn);
    expect(stack.alarmNames).toHaveLength(observability.alarms.states.length);
    const status = await statusOf(clients, stack, undefined, () => undefined);
    // Every agent still logged in has its poller (one logged out early, above; a hand-over may briefly show two generations).
    expect(status.sessions.polling).toBeGreaterThanOrEqual(simulator.agents().filter((agent) => agent.loggedIn).length);
    expect(status.sessions.failedLast24h).toBe(1);
    expect(status.events.publishedLastHour).toBeGreaterThan(0);
    expect(status.events.parkedLastHour).toBe(1);
  });

  it('lists sessions of one agent, restarts its poller and stops it, leaving the CXone session alone', async () => {
    const stack = await locateStack(clients, observability.stackName, 'us-east-1');
    const agentId = agentIds[2] as string;
    const before = await sessionsOf(clients, stack, { agentId }, () => undefined);
    expect(before.filter((session) => session.running)).toHaveLength(1);
    const restarted = await restartAgent(clients, stack, agentId);
    expect(restarted.started).toMatch(/-r1$/);
    const after = await sessionsOf(clients, stack, { agentId }, () => undefined);
    expect(after.filter((session) => session.running).map((session) => session.execution)).toEqual([restarted.started]);
    expect(after.find((session) => session.execution === restarted.stopped)?.state).toBe('stopped');
    // Whatever generation was running when it was restarted, no other poller of the login runs.
    await stopSessions(
      clients,
      stack,
      after.filter((session) => session.running),
      () => undefined,
    );
    expect((await sessionsOf(clients, stack, { agentId }, () => undefined)).filter((session) => session.running)).toEqual([]);
    expect(simulator.agents().find((agent) => agent.agentId === agentId)?.loggedIn).toBe(true);
  });

  it('prints one-line errors for a missing stack and refuses to stop without confirmation', async () => {
    const run = (args: string[]) =>
      promisify(execFile)('npx', ['tsx', 'cli/ops.ts', ...args], {
        env: { ...process.env, AWS_ENDPOINT_URL: twin.aws.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    const missing = await run(['status', '--stack', 'CxoneEventBridge-nope']);
    expect(missing).toMatchObject({ code: 1, stderr: 'ops: stack CxoneEventBridge-nope does not exist in us-east-1: check --stack/--tenant and --region\n' });
    const stop = await run(['stop', '--all', '--stack', observability.stackName]);
    expect(stop).toMatchObject({ code: 1, stderr: expect.stringContaining('ops: stopping needs a confirmation') });
    const status = await run(['status', '--json', '--stack', observability.stackName]);
    expect(JSON.parse(status.stdout)).toMatchObject({ stackName: observability.stackName, sessions: { polling: expect.any(Number) } });
  });
});

describe('the dashboard of the template, on the twin', () => {
  it('shows data in every widget, and in every line but those listed', async () => {
    // One agent logs out (an ended session), one poller is stopped: the run's last kinds of data.
    simulator.logoutAgent(agentIds[3] as string);
    await waitFor(() => hasMetric('PollOutcomes', 'ENDED'), 'a session that ended');
    const stack = await locateStack(clients, observability.stackName, 'us-east-1');
    await stopSessions(
      clients,
      stack,
      await sessionsOf(clients, stack, { agentId: agentIds[4] as string, runningOnly: true }, () => undefined),
      () => undefined,
    );
    observability.metrics.sample();
    const widgets = renderDashboard(dashboard.dashboard, observability.store, observability.alarms, testStarted - 60_000, Date.now() + 60_000);
    const empty: string[] = [];
    for (const widget of widgets.filter((each) => each.type === 'metric')) {
      expect(
        widget.series?.some((series) => series.points.length > 0),
        `widget "${widget.title}" shows data`,
      ).toBe(true);
      for (const series of widget.series ?? []) if (series.points.length === 0) empty.push(`${widget.title} / ${series.label}`);
    }
    expect(empty.filter((line) => !(line in LINES_MAYBE_EXERCISED)).sort()).toEqual(Object.keys(LINES_NOT_EXERCISED).sort());
    expect(widgets.filter((each) => each.type === 'alarm').flatMap((each) => each.alarms ?? [])).toHaveLength(observability.alarms.states.length);
  });

  it('serves the page, ECharts from node_modules and the state on 127.0.0.1', async () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(dashboard.url)).text()).toContain('<script src="/echarts.min.js"></script>');
    expect((await fetch(new URL('/echarts.min.js', dashboard.url))).status).toBe(200);
    const state = (await (await fetch(new URL('/api/state', dashboard.url))).json()) as { widgets: unknown[]; alarms: unknown[] };
    expect(state.widgets).toHaveLength(dashboard.dashboard.widgets.length);
    expect(state.alarms).toHaveLength(observability.alarms.states.length);
  });
});
