import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CxoneSimulator, startCxoneSimulator } from '../../local/cxone-simulator/index.js';
import { type DashboardServer, startDashboardServer } from '../../local/dashboard/dashboard-server.js';
import { type LocalTwin, startLocalTwin } from '../../local/twin/local-twin.js';

/**
 * The dashboard page in a real browser during a twin run: Debian's chromium (installed by the test
 * set-up, .ci/run; never downloaded by npm) driven by playwright-core. Saves a screenshot: set
 * UPDATE_DASHBOARD_SCREENSHOT=1 to refresh the README's docs/dashboard.png.
 */
const browserPath = process.env.CHROMIUM_PATH ?? findChromium();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const screenshot = process.env.UPDATE_DASHBOARD_SCREENSHOT ? join(root, 'docs', 'dashboard.png') : join(root, 'tmp', 'dashboard.png');

function findChromium(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

if (!browserPath)
  console.warn('dashboard browser test skipped: no chromium on this machine (apt-get install -y chromium; .ci/run installs it when run as root)');

describe.skipIf(!browserPath)('the dashboard page in chromium', () => {
  let simulator: CxoneSimulator;
  let twin: LocalTwin;
  let dashboard: DashboardServer;
  const agentIds = ['5101', '5102', '5103'];

  beforeAll(async () => {
    simulator = await startCxoneSimulator({ agents: 1, seed: 5 });
    twin = await startLocalTwin({ cxoneIssuerUrl: simulator.issuerUrl, credentials: simulator.credentials, config: { pollTimeoutSeconds: 1 } });
    dashboard = await startDashboardServer(twin);
    for (const agentId of agentIds) {
      simulator.loginAgent(agentId);
      await twin.startSession(agentId);
    }
    // One session ends normally, so the executions widget has more than starts.
    const deadline = Date.now() + 60_000;
    while (twin.bus.stats.accepted < 15 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    simulator.logoutAgent(agentIds[0] as string);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }, 180_000);

  afterAll(async () => {
    await dashboard?.close();
    await twin?.close();
    await simulator?.close();
  });

  it('renders every widget of the stack with data and the alarms with their states, and saves a screenshot', async () => {
    const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1500 } });
      await page.goto(dashboard.url);
      await page.waitForSelector('body[data-ready="true"]');
      // Wait for a refresh after the last sample so every chart is drawn.
      await page.waitForFunction("document.querySelectorAll('.widget.metric canvas').length === document.querySelectorAll('.widget.metric').length");
      const widgets = [];
      for (const element of await page.locator('.widget').all()) {
        widgets.push({
          type: await element.getAttribute('data-type'),
          title: (await element.locator('h2').count()) > 0 ? ((await element.locator('h2').textContent()) ?? '') : '',
          points: Number((await element.getAttribute('data-points')) ?? 0),
        });
      }
      expect(widgets.map((widget) => widget.type)).toEqual(dashboard.dashboard.widgets.map((widget) => widget.type));
      const metricWidgets = widgets.filter((widget) => widget.type === 'metric');
      // A standard run: sessions, polls, events, Lambda duration and concurrency have data.
      for (const title of [
        'Active sessions',
        'Session executions',
        'Events published per detail type',
        'Poll latency (ms)',
        'Lambda duration p99 (ms)',
        'Lambda concurrency',
      ]) {
        expect(metricWidgets.find((widget) => widget.title === title)?.points, title).toBeGreaterThan(0);
      }
      const alarms = await Promise.all((await page.locator('aside .alarm').all()).map((element) => element.getAttribute('data-state')));
      expect(alarms).toHaveLength(dashboard.observability.alarms.states.length);
      expect(alarms.every((state) => state === 'OK' || state === 'ALARM' || state === 'INSUFFICIENT_DATA')).toBe(true);
      expect(alarms).toContain('OK');
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
