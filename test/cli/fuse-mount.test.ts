/**
 * The FUSE bridge end to end: a memfs Volume mounted on a temp directory, driven by real shell
 * tools (in child processes) and node:fs/promises (on libuv's thread pool), then checked
 * against the Volume itself.
 * Skips, saying why, where FUSE cannot run (no /dev/fuse, no binding, no libfuse2/fusermount).
 * Rules that keep it from hanging: never a synchronous call on the mountpoint from this process
 * (it would deadlock against the bridge, which answers on this thread); every child process has
 * a timeout; every mount is unmounted in `finally`, falling back to a lazy unmount.
 */
import { execFile, spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import {
  forceUnmount,
  isMounted,
  loadFuse,
  mountFs,
  type FuseMount,
  type MountableFs,
  type MountOptions,
} from '../../src/cli/mount/fuse-bridge.js';

const TEST_TIMEOUT_MS = 30_000;
const CHILD_TIMEOUT_MS = 10_000;
const WATCHDOG_SECONDS = 25; // before the test's own timeout; fuse-native times out an op at 15 s

const fuse = await loadFuse();
if (!fuse.available) console.warn(`fuse-mount.test: skipping FUSE mounts: ${fuse.reason}`);
const noFuse = !fuse.available;
const python = await onPath('python3');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `sh -c script` run inside `cwd`; never rejects, so failures can be asserted. The shell cds
 * itself: spawning with `cwd` in the mount would deadlock (libuv waits for the child's exec).
 */
function sh(cwd: string, script: string): Promise<Run> {
  return new Promise((resolve) => {
    const args = ['-c', `cd "$1" || exit 99\n${script}`, 'sh', cwd];
    execFile('sh', args, { timeout: CHILD_TIMEOUT_MS }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(cwd: string, script: string): Promise<string> {
  const r = await sh(cwd, script);
  expect(r, `sh -c '${script}'`).toMatchObject({ code: 0, stderr: '' });
  return r.stdout;
}

async function onPath(command: string): Promise<boolean> {
  return (await sh(tmpdir(), `command -v ${command}`)).code === 0;
}

async function until(cond: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

/**
 * Out-of-process guard against a self-deadlock (see fuse-bridge.ts), which no JS timer can
 * break: if `mnt` is still mounted after `seconds`, abort its FUSE connection (pending requests
 * fail with ECONNABORTED, freeing this process) and detach it. Returns the function that calls it off.
 */
function startWatchdog(mnt: string, seconds: number): () => void {
  const script = [
    'sleep "$2"',
    'dev=$(awk -v m="$1" \'$5 == m { print $3 }\' /proc/self/mountinfo)',
    '[ -n "$dev" ] || exit 0',
    'conn="/sys/fs/fuse/connections/${dev#*:}"',
    '[ -d "$conn" ] || mount -t fusectl none /sys/fs/fuse/connections',
    'echo 1 > "$conn/abort"',
    'fusermount -uz "$1" || umount -l "$1"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'sh', mnt, String(seconds)], { detached: true, stdio: 'ignore' });
  child.unref();
  return () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL'); // its own process group: the sh and its sleep
    } catch {
      // already gone
    }
  };
}

/** Mount `fs` on a fresh directory, run `body`, and always unmount and remove the directory. */
async function withMount(
  fs: MountableFs,
  body: (mnt: string, m: FuseMount) => Promise<void>,
  options: MountOptions = {},
): Promise<void> {
  const mnt = await fsp.mkdtemp(join(tmpdir(), 'pmemfs-fuse-'));
  const stopWatchdog = startWatchdog(mnt, WATCHDOG_SECONDS);
  let m: FuseMount | undefined;
  try {
    m = await mountFs(fs, mnt, { timeoutMs: 10_000, ...options });
    expect(await isMounted(mnt)).toBe(true);
    await body(mnt, m);
    const handles = m;
    expect(await until(() => handles.openHandleCount() === 0), 'FUSE handles leaked').toBe(true);
  } finally {
    if (m !== undefined) {
      await m.unmount().catch(async (err: unknown) => {
        console.warn(`fuse-mount.test: unmount failed (${String(err)}); lazy unmount`);
        await forceUnmount(mnt).catch(() => undefined);
      });
    }
    stopWatchdog();
    if (!(await isMounted(mnt))) await fsp.rmdir(mnt).catch(() => undefined);
  }
  expect(await isMounted(mnt)).toBe(false);
}

/** A Volume with user xattrs kept in a map by path: enough to drive the xattr operations. */
class XattrVolume extends Volume {
  readonly xattrs = new Map<string, Map<string, Uint8Array>>();

  setxattrSync(path: string, name: string, value: Uint8Array, flags: number): void {
    this.lstatSync(path);
    const attrs = this.xattrs.get(path) ?? new Map<string, Uint8Array>();
    if (flags === 1 && attrs.has(name)) throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
    if (flags === 2 && !attrs.has(name)) throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
    this.xattrs.set(path, attrs.set(name, value.slice()));
  }

  getxattrSync(path: string, name: string): Uint8Array {
    const value = this.xattrs.get(path)?.get(name);
    if (value === undefined) throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
    return value;
  }

  listxattrSync(path: string): string[] {
    return [...(this.xattrs.get(path)?.keys() ?? [])];
  }

  removexattrSync(path: string, name: string): void {
    if (this.xattrs.get(path)?.delete(name) !== true) {
      throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
    }
  }
}

describe('MountableFs', () => {
  it('is node:fs-shaped: node:fs and a memfs Volume fit it as they are', () => {
    const fits: MountableFs[] = [nodeFs, new Volume(), new XattrVolume()];
    expect(fits).toHaveLength(3);
  });
});

describe('FUSE bridge over a memfs Volume', () => {
  const fuseIt = it.skipIf(noFuse);
  const slow = { timeout: TEST_TIMEOUT_MS };

  fuseIt('shell tools: mkdir, write, read back, ls, rename, unlink', slow, async () => {
    const vol = new Volume();
    await withMount(vol, async (mnt) => {
      expect(await ok(mnt, "mkdir -p d/e && printf 'hello fuse\\n' > d/e/f.txt && cat d/e/f.txt")).toBe('hello fuse\n');
      expect(await ok(mnt, 'ls -1 d/e')).toBe('f.txt\n');
      expect(await ok(mnt, 'mv d/e/f.txt d/g.txt && ls -1 d')).toBe('e\ng.txt\n');
      expect(vol.readFileSync('/d/g.txt', 'utf8')).toBe('hello fuse\n');
      expect(await ok(mnt, "printf 'more\\n' >> d/g.txt && cat d/g.txt")).toBe('hello fuse\nmore\n');
      expect(await ok(mnt, 'rm d/g.txt && rmdir d/e && ls -A d')).toBe('');
      expect(vol.existsSync('/d/g.txt')).toBe(false);
      expect(vol.readdirSync('/d')).toEqual([]);
    });
  });

  fuseIt('node:fs/promises: large write, read, stat, truncate, rename, readdir, unlink', slow, async () => {
    const vol = new Volume();
    const data = Buffer.alloc(300 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    await withMount(vol, async (mnt) => {
      await fsp.mkdir(join(mnt, 'dir'));
      await fsp.writeFile(join(mnt, 'dir', 'big'), data);
      expect((await fsp.stat(join(mnt, 'dir', 'big'))).size).toBe(data.length);
      expect(Buffer.compare(await fsp.readFile(join(mnt, 'dir', 'big')), data)).toBe(0);
      expect(Buffer.compare(Buffer.from(vol.readFileSync('/dir/big')), data)).toBe(0);
      await fsp.truncate(join(mnt, 'dir', 'big'), 1000);
      expect(vol.statSync('/dir/big').size).toBe(1000);
      await fsp.rename(join(mnt, 'dir', 'big'), join(mnt, 'small'));
      expect((await fsp.readdir(mnt)).sort()).toEqual(['dir', 'small']);
      expect(Buffer.compare(await fsp.readFile(join(mnt, 'small')), data.subarray(0, 1000))).toBe(0);
      await fsp.unlink(join(mnt, 'small'));
      expect(vol.readdirSync('/')).toEqual(['dir']);
    });
  });

  fuseIt('links: symlink, readlink, hard link count', slow, async () => {
    const vol = new Volume();
    await withMount(vol, async (mnt) => {
      await ok(mnt, 'echo target > a && ln -s a sl && ln a b');
      expect(await ok(mnt, 'readlink sl && cat sl && stat -c %h a')).toBe('a\ntarget\n2\n');
      expect(vol.readlinkSync('/sl')).toBe('a');
      expect(vol.statSync('/b').nlink).toBe(2);
    });
  });

  fuseIt('metadata: chmod, chown, touch, statfs', slow, async () => {
    const vol = new Volume();
    await withMount(vol, async (mnt) => {
      await ok(mnt, 'touch f && chmod 640 f && chown 123:456 f');
      expect(await ok(mnt, "stat -c '%a %u:%g' f")).toBe('640 123:456\n');
      expect(vol.statSync('/f').mode & 0o7777).toBe(0o640);
      expect(await ok(mnt, "touch -d '2001-02-03 04:05:06Z' f && stat -c %Y f")).toBe('981173106\n');
      const now = Math.floor(Date.now() / 1000);
      const touched = Number(await ok(mnt, 'touch f && stat -c %Y f'));
      expect(Math.abs(touched - now)).toBeLessThan(60); // UTIME_NOW reads as now, not 1970
      const sfs = vol.statfsSync('/');
      expect(await ok(mnt, "stat -f -c '%S %b %f' .")).toBe(`${sfs.bsize} ${sfs.blocks} ${sfs.bfree}\n`);
    });
  });

  fuseIt('errors reach callers as their errno', slow, async () => {
    const vol = new Volume();
    await withMount(vol, async (mnt) => {
      await ok(mnt, 'mkdir -p full/sub && touch plain');
      const cases: readonly [string, () => Promise<unknown>, string][] = [
        ['read a missing file', () => fsp.readFile(join(mnt, 'nope')), 'ENOENT'],
        ['rmdir a non-empty directory', () => fsp.rmdir(join(mnt, 'full')), 'ENOTEMPTY'],
        ['mkdir an existing name', () => fsp.mkdir(join(mnt, 'full')), 'EEXIST'],
        ['rename into a missing directory', () => fsp.rename(join(mnt, 'full'), join(mnt, 'no/x')), 'ENOENT'],
        ['unlink a directory', () => fsp.unlink(join(mnt, 'full')), 'EISDIR'],
        ['create below a missing directory', () => fsp.writeFile(join(mnt, 'full', 'x', 'y'), ''), 'ENOENT'],
        ['create below a file', () => fsp.writeFile(join(mnt, 'plain', 'y'), ''), 'ENOTDIR'],
      ];
      for (const [what, call, code] of cases) await expect(call(), what).rejects.toMatchObject({ code });
      const cat = await sh(mnt, 'cat nope');
      expect(cat.code).not.toBe(0);
      expect(cat.stderr).toMatch(/No such file or directory/);
    });
  });

  fuseIt('a throw without an errno (a bug) reaches callers as EIO and is reported', slow, async () => {
    const vol = new Volume();
    const reported: string[] = [];
    const buggy: MountableFs = {
      ...vol,
      lstatSync: (path) => {
        if (path === '/boom') throw new TypeError('a bug');
        return vol.lstatSync(path);
      },
    };
    const onUnexpectedError = (op: string, path: string, err: unknown): void => {
      reported.push(`${op} ${path} ${String(err)}`);
    };
    await withMount(buggy, async (mnt) => {
      await expect(fsp.stat(join(mnt, 'boom'))).rejects.toMatchObject({ code: 'EIO' });
      expect(reported).toContain('getattr /boom TypeError: a bug');
      await fsp.writeFile(join(mnt, 'fine'), 'ok'); // and the mount carries on
      expect(vol.readFileSync('/fine', 'utf8')).toBe('ok');
    }, { onUnexpectedError });
  });

  fuseIt('mount refuses a missing mountpoint, a file, and a directory already mounted', slow, async () => {
    const dir = await fsp.mkdtemp(join(tmpdir(), 'pmemfs-fuse-'));
    /** Any mount that should not have happened is undone, so a failing case leaves nothing behind. */
    const attempt = (mountpoint: string): Promise<unknown> =>
      mountFs(new Volume(), mountpoint).then(async (m) => {
        await m.unmount();
        return 'mounted';
      }, (err: unknown) => err);
    try {
      expect(await attempt(join(dir, 'missing'))).toMatchObject({ code: 'ENOENT' });
      await fsp.writeFile(join(dir, 'file'), '');
      expect(await attempt(join(dir, 'file'))).toMatchObject({ code: 'ENOTDIR' });
      await withMount(new Volume(), async (mnt) => {
        expect(await attempt(mnt)).toMatchObject({ code: 'EBUSY' });
      });
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(noFuse || !python)('xattrs: set, get, list, remove, ENODATA', slow, async () => {
    const vol = new XattrVolume();
    const script = [
      'import os, sys',
      "p = 'f'",
      "os.setxattr(p, 'user.color', b'blue')",
      "print(os.getxattr(p, 'user.color').decode(), sorted(os.listxattr(p)))",
      "os.removexattr(p, 'user.color')",
      'print(sorted(os.listxattr(p)))',
      'try:',
      "    os.getxattr(p, 'user.color')",
      'except OSError as e:',
      '    print(e.errno)',
    ].join('\n');
    await withMount(vol, async (mnt) => {
      await ok(mnt, 'touch f');
      expect(await ok(mnt, `python3 -c "${script}"`)).toBe("blue ['user.color']\n[]\n61\n");
      expect(vol.xattrs.get('/f')?.size).toBe(0);
    });
  });

  fuseIt('unmount with a file still open closes the handle on the filesystem', slow, async () => {
    const vol = new Volume();
    let opened: fsp.FileHandle | undefined;
    await withMount(vol, async (mnt, m) => {
      opened = await fsp.open(join(mnt, 'held'), 'w');
      await opened.write('x');
      expect(m.openHandleCount()).toBe(1);
      await m.unmount();
      expect(m.openHandleCount()).toBe(0);
      expect(vol.readFileSync('/held', 'utf8')).toBe('x');
    });
    await opened?.close().catch(() => undefined);
  });
});
