import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isLifecycleDetailType } from '../../contract/lifecycle.js';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import type { EventBridgeEvent } from '../../local/eventbridge/local-event-bus.js';
import { formatSummary, runTwin } from '../../local/twin/twin-run.js';

type Detail = { metadata: { agentId: string; sequence: number; platformSessionId: string }; data: unknown };
/** The CXone events an NDJSON file holds (the bridge's lifecycle events left out). */
const readNdjson = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as EventBridgeEvent)
    .filter((event) => !isLifecycleDetailType(event['detail-type']));

describe('a timed run of the whole bridge', () => {
  it('puts every event the simulator emitted on the bus exactly once, in per-session order', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'twin-run-'));
    let simulator: CxoneSimulator | undefined;
    // Act
    const summary = await runTwin({
      agents: 3,
      durationSeconds: 12,
      timeScale: 120,
      seed: 5,
      pollTimeoutSeconds: 20,
      eventsOut: join(dir, 'e.ndjson'),
      summaryOut: join(dir, 's.json'),
      onReady: (context) => {
        simulator = context.simulator;
      },
    });
    // Assess
    const events = readNdjson(join(dir, 'e.ndjson'));
    const emitted = simulator?.emittedEvents() ?? [];
    expect(emitted.length).toBeGreaterThan(20);
    for (const agentId of new Set(emitted.map((event) => event.agentId))) {
      const onBus = events.map((event) => event.detail as Detail).filter((detail) => detail.metadata.agentId === agentId);
      const sessions = new Set(emitted.filter((event) => event.agentId === agentId).map((event) => event.sessionId));
      for (const sessionId of sessions) {
        const expected = emitted.filter((event) => event.agentId === agentId && event.sessionId === sessionId).map((event) => event.event);
        const delivered = onBus.filter((detail) => detail.metadata.platformSessionId === sessionId);
        expect(delivered.map((detail) => detail.data)).toEqual(expected);
        expect(delivered.map((detail) => detail.metadata.sequence)).toEqual(expected.map((_, index) => index + 1));
      }
    }
    expect(events.length).toBe(emitted.length);
    expect(summary).toMatchObject({ events: { lost: 0, duplicates: 0, onBus: emitted.length }, sessions: { failed: 0, running: 0 } });
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toEqual(summary);
  });
});

describe('counts of a run', () => {
  it('counts a login once across its hand-over generations, and the last progress line agrees with the summary on polls', async () => {
    // Prepare: an execution hands over after 2 polls, so every session has several generations.
    const lines: string[] = [];
    // Act
    const summary = await runTwin({
      agents: 2,
      durationSeconds: 6,
      timeScale: 240,
      seed: 3,
      pollTimeoutSeconds: 1,
      twinOptions: { config: { handOverAfterPolls: 2 } },
      progress: (line) => lines.push(line),
    });
    // Assess
    expect(summary.executions.handOvers).toBeGreaterThan(0);
    expect(summary.executions.total).toBe(summary.sessions.started + summary.executions.handOvers);
    expect(summary.sessions).toMatchObject({ started: 2, succeeded: 2, failed: 0, running: 0 });
    expect(lines.at(-1)).toContain(`polls ${summary.polls.total} `);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('on an external CXone too, the last progress line and the summary agree on polls, though polls are in flight at the end', async () => {
    // Prepare: a CXone (the simulator, as an external one) whose logged-in agents' pollers hold long polls.
    const cxone = await startCxoneSimulator({ agents: 2, seed: 4 });
    for (const agentId of cxone.agentIds) cxone.loginAgent(agentId);
    const lines: string[] = [];
    try {
      // Act
      const summary = await runTwin({
        external: { issuerUrl: cxone.issuerUrl, agentIds: [...cxone.agentIds], credentials: cxone.credentials },
        durationSeconds: 5,
        pollTimeoutSeconds: 2,
        progress: (line) => lines.push(line),
      });
      // Assess
      expect(summary).toMatchObject({ mode: 'external', agents: 2, sessions: { started: 2, failed: 0 } });
      expect(summary.polls.total).toBeGreaterThan(0);
      expect(lines.at(-1)).toMatch(new RegExp(`\\| polls ${summary.polls.total}( |$)`));
    } finally {
      await cxone.close();
    }
  });

  it('shows the CXone events and the bridge’s own lifecycle events apart, as the events file holds them', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'twin-counts-'));
    const lines: string[] = [];
    // Act
    const summary = await runTwin({
      agents: 2,
      durationSeconds: 4,
      timeScale: 240,
      seed: 6,
      pollTimeoutSeconds: 2,
      eventsOut: join(dir, 'e.ndjson'),
      progress: (line) => lines.push(line),
    });
    // Assess: every execution published PollingStarted and PollingEnded, and the file has both kinds.
    const all = readFileSync(join(dir, 'e.ndjson'), 'utf8').trim().split('\n');
    const cxoneEvents = readNdjson(join(dir, 'e.ndjson'));
    expect(summary.events.onBus).toBe(cxoneEvents.length);
    expect(summary.events.lifecycleOnBus).toBe(all.length - cxoneEvents.length);
    expect(summary.events.lifecycleOnBus).toBeGreaterThanOrEqual(2 * summary.executions.total);
    expect(lines.at(-1)).toContain(`bus ${summary.events.onBus} cxone + ${summary.events.lifecycleOnBus} own`);
    const text = formatSummary(summary);
    expect(text).toContain(`${summary.events.onBus} CXone events on the bus`);
    expect(text).toContain(`lifecycle    ${summary.events.lifecycleOnBus} events of the bridge's own on the bus`);
  });
});

