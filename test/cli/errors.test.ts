/**
 * How the CLI fails: FsErrors as `pmemfs: CODE: message` with exit 1, usage errors with exit 2,
 * fsck's e2fsck codes (0/1/4/8/16), and never a stack trace. Table-driven.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTemp, expectCleanError, pmemfs, requireFreshCli } from './run-cli.js';

const t = cliTemp();
/** A FIFO nobody writes to: opening it for reading would block forever. */
const hasFifo = spawnSync('mkfifo', [t.path('fifo')]).status === 0;

beforeAll(() => {
  requireFreshCli();
  expect(pmemfs(t.dir, ['mkfs', 'disk.pmem', '--size', '4m']).code).toBe(0);
  mkdirSync(t.path('dir'));
  writeFileSync(t.path('dir/f'), 'some data\n');
  expect(pmemfs(t.dir, ['cp', '-r', 'dir', 'disk.pmem:/']).code).toBe(0);
  expect(pmemfs(t.dir, ['mkfs', 'other.pmem', '--size', '1m']).code).toBe(0);
  // A corrupted image: the superblock's first bytes overwritten.
  copyFileSync(t.path('disk.pmem'), t.path('corrupt.pmem'));
  const fd = openSync(t.path('corrupt.pmem'), 'r+');
  writeSync(fd, Buffer.from('garbage!'), 0, 8, 0);
  closeSync(fd);
  writeFileSync(t.path('text.txt'), 'not an image\n');
});
afterAll(() => t.cleanup());

