import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../rules/test-event-pattern-cli.ts', import.meta.url));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const pattern = JSON.stringify({ source: ['cxone.agent'], detail: { state: [{ prefix: 'Avail' }] } });

describe('test-event-pattern CLI', () => {
  it('prints true and exits 0 when the event matches', () => {
    const r = run('--event-pattern', pattern, '--event', JSON.stringify({ source: 'cxone.agent', detail: { state: 'Available' } }));
    expect(r).toMatchObject({ code: 0, stdout: 'true\n' });
  });

  it('prints false and exits 0 when the event does not match', () => {
    const r = run('--event-pattern', pattern, '--event', JSON.stringify({ source: 'cxone.agent', detail: { state: 'Busy' } }));
    expect(r).toMatchObject({ code: 0, stdout: 'false\n' });
  });

  it('reports an invalid pattern on stderr and exits 1', () => {
    const r = run('--event-pattern', '{"source":"cxone.agent"}', '--event', '{}');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Event pattern is not valid. Reason: "source" must be an object or an array');
  });

  it('says what is missing in one line and exits 2 when an argument is missing', () => {
    const r = run('--event', '{}');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^test-event-pattern: Both --event-pattern and --event are required\. \(--help shows the usage\)\n$/);
  });

  it('says the event is not JSON in one line and exits 2', () => {
    const r = run('--event-pattern', pattern, '--event', 'not json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^test-event-pattern: Could not read --event: .*\n$/);
  });
});
