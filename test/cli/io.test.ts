/**
 * `pmemfs io` (the xfs_io-style runner) and `pmemfs bmap` through the compiled CLI: output lines
 * in xfs_io's format, every fallocate mode, reflink and dedupe, xattrs, a shared extent after a
 * reflink and a private one after copy-on-write, and scripts that stop at a bad command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTemp, expectCleanError, pmemfs, requireFreshCli } from './run-cli.js';

const t = cliTemp();
const io = (path: string, ...cmds: string[]) => pmemfs(t.dir, ['io', 'disk.pmem', path, ...cmds.flatMap((c) => ['-c', c])]);
const ok = (...args: string[]) => {
  const r = pmemfs(t.dir, args);
  expect(r, `pmemfs ${args.join(' ')}`).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
};

interface BmapJson {
  size: number;
  extents: Array<{ logical: number; physical: number | null; length: number; flags: string[] }>;
}
const bmap = (path: string) => JSON.parse(ok('bmap', 'disk.pmem', path, '--json')) as BmapJson;

beforeAll(() => {
  requireFreshCli();
  ok('mkfs', 'disk.pmem', '--size', '16m');
});
afterAll(() => t.cleanup());

describe('pmemfs io', () => {
  it('pwrite and pread print what xfs_io prints', () => {
    const r = pmemfs(t.dir, ['io', '-f', 'disk.pmem', '/a', '-c', 'pwrite 0 4096', '-c', 'pwrite -S 0x41 -b 1k 4k 4k', '-c', 'pread -v 4096 20', '-c', 'pread 0 64k']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('wrote 4096/4096 bytes at offset 0');
    expect(lines[1]).toMatch(/^4 KiB, 1 ops; \d+\.\d{4} sec \([\d.]+ (bytes|KiB|MiB|GiB)\/sec and [\d.]+ ops\/sec\)$/);
    expect(lines[2]).toBe('wrote 4096/4096 bytes at offset 4096');
    expect(lines[3]).toMatch(/^4 KiB, 4 ops; /);
    expect(lines[4]).toBe('00001000:  41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA');
    expect(lines[5]).toBe('00001010:  41 41 41 41  AAAA');
    expect(lines[6]).toBe('read 20/20 bytes at offset 4096');
    expect(lines[8]).toBe('read 8192/65536 bytes at offset 0');
    expect(r.code).toBe(0);
  });

  it('fallocate modes, truncate, stat, fiemap, fsync and xattrs', () => {
    const r = io('/a', 'falloc -k 64k 16k', 'fiemap', 'fpunch 0 4k', 'fzero 4k 4k', 'truncate 100k', 'fsync', 'fdatasync',
      'setxattr user.note "two words"', 'getxattr user.note', 'stat');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^\/a:\n(\t\d: \[\d+\.\.\d+\]: \d+\.\.\d+\n)+\t\d: \[16\.\.127\]: hole\n\t\d: \[128\.\.159\]: \d+\.\.\d+$/m);
    expect(r.stdout).toContain('user.note="two words"');
    expect(r.stdout).toContain('stat.size = 102400');
    const map = bmap('/a');
    expect(map.size).toBe(102400);
    expect(map.extents[0]).toMatchObject({ logical: 0, length: 4096, flags: ['hole'] });
    expect(map.extents.some((e) => e.flags.includes('unwritten'))).toBe(true);

    expect(io('/b', 'pwrite 0 16k').stderr).toMatch(/^pmemfs: ENOENT: /);
    expect(pmemfs(t.dir, ['io', '-f', 'disk.pmem', '/b', '-c', 'pwrite 0 16k', '-c', 'fcollapse 4k 4k', '-c', 'finsert 0 8k', '-c', 'stat']).stdout).toContain('stat.size = 20480');
  });

  it('bmap shows a shared extent after a reflink, and a private one after copy-on-write', () => {
    expect(pmemfs(t.dir, ['io', '-f', 'disk.pmem', '/src', '-c', 'pwrite 0 32k']).code).toBe(0);
    ok('cp', '--reflink', 'disk.pmem:/src', 'disk.pmem:/clone');
    const src = bmap('/src');
    const clone = bmap('/clone');
    expect(clone.extents.every((e) => e.flags.includes('shared'))).toBe(true);
    expect(clone.extents[0]!.physical).toBe(src.extents[0]!.physical);
    const text = ok('bmap', 'disk.pmem', '/clone');
    expect(text).toMatch(/^\/clone:\n EXT: FILE-OFFSET +BLOCK-RANGE +TOTAL FLAGS\n +0: \[0\.\.63\]: +\d+\.\.\d+ +64 shared,last\n$/);

    expect(io('/clone', 'pwrite -S 0x11 0 4k').code).toBe(0);
    const after = bmap('/clone');
    expect(after.extents[0]!.flags).not.toContain('shared');
    expect(after.extents[0]!.physical).not.toBe(src.extents[0]!.physical);
    expect(after.extents.at(-1)!.flags).toContain('shared');
    expect(pmemfs(t.dir, ['cat', 'disk.pmem', '/src']).stdoutBytes.every((b) => b === 0xcd)).toBe(true);
  });

  it('reflink and dedupe ranges from another file', () => {
    const r = pmemfs(t.dir, ['io', '-f', 'disk.pmem', '/d', '-c', 'reflink /src', '-c', 'pwrite 8k 4k', '-c', 'dedupe /src 8k 8k 4k', '-c', 'reflink /src 0 32k 8k']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^linked 32768\/32768 bytes at offset 0$/m);
    expect(r.stdout).toMatch(/^deduped 4096\/4096 bytes at offset 8192$/m);
    expect(r.stdout).toMatch(/^linked 8192\/8192 bytes at offset 32768$/m);
    expect(bmap('/d').extents.every((e) => e.flags.includes('shared'))).toBe(true);
  });

  it('rejects a bad script before touching the image, and stops at the first failing command', () => {
    for (const bad of ['pwrite 0', 'frobnicate', 'pwrite -S 300 0 4k']) {
      const r = io('/new', 'pwrite 0 4k', bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/^pmemfs: io: /);
      expect(r.stdout).toBe('');
    }
    expect(pmemfs(t.dir, ['io', 'disk.pmem', '/a']).code).toBe(2);
    const r = io('/a', 'fcollapse 1 4k', 'pwrite 0 4k');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pmemfs: EINVAL: /);
    expect(r.stdout).toBe('');
    expectCleanError(r);
  });
});