const CASES: Array<{ name: string; args: string[]; code: number; stderr: RegExp }> = [
  { name: 'missing image', args: ['ls', 'missing.pmem'], code: 1, stderr: /^pmemfs: ENOENT: no such file or directory, open 'missing\.pmem'\n$/ },
  { name: 'missing path in the image', args: ['cat', 'disk.pmem', '/nope'], code: 1, stderr: /^pmemfs: ENOENT: no such file or directory, open '\/nope'\n$/ },
  { name: 'corrupted superblock', args: ['ls', 'corrupt.pmem'], code: 1, stderr: /^pmemfs: EFSCORRUPTED: / },
  { name: 'not an image at all', args: ['ls', 'text.txt'], code: 1, stderr: /^pmemfs: EINVAL: .*not a pmem image/ },
  { name: 'bad size', args: ['mkfs', 'x.pmem', '--size', '12q'], code: 2, stderr: /EINVAL: invalid size '12q'/ },
  { name: 'size not a whole number of pages', args: ['mkfs', 'x.pmem', '--size', '1000'], code: 1, stderr: /^pmemfs: EINVAL: / },
  { name: 'bad log size', args: ['mkfs', 'x.pmem', '--size', '1m', '--log-blocks', '1000000'], code: 1, stderr: /^pmemfs: EINVAL: .*log size/ },
  { name: 'existing directory', args: ['mkdir', 'disk.pmem', '/dir'], code: 1, stderr: /^pmemfs: EEXIST: / },
  { name: 'unknown command', args: ['frobnicate'], code: 2, stderr: /unknown command 'frobnicate'/ },
  { name: 'missing argument', args: ['cat', 'disk.pmem'], code: 2, stderr: /missing required argument 'PATH/ },
  { name: 'cp with no image side', args: ['cp', 'a', 'b'], code: 2, stderr: /names an image/ },
  { name: 'reflink across images', args: ['cp', '--reflink', 'disk.pmem:/dir/f', 'other.pmem:/f'], code: 1, stderr: /^pmemfs: EXDEV: / },
  { name: 'directory without -r', args: ['cp', 'disk.pmem:/dir', 'out'], code: 1, stderr: /^pmemfs: EISDIR: .*use -r/ },
  { name: 'missing host source', args: ['cp', 'nope.txt', 'disk.pmem:/x'], code: 1, stderr: /^pmemfs: ENOENT: no such file or directory, .*'nope\.txt'/ },
  { name: 'label longer than the superblock holds', args: ['mkfs', 'x.pmem', '--size', '1m', '--label', 'x'.repeat(33)], code: 2, stderr: /EINVAL: label 'x+' is 33 bytes/ },
  { name: 'image in a missing directory', args: ['mkfs', 'nodir/x.pmem', '--size', '1m'], code: 1, stderr: /^pmemfs: ENOENT: no such file or directory, open 'nodir\/x\.pmem'\n$/ },
  { name: 'cat of a directory names it', args: ['cat', 'disk.pmem', '/dir'], code: 1, stderr: /^pmemfs: EISDIR: .*'\/dir'\n$/ },
  { name: 'zero benchmark repetitions', args: ['bench', '--reps', '0'], code: 2, stderr: /EINVAL: invalid repetitions '0'/ },
];

describe('pmemfs errors', () => {
  it.each(CASES)('$name: exit $code', ({ args, code, stderr }) => {
    const r = pmemfs(t.dir, args);
    expect(r.stderr).toMatch(stderr);
    expect(r.code).toBe(code);
    expectCleanError(r);
  });

  it('rm -r of the root is refused before anything is removed', () => {
    copyFileSync(t.path('disk.pmem'), t.path('root.pmem'));
    for (const root of ['/', '', '/dir/..']) {
      const r = pmemfs(t.dir, ['rm', '-rf', 'root.pmem', root]);
      expect(r.stderr).toMatch(/^pmemfs: EINVAL: .*refusing to remove the root directory/);
      expect(r.code).toBe(1);
      expectCleanError(r);
    }
    expect(pmemfs(t.dir, ['cat', 'root.pmem', '/dir/f']).stdout).toBe('some data\n');
  });

  it('a failed mkfs --force leaves the old image as it was', () => {
    copyFileSync(t.path('disk.pmem'), t.path('keep.pmem'));
    for (const bad of [['--log-blocks', '1'], ['--size', '64k']]) {
      const r = pmemfs(t.dir, ['mkfs', 'keep.pmem', '--size', '4m', '--force', ...bad]);
      expect(r.stderr).toMatch(/^pmemfs: EINVAL: .*mkfs/);
      expect(r.code).toBe(1);
    }
    expect(pmemfs(t.dir, ['cat', 'keep.pmem', '/dir/f']).stdout).toBe('some data\n');
  });

  it.skipIf(!hasFifo)('cp refuses a FIFO instead of blocking on it, alone or inside a tree', () => {
    mkdirSync(t.path('tree'));
    writeFileSync(t.path('tree/a'), 'a\n');
    expect(spawnSync('mkfifo', [t.path('tree/pipe')]).status).toBe(0);
    for (const args of [['cp', 'fifo', 'disk.pmem:/fifo'], ['cp', '-r', 'tree', 'disk.pmem:/']]) {
      const r = pmemfs(t.dir, args, { timeoutMs: 10_000 });
      expect(r.stderr).toMatch(/^pmemfs: EINVAL: .*'(fifo|tree\/pipe)' \(not a regular file, directory or symlink/);
      expect(r.code).toBe(1);
      expectCleanError(r);
    }
    expect(pmemfs(t.dir, ['fsck', 'disk.pmem']).code).toBe(0);
  });

  it('a failed mkfs leaves no file behind', () => {
    expect(pmemfs(t.dir, ['mkfs', 'small.pmem', '--size', '64k']).code).toBe(1);
    expect(pmemfs(t.dir, ['ls', 'small.pmem']).stderr).toMatch(/ENOENT/);
  });

  it('fsck: 0 on a fresh image, 4 on a corrupted one, 8 when it cannot open, 16 on usage', () => {
    const clean = pmemfs(t.dir, ['fsck', 'disk.pmem']);
    expect(clean).toMatchObject({ code: 0, stderr: '' });
    expect(clean.stdout).toMatch(/^disk\.pmem: clean; /);
    const json = JSON.parse(pmemfs(t.dir, ['fsck', 'disk.pmem', '--json']).stdout) as { ok: boolean; exitCode: number; findings: unknown[] };
    expect(json).toMatchObject({ ok: true, exitCode: 0, findings: [] });

    const bad = pmemfs(t.dir, ['fsck', 'corrupt.pmem', '--json']);
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, findings: [{ kind: 'mount', code: 'EFSCORRUPTED' }] });
    expect(pmemfs(t.dir, ['fsck', 'corrupt.pmem', '--repair']).code).toBe(4);

    const missing = pmemfs(t.dir, ['fsck', 'missing.pmem']);
    expect(missing.code).toBe(8);
    expect(missing.stderr).toMatch(/^pmemfs: ENOENT: /);
    expect(pmemfs(t.dir, ['fsck']).code).toBe(16);
    for (const r of [bad, missing]) expectCleanError(r);
  });

  it('help and version exit 0', () => {
    expect(pmemfs(t.dir, ['help', 'io']).stdout).toMatch(/pwrite \[-S seed\]/);
    expect(pmemfs(t.dir, ['--version']).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
