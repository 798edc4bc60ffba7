/**
 * The host image file: raw device bytes, exactly what was made durable.
 *
 * Interface:
 *   ImageFile.create(path, size, overwrite)  new sparse file of `size` bytes (EEXIST unless overwrite)
 *   ImageFile.open(path)                     existing file; size from the file (ENOENT, EISDIR,
 *                                            EINVAL for a foreign size, EBUSY if open elsewhere)
 *   writeFileAt(fd, offset, bytes), image.sync() / close()
 *
 * A writer holds `<path>.lock`, whose text is "<pid> <start time>" of the holding process. It
 * is created atomically with its contents (written to a private file, then link()ed into place,
 * which fails if a lock exists), so no opener ever reads a half-written lock. A lock is stale
 * when its process is gone, or when its pid now belongs to a different process (the start time
 * differs: pids are reused, often quickly in containers); a stale lock is moved aside with an
 * atomic rename and re-checked before it is removed (a live lock moved by mistake is put
 * back), so two openers breaking the same stale lock do not both win. The same process opening an image twice gets EBUSY too.
 * The file carries no header: the filesystem's superblock says whether it is ours.
 */
import {
  closeSync, fdatasyncSync, ftruncateSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync,
  writeFileSync, writeSync,
} from 'node:fs';
import { threadId } from 'node:worker_threads';
import { fsError, isErrorCode, FsError } from '../errno/index.js';
import { checkDeviceSize } from './geometry.js';

export type Durability = 'fence' | 'fence-sync' | 'close';

export class ImageFile {
  readonly path: string;
  readonly fd: number;
  readonly size: number;
  /** The lock this handle holds, or null (a read-only handle takes none). */
  private readonly lockPath: string | null;
  private closed = false;

  private constructor(path: string, fd: number, size: number, lockPath: string | null) {
    this.path = path;
    this.fd = fd;
    this.size = size;
    this.lockPath = lockPath;
  }

  static create(path: string, size: number, overwrite: boolean): ImageFile {
    checkDeviceSize('pmem_create', size);
    const lockPath = takeLock(path);
    try {
      const fd = wrap('open', path, () => openSync(path, overwrite ? 'w+' : 'wx+', 0o644));
      try {
        wrap('ftruncate', path, () => ftruncateSync(fd, size)); // sparse: no blocks until written
      } catch (e) {
        closeSync(fd);
        unlinkSync(path); // we created (or emptied) it: do not leave a foreign-sized file
        throw e;
      }
      return new ImageFile(path, fd, size, lockPath);
    } catch (e) {
      dropLock(lockPath);
      throw e;
    }
  }

  /**
   * `readOnly`: opened for reading only, so an image the user may not write (chmod 444, a
   * read-only mount) still opens. It takes no lock (that would need write access to the
   * directory), but refuses, EBUSY, an image a live process holds open for writing: lazily
   * loaded regions read at different moments of a writer's updates would not be one state.
   */
  static open(path: string, readOnly = false): ImageFile {
    const st = wrap('open', path, () => statSync(path));
    if (st.isDirectory()) throw fsError('EISDIR', 'open', { path });
    if (!st.isFile()) throw fsError('EINVAL', 'open', { path, detail: 'not a regular file' });
    try {
      checkDeviceSize('open', st.size);
    } catch {
      throw fsError('EINVAL', 'open', { path, detail: `not a pmem image: size ${st.size} is not a whole number of 4 KiB pages of at least 64 KiB` });
    }
    if (readOnly) {
      const holder = readLock(`${path}.lock`);
      if (holder !== null && isLive(holder)) throw heldBy(path, holder);
      return new ImageFile(path, wrap('open', path, () => openSync(path, 'r')), st.size, null);
    }
    const lockPath = takeLock(path);
    try {
      const fd = wrap('open', path, () => openSync(path, 'r+'));
      return new ImageFile(path, fd, st.size, lockPath);
    } catch (e) {
      dropLock(lockPath);
      throw e;
    }
  }

