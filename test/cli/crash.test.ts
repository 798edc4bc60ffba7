/**
 * `pmemfs crash` through the compiled CLI: gen (ACE, samples, random), run (text, --json, exit
 * status, --inject, --jobs, --shard, --db), report, replay, merge, bugs, and clean usage errors.
 */
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTemp, expectCleanError, pmemfs, requireFreshCli } from './run-cli.js';

const t = cliTemp();
const run = (...args: string[]) => pmemfs(t.dir, args, { timeoutMs: 60_000 });
const json = <T>(...args: string[]): T => {
  const r = run(...args);
  expect(r.stderr, `pmemfs ${args.join(' ')}`).toBe('');
  return JSON.parse(r.stdout) as T;
};

interface RunJson {
  workloads: number;
  crashPoints: number;
  states: number;
  violations: number;
  seconds: number;
  statesPerSecond: number;
  statuses: Record<string, number>;
  found: Array<{ kind: string; workloadText: string }>;
}

beforeAll(() => {
  requireFreshCli();
  cpSync(join(__dirname, '..', 'crash', 'workloads'), t.path('examples'), { recursive: true });
  writeFileSync(t.path('edge.wl'), 'creat /f\nwrite /f 0 4k 1\nsync\n');
  writeFileSync(t.path('notadb.db'), 'not an SQLite database\n');
});
afterAll(() => t.cleanup());

describe('pmemfs crash', () => {
  it('gen writes ACE levels, seeded samples and random workloads, and says how many', () => {
    expect(run('crash', 'gen', '--ace', 'seq-1', '--out', 'ace1').stdout).toMatch(/^wrote 147 workload\(s\) to ace1: ACE seq-1/);
    expect(readdirSync(t.path('ace1'))).toHaveLength(147);
    const a = json<{ written: number }>('crash', 'gen', '--ace', 'seq-2', '--sample', '5', '--seed', '3', '--out', 's1', '--json');
    json('crash', 'gen', '--ace', 'seq-2', '--sample', '5', '--seed', '3', '--out', 's2', '--json');
    expect(a.written).toBe(5);
    expect(readdirSync(t.path('s1'))).toEqual(readdirSync(t.path('s2')));
    expect(json<{ written: number }>('crash', 'gen', '--random', '40', '--seed', '4', '--count', '2', '--out', 'rnd', '--json').written).toBe(2);
    expect(readdirSync(t.path('rnd'))).toEqual(['random-4-40.wl', 'random-5-40.wl']);
  });

  it('run --json prints the counts and exits 0 when nothing is found', () => {
    const r = run('crash', 'run', 'examples', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RunJson;
    expect(s).toMatchObject({ workloads: 6, violations: 0, statuses: { ok: 6 } });
    expect(s.crashPoints).toBeGreaterThan(50);
    expect(s.states).toBeGreaterThanOrEqual(s.crashPoints);
    expect(s.statesPerSecond).toBeGreaterThan(0);
    const text = run('crash', 'run', 'examples', '--policy', 'strict', '--jobs', '2');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^crash run: 6 workload\(s\), strict, fence points, 8 MiB device, 2 job\(s\)/);
    expect(text.stdout).toMatch(/0 violation\(s\)/);
  });

  it('run --inject finds violations (exit 1), records them, and replay rebuilds one', () => {
    const r = run('crash', 'run', 'edge.wl', '--inject', 'no-flush-edge-line', '--db', 'bug.db', '--json');
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as RunJson;
    expect(s.violations).toBeGreaterThan(0);
    expect(s.found[0]).toMatchObject({ kind: 'tree', workloadText: 'creat /f\nwrite /f 0 4k 1\nsync\n' });
    const report = run('crash', 'report', 'bug.db');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/injected: no-flush-edge-line/);
    expect(report.stdout).toMatch(/#1 \[tree\] edge: op \d/);
    const rj = json<{ totals: { violations: number }; violations: Array<{ id: number }> }>('crash', 'report', 'bug.db', '--json');
    expect(rj.totals.violations).toBe(s.violations);
    const replay = run('crash', 'replay', 'bug.db', String(rj.violations[0]!.id), '--out', 'crash.pmem');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/recheck \(with no-flush-edge-line injected\): reproduced/);
    expect(existsSync(t.path('crash.pmem'))).toBe(true);
    expect(run('fsck', 'crash.pmem').code).toBe(0); // the lost line is data: fsck is clean, the tree is not
  });

  it('shards merge into one complete campaign', () => {
    const a = json<RunJson>('crash', 'run', 'examples', '--shard', '0/2', '--db', 'a.db', '--json');
    const b = json<RunJson>('crash', 'run', 'examples', '--shard', '1/2', '--db', 'b.db', '--json');
    const whole = json<RunJson>('crash', 'run', 'examples', '--json');
    expect(a.states + b.states).toBe(whole.states);
    expect(run('crash', 'merge', 'all.db', 'a.db', 'b.db').stdout).toBe('merged 2 campaign(s) from 2 database(s) into all.db\n');
    const r = json<{ groups: Array<{ complete: boolean; states: number }> }>('crash', 'report', 'all.db', '--json');
    expect(r.groups).toEqual([expect.objectContaining({ complete: true, states: whole.states })]);
  });

  it('bugs lists the catalogue', () => {
    const bugs = json<Array<{ name: string; witness: { policy: string } }>>('crash', 'bugs', '--json');
    expect(bugs.length).toBeGreaterThanOrEqual(8);
    expect(run('crash', 'bugs').stdout).toMatch(/^no-fence-before-commit {2}\[/);
  });

  it('usage and operational errors are clean', () => {
    for (const [args, code] of [
      [['crash', 'run', 'examples', '--policy', 'nope'], 2],
      [['crash', 'run', 'examples', '--inject', 'no-such-bug'], 2],
      [['crash', 'run', 'examples', '--shard', '3/2'], 1],
      [['crash', 'run', 'missing.wl'], 1],
      [['crash', 'report', 'missing.db'], 1],
      [['crash', 'replay', 'bug.db', '999'], 1],
      [['crash', 'gen', '--out', 'x'], 2],
      // A file that is not a results database is EINVAL (exit 1), not an internal error (70).
      [['crash', 'report', 'notadb.db'], 1],
      [['crash', 'replay', 'notadb.db', '1'], 1],
      [['crash', 'merge', 'merged-bad.db', 'notadb.db'], 1],
      [['crash', 'run', 'edge.wl', '--db', 'notadb.db'], 1],
      [['crash', 'report', 'examples'], 1],
    ] as const) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expectCleanError(r);
    }
  });
});
