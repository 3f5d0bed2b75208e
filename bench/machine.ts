import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

/** The machine a benchmark ran on, as the README cites it. */
export interface MachineInfo {
  /** What `nproc` prints: CPUs this process may use. */
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
}

/** Reads nproc, the CPU model from /proc/cpuinfo (when there is one), memory and the Node version. */
export function machineInfo(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: the model stays unknown rather than failing the benchmark.
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}
