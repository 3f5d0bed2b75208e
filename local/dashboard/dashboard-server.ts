import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { observeTwin, type TwinObservability } from '../metrics/observe-twin.js';
import type { ObservedTwin } from '../metrics/observed-twin.js';
import { readDashboard, renderDashboard, type StackDashboard } from './dashboard-model.js';
import { DASHBOARD_PAGE } from './dashboard-page.js';

export interface DashboardServer {
  url: string;
  observability: TwinObservability;
  dashboard: StackDashboard;
  close(): Promise<void>;
}

/** How far back the page looks: the dashboard's own default (`start: -PT3H`) is longer than most local runs. */
const WINDOW_MS = 3 * 60 * 60 * 1000;

/**
 * Serves the stack's own dashboard for a running twin on 127.0.0.1: the page, ECharts from
 * node_modules (no CDN), and `/api/state` with every widget's data and every alarm's state, which the
 * page polls. The server does not keep the process alive and closes with `close()`.
 */
export async function startDashboardServer(twin: ObservedTwin, options: { port?: number; observability?: TwinObservability } = {}): Promise<DashboardServer> {
  const observability = options.observability ?? observeTwin(twin);
  const dashboard = readDashboard(twin.stack);
  const startedAt = observability.store.now();
  const echarts = readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'));
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(DASHBOARD_PAGE);
    } else if (path === '/echarts.min.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' });
      response.end(echarts);
    } else if (path === '/api/state') {
      const now = observability.store.now();
      const alarms = observability.alarms.evaluate(now);
      const state = {
        dashboardName: dashboard.name,
        now,
        startMs: Math.max(startedAt - 60_000, now - WINDOW_MS),
        widgets: renderDashboard(dashboard, observability.store, observability.alarms, now - WINDOW_MS, now + 60_000),
        alarms: alarms.map((alarm) => ({
          name: alarm.definition.name,
          description: alarm.definition.description,
          state: alarm.state,
          reason: alarm.reason,
          updatedAt: alarm.updatedAt,
        })),
      };
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(state));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  server.unref();
  server.keepAliveTimeout = 1_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    observability,
    dashboard,
    close: () =>
      new Promise<void>((resolve) => {
        if (!options.observability) observability.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `npm start`'s dashboard: serves it for the twin and prints its address. */
export async function serveTwinDashboard(twin: ObservedTwin, print: (line: string) => void, cxoneIssuerUrl?: string): Promise<void> {
  const server = await startDashboardServer(twin);
  print(`dashboard    ${server.url} (the stack's dashboard and alarms, live)`);
  // DynamoDB (the checkpoint table, which `ops roll` writes to) has its own local endpoint.
  const dynamoDb = process.env.AWS_ENDPOINT_URL_DYNAMODB ? ` AWS_ENDPOINT_URL_DYNAMODB=${process.env.AWS_ENDPOINT_URL_DYNAMODB}` : '';
  const issuer = cxoneIssuerUrl ? ` CXONE_ISSUER_URL=${cxoneIssuerUrl}` : '';
  print(`ops CLI      AWS_ENDPOINT_URL=${twin.aws.endpoint}${dynamoDb}${issuer} npm run ops -- status --stack ${server.observability.stackName}`);
}
