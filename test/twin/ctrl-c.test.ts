/**
 * One Ctrl-C stops `npm start` cleanly. A terminal sends SIGINT to the whole foreground process group
 * (npm, the shell, the twin), and npm relays the SIGINT it received to its child once more; the twin
 * must take both as one stop request: log the agents out, let the pollers end, print the summary and
 * write the --summary file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('Ctrl-C on npm start', () => {
  it('stops once, prints the summary and writes the summary file', async () => {
    // Prepare: the real npm script, in a process group of its own as a terminal's job would be.
    const dir = mkdtempSync(join(tmpdir(), 'ctrl-c-'));
    const summaryFile = join(dir, 's.json');
    const child = spawn('npm', ['start', '--', '--agents', '5', '--time-scale', '240', '--poll-timeout', '5', '--summary', summaryFile], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Act: once the pollers have delivered events (the twin is busy), one Ctrl-C to the group.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/bus [1-9]\d* cxone/.test(stdout)) resolve();
      });
      child.on('exit', () => reject(new Error(`npm start ended before it was busy:\n${stdout}\n${stderr}`)));
    });
    process.kill(-(child.pid as number), 'SIGINT');
    const code = await exited;
    // Assess
    expect(stdout).toMatch(/stopping: logging agents out/);
    expect(stdout.match(/stopping: /g)).toHaveLength(1);
    expect(stdout).toMatch(/\nsummary\n {2}sessions +\d+ started/);
    expect(existsSync(summaryFile)).toBe(true);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    expect(summary).toMatchObject({ mode: 'simulator', agents: 5, events: { lost: 0 } });
    expect(code).toBe(0);
  });
});