  sync(): void {
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (this.lockPath !== null) dropLock(this.lockPath);
  }
}

/** pwrite the whole buffer (any thread may call it with the shared fd). */
export function writeFileAt(fd: number, offset: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, offset + done);
}

function wrap<T>(syscall: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && isErrorCode(code)) throw fsError(code, syscall, { path });
    if (e instanceof FsError) throw e;
    throw fsError('EIO', syscall, { path, detail: String((e as Error).message) });
  }
}

/** Process-wide: locks to drop if the process exits without closing. */
const held = new Set<string>();
let exitHook = false;

/**
 * "<pid> <start time>" of a running process (start time from /proc; empty where there is no
 * /proc), or null if there is no such process. A zombie (killed, not yet reaped) is gone.
 */
function identity(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3, state
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return `${pid} ${fields[19] ?? ''}`;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT' && hasProc()) return null; // no such process
    return alive(pid) ? `${pid} ` : null;
  }
}

function hasProc(): boolean {
  try {
    statSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

function takeLock(path: string): string {
  const lockPath = `${path}.lock`;
  const me = identity(process.pid) ?? `${process.pid} `;
  const mine = `${lockPath}.${process.pid}.${threadId}`;
  wrap('open', path, () => writeFileSync(mine, me)); // named as the image: the private file is ours, not the user's
  try {
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        linkOrCreate(mine, lockPath, me);
        held.add(lockPath);
        if (!exitHook) {
          exitHook = true;
          process.on('exit', () => held.forEach((p) => dropLock(p)));
        }
        return lockPath;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw wrap('open', lockPath, () => { throw e; });
      }
      const holder = readLock(lockPath);
      if (holder === null) continue; // released meanwhile: try again
      if (isLive(holder)) {
        throw heldBy(path, holder);
      }
      breakStaleLock(lockPath, holder);
    }
    throw fsError('EBUSY', 'open', { path, detail: 'could not take the image lock' });
  } finally {
    try {
      unlinkSync(mine);
    } catch {
      /* already gone */
    }
  }
}

/** EBUSY: a live process (its lock text `holder`) has the image open for writing. */
function heldBy(path: string, holder: string): FsError {
  return fsError('EBUSY', 'open', { path, detail: `image is open for writing by process ${holder.split(' ')[0]}` });
}

/** link(2) where the host filesystem has hard links; else an O_EXCL create (not atomic with its text). */
function linkOrCreate(mine: string, lockPath: string, text: string): void {
  try {
    linkSync(mine, lockPath);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    writeFileSync(lockPath, text, { flag: 'wx' });
  }
}

/** The lock's text, or null if there is no lock. */
function readLock(lockPath: string): string | null {
  try {
    return readFileSync(lockPath, 'utf8').trim();
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw wrap('open', lockPath, () => { throw e; });
  }
}

/** Is the process that wrote this lock text still running (the same process, not a pid reuse)? */
function isLive(lockText: string): boolean {
  const [pidText, start] = lockText.split(' ');
  const pid = Number.parseInt(pidText ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return false; // not our format: stale
  const now = identity(pid);
  if (now === null) return false;
  return start === undefined || start === '' || now.split(' ')[1] === '' || now === `${pid} ${start}`;
}

/**
 * Move the stale lock aside atomically, then check what we moved: if another opener replaced
 * the stale lock with its live one in between, put that one back.
 */
function breakStaleLock(lockPath: string, stale: string): void {
  const aside = `${lockPath}.stale.${process.pid}.${threadId}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // someone else broke or released it: retry
  }
  const moved = readLock(aside);
  if (moved !== null && moved !== stale && isLive(moved)) {
    try {
      linkSync(aside, lockPath);
    } catch {
      /* a third opener took it meanwhile: it holds a valid lock either way */
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    /* already gone */
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

function dropLock(lockPath: string): void {
  held.delete(lockPath);
  try {
    unlinkSync(lockPath);
  } catch {
    /* already gone */
  }
}
