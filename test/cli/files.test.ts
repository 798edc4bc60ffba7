/**
 * The file commands end to end, through the compiled CLI: mkfs, cp in and out (files and trees),
 * ls, cat, stat, mkdir, rm, mv, ln, write from stdin, info; and that read-only commands leave the
 * image's bytes unchanged.
 */
import { chmodSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTemp, pmemfs, requireFreshCli } from './run-cli.js';

const t = cliTemp();
const run = (...args: string[]) => pmemfs(t.dir, args);
const ok = (...args: string[]) => {
  const r = run(...args);
  expect(r, `pmemfs ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
};

beforeAll(() => {
  requireFreshCli();
  ok('mkfs', 'disk.pmem', '--size', '16m', '--label', 'files');
});
afterAll(() => t.cleanup());

describe('pmemfs file commands', () => {
  it('mkfs makes a sparse image of the asked size and refuses to overwrite without --force', () => {
    const st = statSync(t.path('disk.pmem'));
    expect(st.size).toBe(16 << 20);
    expect(st.blocks * 512).toBeLessThan(1 << 20);
    const again = run('mkfs', 'disk.pmem', '--size', '16m');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^pmemfs: EEXIST: /);
    ok('mkfs', 'disk2.pmem', '-s', '2m', '--mode', 'eadr');
    ok('mkfs', 'disk2.pmem', '-s', '2m', '--force');
    expect(statSync(t.path('disk2.pmem')).size).toBe(2 << 20);
  });

  it('copies a host file in and out, byte for byte, and lists and cats it', () => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    writeFileSync(t.path('in.bin'), data);
    ok('mkdir', 'disk.pmem', '-p', '/docs/deep');
    ok('cp', 'in.bin', 'disk.pmem:/docs/in.bin');
    ok('cp', 'disk.pmem:/docs/in.bin', 'out.bin');
    expect(readFileSync(t.path('out.bin')).equals(data)).toBe(true);
    expect(pmemfs(t.dir, ['cat', 'disk.pmem', '/docs/in.bin']).stdoutBytes.equals(data)).toBe(true);
    expect(ok('ls', 'disk.pmem', '/docs')).toBe('deep\nin.bin\n');
    expect(ok('ls', 'disk.pmem', '/docs', '-l')).toMatch(/^-rw\S+ +1 +\d+ +\d+ +300000 \d{4}-\d\d-\d\d \d\d:\d\d in\.bin$/m);
    const json = JSON.parse(ok('ls', 'disk.pmem', '/', '-R', '--json')) as { entries: Array<{ path: string; type: string; size: number }> };
    expect(json.entries.map((e) => e.path)).toEqual(['/docs', '/docs/deep', '/docs/in.bin']);
    expect(json.entries[2]).toMatchObject({ type: 'file', size: 300000 });
  });

  it('copies a host tree in and back out with -r, symlinks as symlinks', () => {
    mkdirSync(t.path('tree/sub'), { recursive: true });
    writeFileSync(t.path('tree/a.txt'), 'alpha\n');
    writeFileSync(t.path('tree/sub/b.txt'), 'beta\n');
    symlinkSync('a.txt', t.path('tree/link'));
    expect(run('cp', 'tree', 'disk.pmem:/tree').stderr).toMatch(/EISDIR.*-r/);
    ok('cp', '-r', 'tree', 'disk.pmem:/');
    expect(ok('ls', 'disk.pmem', '/tree', '-R')).toBe('/tree:\na.txt\nlink\nsub\n\n/tree/sub:\nb.txt\n');
    ok('cp', '-r', 'disk.pmem:/tree', 'back');
    expect(readFileSync(t.path('back/sub/b.txt'), 'utf8')).toBe('beta\n');
    expect(readlinkSync(t.path('back/link'))).toBe('a.txt');
    // A top-level symlink is followed without -r, as cp(1): a dangling one cannot be stat'ed.
    symlinkSync('nowhere', t.path('dangling'));
    expect(run('cp', 'dangling', 'disk.pmem:/d')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^pmemfs: ENOENT: .*'.*dangling'/) });
    ok('cp', 'tree/link', 'disk.pmem:/followed');
    expect(ok('cat', 'disk.pmem', '/followed')).toBe('alpha\n');
  });

  it('mv, ln, ln -s, rm, rm -r, write from stdin and stat', () => {
    ok('mv', 'disk.pmem', '/tree/a.txt', '/tree/sub');
    expect(ok('ls', 'disk.pmem', '/tree/sub')).toBe('a.txt\nb.txt\n');
    ok('ln', 'disk.pmem', '/tree/sub/b.txt', '/tree/hard');
    ok('ln', '-s', 'disk.pmem', 'sub/b.txt', '/tree/soft');
    expect(ok('cat', 'disk.pmem', '/tree/soft')).toBe('beta\n');
    const st = JSON.parse(ok('stat', 'disk.pmem', '/tree/hard', '--json')) as { nlink: number; type: string };
    expect(st).toMatchObject({ nlink: 2, type: 'file' });
    expect(JSON.parse(ok('stat', 'disk.pmem', '/tree/soft', '--json'))).toMatchObject({ type: 'symlink', target: 'sub/b.txt' });
    expect(ok('stat', 'disk.pmem', '/tree/hard')).toMatch(/Size: 5 .*regular file[\s\S]*Links: 2/);

    expect(pmemfs(t.dir, ['write', 'disk.pmem', '/tree/in.txt'], { input: 'from stdin\n' }).code).toBe(0);
    expect(pmemfs(t.dir, ['write', '-a', 'disk.pmem', '/tree/in.txt'], { input: 'appended\n' }).code).toBe(0);
    expect(ok('cat', 'disk.pmem', '/tree/in.txt')).toBe('from stdin\nappended\n');

    ok('rm', 'disk.pmem', '/tree/hard', '/tree/soft');
    expect(run('rm', 'disk.pmem', '/tree').stderr).toMatch(/^pmemfs: EISDIR: /);
    ok('rm', '-r', 'disk.pmem', '/tree');
    ok('rm', '-f', 'disk.pmem', '/tree');
    expect(run('ls', 'disk.pmem', '/tree').stderr).toMatch(/^pmemfs: ENOENT: /);
  });

  it('info reports the superblock and statfs, as text and JSON', () => {
    const info = JSON.parse(ok('info', 'disk.pmem', '--json')) as Record<string, unknown>;
    expect(info).toMatchObject({ label: 'files', blockSize: 4096, blockCount: 4096, deviceSize: 16 << 20, quarantinedBlocks: 0 });
    for (const k of ['freeBlocks', 'logUsedBytes', 'checkpointGeneration', 'sharedBlocks', 'uuid']) expect(info).toHaveProperty(k);
    expect(ok('info', 'disk.pmem')).toMatch(/^label: +files$/m);
  });

  it('read-only commands do not change the image', () => {
    const before = readFileSync(t.path('disk.pmem'));
    for (const args of [['ls', '-lR', 'disk.pmem'], ['cat', 'disk.pmem', '/docs/in.bin'], ['stat', 'disk.pmem', '/docs'], ['bmap', 'disk.pmem', '/docs/in.bin'], ['fsck', 'disk.pmem']]) {
      ok(...args);
    }
    expect(readFileSync(t.path('disk.pmem')).equals(before)).toBe(true);
  });

  it('read-only commands open an image the user may only read (not testable as root)', () => {
    if (process.getuid?.() === 0) return; // root writes a chmod 444 file anyway
    chmodSync(t.path('disk.pmem'), 0o444);
    try {
      expect(ok('ls', 'disk.pmem', '/docs')).toContain('in.bin');
      expect(run('fsck', 'disk.pmem').code).toBe(0);
      expect(run('mkdir', 'disk.pmem', '/ro').stderr).toMatch(/^pmemfs: EACCES: /);
    } finally {
      chmodSync(t.path('disk.pmem'), 0o644);
    }
  });
});
