/**
 * `pmemfs demo`: the first thing a new user runs. It must finish in seconds, exit 0, say what it
 * showed, and leave nothing behind in the temp directory.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { pmemfs, requireFreshCli } from './run-cli.js';

const demoDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('pmemfs-demo-'));

beforeAll(() => requireFreshCli());

describe('pmemfs demo', () => {
  it('narrates the tour and exits 0, cleaning up', () => {
    const before = new Set(demoDirs());
    const r = pmemfs(tmpdir(), ['demo'], { timeoutMs: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const step of ['Reflink', 'Copy-on-write', 'shared', "device.crash({ kind: 'random'", 'recovery', 'clean']) expect(r.stdout).toContain(step);
    expect(r.stdout).not.toContain('FAILED');
    expect(demoDirs().filter((d) => !before.has(d))).toEqual([]);
  });

  it('--json gives one object with every step checked', () => {
    const r = pmemfs(tmpdir(), ['demo', '--json', '--seed', '7'], { timeoutMs: 15_000 });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; failures: string[]; crash: { seed: number }; recovery: { intact: boolean }; fsck: { ok: boolean } };
    expect(j).toMatchObject({ ok: true, failures: [], crash: { seed: 7 }, recovery: { intact: true }, fsck: { ok: true } });
  });
});