describe('npm start', () => {
  it('runs for --duration, writes full EventBridge events and a summary, and exits 0', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/twin/cli.ts',
        '--agents',
        '2',
        '--duration',
        '6',
        '--poll-timeout',
        '10',
        '--events-out',
        join(dir, 'e.ndjson'),
        '--summary',
        join(dir, 's.json'),
      ],
      { timeout: 90_000 },
    );
    // Assess
    expect(stdout).toMatch(/sessions \d+\/2 \| polls \d+/);
    expect(stdout).toMatch(/lost 0, duplicates 0/);
    // The stack's dashboard is served on loopback while it runs.
    expect(stdout).toMatch(/^dashboard {4}http:\/\/127\.0\.0\.1:\d+\/ /m);
    const events = readNdjson(join(dir, 'e.ndjson'));
    expect(events.length).toBeGreaterThan(5);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version']);
      expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(summary).toMatchObject({ mode: 'simulator', agents: 2, sessions: { started: 2, succeeded: 2 }, events: { lost: 0 } });
    expect(summary.latencyMs).toHaveProperty('p99');
  });

  it('refuses plain http to a non-loopback CXone with a clear message', async () => {
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'local/twin/cli.ts', '--cxone-issuer', 'http://cxone.example.com', '--agent-ids', '1'],
      { timeout: 30_000 },
    );
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/must use https/) });
  });

  it('says once that an unreachable CXone refuses every start, backs off, counts the attempts and exits 1', async () => {
    // Prepare: a loopback port nobody listens on, and credentials of the right shape.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'npm-start-unreachable-'));
    const credentials = { CXONE_CLIENT_ID: 'id', CXONE_CLIENT_SECRET: 'secret', CXONE_ACCESS_KEY_ID: 'key', CXONE_ACCESS_KEY_SECRET: 'key-secret' };
    const durationSeconds = 6;
    // Act
    const args = ['--import', 'tsx', 'local/twin/cli.ts', '--cxone-issuer', `http://127.0.0.1:${port}`, '--agent-ids', '1,2'];
    args.push('--duration', String(durationSeconds), '--no-dashboard', '--summary', join(dir, 's.json'));
    const run = promisify(execFile)(process.execPath, args, { timeout: 90_000, env: { ...process.env, ...credentials } });
    const failure = (await run.then(
      () => expect.unreachable('npm start exited 0 although no session could be started'),
      (error: unknown) => error,
    )) as { code: number; stdout: string; stderr: string };
    // Assess: exit 1, the failure said once, and one count that the progress line, the summary and the last line agree on.
    expect(failure.code).toBe(1);
    expect(failure.stdout.match(/could not start polling agent/g)).toHaveLength(1);
    const lastLine = failure.stderr.trimEnd().split('\n').at(-1) ?? '';
    const attempts = Number(/^npm start: no session could be started \((\d+) failed attempts; last: CXone .*\)$/.exec(lastLine)?.[1]);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(failure.stdout).toMatch(new RegExp(`failed starts ${attempts} [^\\n]*\\n\\nsummary`));
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ sessions: { started: 0, startFailures: attempts } });
    // Back-off: each agent's start is retried after 1 s, then 2 s, 4 s … so at most
    // 1 + log2(duration + 1) tries per agent; retrying on every 250 ms tick would be four times that.
    expect(attempts).toBeLessThanOrEqual(2 * (1 + Math.floor(Math.log2(durationSeconds + 1))));
  });
});
