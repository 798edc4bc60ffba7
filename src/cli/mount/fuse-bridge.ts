/**
 * fuse-bridge: mounts a node:fs-shaped synchronous filesystem on a directory through FUSE.
 *
 * Interface:
 *   const m = await mountFs(fs, '/mnt/x', { fsname: 'pmemfs' }); // resolves once the kernel is in
 *   m.openHandleCount();  // files the kernel holds open on `fs`
 *   await m.unmount();    // idempotent: lazy unmount, then closes whatever is still open on `fs`
 *   await forceUnmount('/mnt/x'); // last resort for a mount whose owner is gone or stuck
 *   await isMounted('/mnt/x');    // per /proc/self/mountinfo, without touching the mount
 *   loadFuse();           // whether this machine can mount at all, and why not
 * Errors are FsErrors: ENODEV when FUSE or the binding is unavailable (detail says why),
 * ENOENT/ENOTDIR/EBUSY for a bad mountpoint, ETIMEDOUT when mount or unmount takes longer than
 * `timeoutMs`, EIO when libfuse or fusermount refuses.
 * Invariants:
 * - The mounting process must not touch the mountpoint from its JS thread with blocking calls:
 *   every FUSE request waits for that thread to answer, so readFileSync, execSync, and even an
 *   async spawn with `cwd` inside the mount (libuv blocks until the child has exec'd, and the
 *   child's chdir is a FUSE request) deadlock in the kernel, beyond the reach of SIGKILL; only
 *   aborting the connection (/sys/fs/fuse/connections/N/abort) frees them. fs.promises (thread
 *   pool) and child processes that `cd` themselves are safe.
 * - The kernel checks permissions against the mode bits (default_permissions); `fs` is not asked.
 * - After a successful unmount, no fd the bridge opened on `fs` is left open. A mount removed
 *   from outside (fusermount -u) counts as unmounted, but the binding then keeps its event-loop
 *   handle referenced: a CLI should exit explicitly rather than wait for the loop to drain.
 */
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { fsError, isErrorCode } from '../../errno/index.js';
import type { FuseConstructor } from './fuse-binding.js';
import { loadFuse } from './fuse-binding.js';
import { fuseOperations, type UnexpectedErrorReporter } from './fuse-operations.js';
import { HandleTable } from './handle-table.js';
import type { MountableFs } from './mountable-fs.js';

export { loadFuse, type FuseAvailability } from './fuse-binding.js';
export type { UnexpectedErrorReporter } from './fuse-operations.js';
export type { MountableDirEntry, MountableFs, MountableStatfs, MountableStats } from './mountable-fs.js';

export interface MountOptions {
  /** Source name shown in /proc/mounts; the type shows as fuse.pmemfs. Default 'pmemfs'. */
  readonly fsname?: string;
  /** Let users other than the mounting one in (needs user_allow_other for non-root). */
  readonly allowOther?: boolean;
  /** libfuse's request trace on stderr. */
  readonly debug?: boolean;
  /** Longest wait for mount or unmount. Default 10 s. */
  readonly timeoutMs?: number;
  /** Called for throws that carry no errno (bugs); they reach the kernel as EIO. Default: stderr. */
  readonly onUnexpectedError?: UnexpectedErrorReporter;
}

type Binding = InstanceType<FuseConstructor>;
type Outcome = Error | null | 'timeout';

const DEFAULT_TIMEOUT_MS = 10_000;

