/**
 * `pmemfs mount` end to end over FUSE: the foreground server stops cleanly on SIGTERM (FUSE
 * unmounted, filesystem unmounted with a checkpoint, image lock released), the detached server
 * likewise, and what was written through the mountpoint is in the image afterwards.
 * Skips, saying why, where FUSE cannot run. This process is not the FUSE server, but it still
 * uses fs/promises on the mountpoint and bounds every wait, so a bug cannot hang the suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forceUnmount, loadFuse } from '../../src/cli/mount/fuse-bridge.js';
import { CLI, cliTemp, pmemfs, requireFreshCli } from './run-cli.js';

const fuse = await loadFuse();
if (!fuse.available) console.warn(`mount.test: skipping: ${fuse.reason}`);
const t = cliTemp();

beforeAll(() => {
  requireFreshCli();
  expect(pmemfs(t.dir, ['mkfs', 'disk.pmem', '--size', '16m']).code).toBe(0);
  mkdirSync(t.path('mnt'));
});
afterAll(async () => {
  await forceUnmount(t.path('mnt'), 5000).catch(() => undefined);
  t.cleanup();
});

function waitFor<T>(what: string, ms: number, start: (done: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    start((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

const exited = (child: ChildProcess) => waitFor<number | null>('the server to exit', 10_000, (done) => {
  if (child.exitCode !== null) done(child.exitCode);
  else child.once('exit', (code) => done(code));
});

async function mounted(): Promise<boolean> {
  return (await fsp.readFile('/proc/self/mountinfo', 'utf8')).includes(` ${t.path('mnt')} `);
}

describe.skipIf(!fuse.available)('pmemfs mount', () => {
  it('--foreground serves the image and unmounts cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'mount', 'disk.pmem', 'mnt', '--foreground'], { cwd: t.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    try {
      await waitFor<void>('the mount', 10_000, (done) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('mounted on')) done();
        });
      });
      await fsp.mkdir(t.path('mnt/docs'));
      await fsp.writeFile(t.path('mnt/docs/hello.txt'), 'through FUSE\n');
      expect(await fsp.readdir(t.path('mnt/docs'))).toEqual(['hello.txt']);
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(await mounted()).toBe(false);
    expect(existsSync(t.path('disk.pmem.lock'))).toBe(false);
    expect(pmemfs(t.dir, ['cat', 'disk.pmem', '/docs/hello.txt']).stdout).toBe('through FUSE\n');
    expect(pmemfs(t.dir, ['fsck', 'disk.pmem']).code).toBe(0);
  });

  it('without --foreground, detaches; the server stops on SIGTERM', async () => {
    const r = pmemfs(t.dir, ['mount', 'disk.pmem', 'mnt']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const pid = Number(/server pid (\d+)/.exec(r.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    try {
      expect(await mounted()).toBe(true);
      await fsp.writeFile(t.path('mnt/second.txt'), 'detached\n');
      process.kill(pid, 'SIGTERM');
      await waitFor<void>('the detached server to exit', 10_000, (done) => {
        const poll = setInterval(() => {
          if (!existsSync(t.path('disk.pmem.lock'))) {
            clearInterval(poll);
            done();
          }
        }, 50);
      });
    } finally {
      try {
        process.kill(pid, 0);
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    expect(await mounted()).toBe(false);
    expect(readFileSync(t.path('disk.pmem')).includes('detached\n')).toBe(true);
    expect(pmemfs(t.dir, ['cat', 'disk.pmem', '/second.txt']).stdout).toBe('detached\n');
  });

  it('a missing mountpoint or a corrupted image is a clean error', () => {
    const missing = pmemfs(t.dir, ['mount', 'disk.pmem', 'nowhere', '--foreground']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^pmemfs: ENOENT: /);
    const detached = pmemfs(t.dir, ['mount', 'disk.pmem', 'nowhere']);
    expect(detached.code).toBe(1);
    expect(detached.stderr).toMatch(/^pmemfs: ENOENT: /);
  });
});
