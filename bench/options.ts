/** The options of `npm run bench`, validated before any worker starts. */
import { parseCommandLine, UsageError, writableFolder } from '../cli/usage.js';

export const BENCH_USAGE = `usage: npm run bench -- [--quick] [--sizes 1,10,100,1000] [--cpu-prof DIR]

  --quick          1, 10 and 100 sessions with short windows (under 2 minutes)
  --sizes LIST     session counts to run, whole numbers from 1 to 2000 (default 1,10,100,1000; --quick: 1,10,100)
  --cpu-prof DIR   write a V8 CPU profile of every measured window into DIR (an existing folder); summarise it with
                   npx tsx bench/cpu-profile-summary.ts DIR/<file>.cpuprofile`;

export interface BenchOptions {
  help: boolean;
  quick: boolean;
  /** Session counts; undefined runs the plan's own. */
  sizes?: number[];
  cpuProfileDir?: string;
}

/** Parses the benchmark's arguments; throws UsageError on the first bad one. */
export function parseBenchOptions(args: readonly string[]): BenchOptions {
  const { values } = parseCommandLine(args, {
    quick: { type: 'boolean' },
    sizes: { type: 'string' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const sizes = values.sizes?.split(',').map((size) => (size.trim() === '' ? Number.NaN : Number(size)));
  if (sizes?.some((size) => !Number.isInteger(size) || size < 1 || size > 2_000))
    throw new UsageError(`--sizes takes whole numbers from 1 to 2000, got "${values.sizes}"`);
  return { help: values.help === true, quick: values.quick === true, sizes, cpuProfileDir: writableFolder(values['cpu-prof'], 'cpu-prof') };
}