export async function mountFs(fs: MountableFs, mountpoint: string, options: MountOptions = {}): Promise<FuseMount> {
  const loaded = await loadFuse();
  if (!loaded.available) throw fsError('ENODEV', 'mount', { path: mountpoint, detail: loaded.reason });
  // mountinfo lists the real path; resolving it later would go through the mount itself.
  const target = await realpath(resolvePath(mountpoint)).catch((err: unknown) => {
    throw mountError(err instanceof Error ? err : new Error(String(err)), mountpoint);
  });
  const handles = new HandleTable();
  const ops = fuseOperations(fs, handles, options.onUnexpectedError ?? reportToStderr);
  const fuse = new loaded.Fuse(target, ops, {
    fsname: options.fsname ?? 'pmemfs',
    subtype: 'pmemfs',
    defaultPermissions: true,
    allowOther: options.allowOther ?? false,
    debug: options.debug ?? false,
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const outcome = await settle((cb) => fuse.mount(cb), timeoutMs);
  if (outcome === 'timeout') {
    await forceUnmount(target).catch(() => undefined);
    throw fsError('ETIMEDOUT', 'mount', { path: target, detail: `no FUSE INIT within ${timeoutMs} ms` });
  }
  if (outcome !== null) throw mountError(outcome, target);
  return new FuseMount(fs, fuse, handles, target, timeoutMs);
}

/** A live mount. Lifecycle: mounted → (unmount) → unmounted; unmount may be called again. */
export class FuseMount {
  #unmounting: Promise<void> | undefined;

  constructor(
    private readonly fs: MountableFs,
    private readonly binding: Binding,
    private readonly handles: HandleTable,
    readonly mountpoint: string,
    private readonly timeoutMs: number,
  ) {}

  openHandleCount(): number {
    return this.handles.size;
  }

  unmount(): Promise<void> {
    this.#unmounting ??= this.#unmount().catch((err: unknown) => {
      this.#unmounting = undefined; // let the caller retry, or fall back to forceUnmount
      throw err;
    });
    return this.#unmounting;
  }

  async #unmount(): Promise<void> {
    const outcome = await settle((cb) => this.binding.unmount(cb), this.timeoutMs);
    if (outcome === 'timeout') {
      throw fsError('ETIMEDOUT', 'umount', { path: this.mountpoint, detail: `not done in ${this.timeoutMs} ms` });
    }
    if (outcome !== null && (await isMounted(this.mountpoint))) {
      throw fsError('EIO', 'umount', { path: this.mountpoint, detail: outcome.message });
    }
    // A lazy unmount leaves files that other processes still hold; they can no longer be released.
    for (const fd of this.handles.drain()) {
      try {
        this.fs.closeSync(fd);
      } catch (err) {
        reportToStderr('close', this.mountpoint, err);
      }
    }
  }
}

/** Detach a FUSE mount whatever its state: `fusermount -uz`, then `umount -l`. */
export async function forceUnmount(mountpoint: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  if (!(await isMounted(mountpoint))) return;
  const fusermount = await run('fusermount', ['-uz', mountpoint], timeoutMs);
  if (fusermount === null) return;
  const umount = await run('umount', ['-l', mountpoint], timeoutMs);
  if (umount === null) return;
  throw fsError('EIO', 'umount', { path: mountpoint, detail: `${fusermount.message}; ${umount.message}` });
}

/** Whether `mountpoint` (an absolute, resolved path) is a mount point in this mount namespace. */
export async function isMounted(mountpoint: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => unescapeMountField(line.split(' ')[4] ?? '') === mountpoint);
}

/** mountinfo writes space, tab, newline and backslash in paths as a backslash and 3 octal digits. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Start a callback-style call and wait for it, at most `timeoutMs`. */
function settle(start: (cb: (err: Error | null) => void) => void, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      resolve(err);
    };
    try {
      start(done);
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<Error | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (err, _stdout, stderr) => {
      resolve(err === null ? null : new Error(`${file}: ${stderr.trim() || err.message}`));
    });
  });
}

/** fuse-native reports a bad mountpoint with these messages, or passes a stat error through. */
const MOUNT_MESSAGES = {
  'Mountpoint does not exist': 'ENOENT',
  'Mountpoint is not a directory': 'ENOTDIR',
  'Mountpoint in use': 'EBUSY',
} as const;

function mountError(err: Error, mountpoint: string): Error {
  const byMessage = Object.entries(MOUNT_MESSAGES).find(([message]) => message === err.message);
  if (byMessage) return fsError(byMessage[1], 'mount', { path: mountpoint });
  const code = 'code' in err && typeof err.code === 'string' ? err.code : '';
  if (isErrorCode(code)) return fsError(code, 'mount', { path: mountpoint });
  return fsError('EIO', 'mount', { path: mountpoint, detail: `libfuse: ${err.message}` });
}

function reportToStderr(op: string, path: string, err: unknown): void {
  const what = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`pmemfs mount: unexpected error in ${op} '${path}' (answered EIO): ${what}\n`);
}
