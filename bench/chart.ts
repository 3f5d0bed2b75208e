import type { CostBreakdown } from './cost-model.js';
import type { BenchResults } from './report.js';

const WIDTH = 960;
const HEIGHT = 420;
const PANEL = { top: 56, bottom: 350, latencyLeft: 70, latencyRight: 450, costLeft: 560, costRight: 920 };
const COLORS = { p50: '#1b7837', p95: '#2166ac', p99: '#b2182b', stepFunctions: '#762a83', lambda: '#e08214', eventBridge: '#1b7837', rest: '#999999' };

/**
 * The benchmark chart as a hand-written SVG: emit-to-bus latency against session count (state
 * machine solid, bare loop dashed, log scales, the 250 ms p99 target), and the cost of an agent-hour
 * split by service for this design and the naive one, with the idle floor.
 */
export function renderChart(results: BenchResults): string {
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">cxone-eventbridge on the local twin (${escapeXml(results.machine.cpuModel)}, ${results.machine.nproc} cores, Node ${results.machine.node})</text>`,
  );
  parts.push(...latencyPanel(results), ...costPanel(results));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function latencyPanel(results: BenchResults): string[] {
  const { latencyLeft: left, latencyRight: right, top, bottom } = PANEL;
  const sessions = results.sizes.map((size) => size.sessions);
  const xMin = Math.log10(Math.min(1, ...sessions));
  const xMax = Math.log10(Math.max(1_000, ...sessions));
  const yMin = Math.log10(0.5);
  const yMax = Math.log10(500);
  const x = (value: number) => left + ((Math.log10(value) - xMin) / (xMax - xMin || 1)) * (right - left);
  const y = (value: number) => bottom - ((Math.log10(Math.max(0.5, value)) - yMin) / (yMax - yMin)) * (bottom - top);
  const out: string[] = [`<text x="${(left + right) / 2}" y="44" text-anchor="middle" font-weight="bold">Latency, simulator emit → bus accept</text>`];
  for (const tick of [0.5, 1, 2, 5, 10, 20, 50, 100, 250, 500]) {
    out.push(
      `<line x1="${left}" y1="${y(tick)}" x2="${right}" y2="${y(tick)}" stroke="#eeeeee"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick}</text>`,
    );
  }
  for (const tick of [1, 10, 100, 1_000]) {
    out.push(
      `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${bottom}" stroke="#eeeeee"/>`,
      `<text x="${x(tick)}" y="${bottom + 16}" text-anchor="middle">${tick.toLocaleString('en-US')}</text>`,
    );
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#444444"/>`,
    `<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle">concurrent sessions</text>`,
    `<text x="18" y="${(top + bottom) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(top + bottom) / 2})">milliseconds (log)</text>`,
    `<line x1="${left}" y1="${y(250)}" x2="${right}" y2="${y(250)}" stroke="${COLORS.p99}" stroke-dasharray="2 3"/>`,
    `<text x="${right - 4}" y="${y(250) - 4}" text-anchor="end" fill="${COLORS.p99}">p99 target 250 ms</text>`,
  );
  for (const rank of ['p50', 'p95', 'p99'] as const) {
    for (const [series, dash] of [
      ['orchestratedMs', ''],
      ['bareMs', '6 4'],
    ] as const) {
      const points = results.sizes
        .filter((size) => size[series][rank] != null)
        .map((size) => `${x(size.sessions).toFixed(1)},${y(size[series][rank] as number).toFixed(1)}`);
      if (points.length === 0) continue;
      out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS[rank]}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
      if (!dash) for (const point of points) out.push(`<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="3" fill="${COLORS[rank]}"/>`);
    }
  }
  const legendY = bottom + 52;
  out.push(
    ...(['p50', 'p95', 'p99'] as const).map(
      (rank, index) =>
        `<line x1="${left + index * 70}" y1="${legendY}" x2="${left + index * 70 + 20}" y2="${legendY}" stroke="${COLORS[rank]}" stroke-width="2"/><text x="${left + index * 70 + 24}" y="${legendY + 4}">${rank}</text>`,
    ),
    `<text x="${left + 215}" y="${legendY + 4}">solid: state machine, dashed: bare loop</text>`,
  );
  return out;
}

function costPanel(results: BenchResults): string[] {
  const { costLeft: left, costRight: right, top, bottom } = PANEL;
  const bars: { label: string; cost: CostBreakdown }[] = [
    { label: 'idle', cost: results.cost.idle.design },
    { label: 'idle, naive', cost: results.cost.idle.naive },
    { label: 'busy', cost: results.cost.busy.design },
    { label: 'busy, naive', cost: results.cost.busy.naive },
  ];
  const yMax = niceCeiling(Math.max(...bars.map((bar) => bar.cost.total)) * 1.1);
  const y = (value: number) => bottom - (value / yMax) * (bottom - top);
  const out: string[] = [
    `<text x="${(left + right) / 2}" y="44" text-anchor="middle" font-weight="bold">Cost per agent-hour (USD, us-east-1 list prices)</text>`,
  ];
  for (let index = 0; index <= 5; index++) {
    const value = (yMax / 5) * index;
    out.push(
      `<line x1="${left}" y1="${y(value)}" x2="${right}" y2="${y(value)}" stroke="#eeeeee"/>`,
      `<text x="${left - 6}" y="${y(value) + 4}" text-anchor="end">${value.toFixed(4)}</text>`,
    );
  }
  out.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#444444"/>`);
  const slot = (right - left) / bars.length;
  const keys = ['stepFunctions', 'lambda', 'eventBridge', 'rest'] as const;
  bars.forEach((bar, index) => {
    let base = 0;
    const x0 = left + index * slot + slot * 0.2;
    for (const key of keys) {
      const value = bar.cost[key];
      out.push(
        `<rect x="${x0.toFixed(1)}" y="${y(base + value).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${(y(base) - y(base + value)).toFixed(1)}" fill="${COLORS[key]}"/>`,
      );
      base += value;
    }
    out.push(
      `<text x="${(x0 + slot * 0.3).toFixed(1)}" y="${(y(base) - 5).toFixed(1)}" text-anchor="middle">${base.toFixed(4)}</text>`,
      `<text x="${(x0 + slot * 0.3).toFixed(1)}" y="${bottom + 16}" text-anchor="middle">${bar.label}</text>`,
    );
  });
  out.push(
    `<line x1="${left}" y1="${y(results.cost.idleFloor)}" x2="${right}" y2="${y(results.cost.idleFloor)}" stroke="#000000" stroke-dasharray="4 3"/>`,
    `<text x="${right - 4}" y="${y(results.cost.idleFloor) - 4}" text-anchor="end">idle floor ${results.cost.idleFloor.toFixed(4)}</text>`,
  );
  const legendY = bottom + 52;
  const names = { stepFunctions: 'Step Functions', lambda: 'Lambda', eventBridge: 'EventBridge', rest: 'the rest' };
  keys.forEach((key, index) => {
    out.push(
      `<rect x="${left + index * 95}" y="${legendY - 9}" width="12" height="12" fill="${COLORS[key]}"/><text x="${left + index * 95 + 16}" y="${legendY + 2}">${names[key]}</text>`,
    );
  });
  return out;
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
