#!/usr/bin/env node
/**
 * Where the time of a measured window went: self time of a V8 .cpuprofile (from
 * `npm run bench -- --cpu-prof DIR`) grouped by area (our code, the simulator, the Step Functions
 * engine, the AWS SDK, HTTP, Node internals, garbage collection, idle) and by hottest function.
 * Usage: npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [--top N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Areas by the first matching part of a function's script URL (or its name for V8's own nodes). */
const AREAS: [string, (frame: ProfileNode['callFrame']) => boolean][] = [
  ['idle', (frame) => frame.functionName === '(idle)'],
  ['garbage collection', (frame) => frame.functionName === '(garbage collector)'],
  ['program (V8, native)', (frame) => frame.functionName === '(program)'],
  ['Step Functions engine (aws-local-stepfunctions)', (frame) => frame.url.includes('aws-local-stepfunctions')],
  ['JSONPath (engine)', (frame) => frame.url.includes('jsonpath')],
  ['AWS SDK (signing, serde, middleware)', (frame) => /@aws-sdk|@smithy|@aws-crypto/.test(frame.url)],
  ['undici (fetch)', (frame) => frame.url.includes('undici')],
  ['zod', (frame) => frame.url.includes('/zod/')],
  ['Powertools', (frame) => frame.url.includes('@aws-lambda-powertools')],
  ['CXone simulator', (frame) => frame.url.includes('/local/cxone-simulator/')],
  ['local AWS endpoint and bus', (frame) => /\/local\/(aws|eventbridge)\//.test(frame.url)],
  ['local twin (Step Functions adapter, Lambda)', (frame) => /\/local\/(twin|stepfunctions)\//.test(frame.url)],
  ['poller (lambdas/)', (frame) => frame.url.includes('/lambdas/')],
  ['benchmark', (frame) => frame.url.includes('/bench/')],
  ['Node http/net/streams', (frame) => /node:(_http|http|net|stream|internal\/(http|streams|stream_base|net))/.test(frame.url)],
  ['other Node internals', (frame) => frame.url.startsWith('node:')],
];

/** Self time per node id, from the sample stream. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) times.set(id, (times.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  return times;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
const file = positionals[0];
if (!file) {
  console.error('usage: npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const times = selfTimes(profile);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const total = [...times.values()].reduce((a, b) => a + b, 0);
const areas = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, micros] of times) {
  const frame = byId.get(id)?.callFrame ?? { functionName: '?', url: '', lineNumber: 0 };
  const area = AREAS.find(([, test]) => test(frame))?.[0] ?? 'other';
  areas.set(area, (areas.get(area) ?? 0) + micros);
  const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/work\/main\//, '')}:${frame.lineNumber + 1}`;
  functions.set(name, (functions.get(name) ?? 0) + micros);
}
const share = (micros: number) => `${((micros / total) * 100).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms`;
const busy = total - (areas.get('idle') ?? 0);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s on CPU (${((busy / total) * 100).toFixed(0)} %)\n\nby area`);
for (const [area, micros] of [...areas].sort((a, b) => b[1] - a[1])) console.log(`  ${share(micros)}  ${area}`);
console.log('\nhottest functions (self time)');
for (const [name, micros] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${share(micros)}  ${name}`);
