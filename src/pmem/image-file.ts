/**
 * The host image file: raw device bytes, exactly what was made durable.
 *
 * Interface:
 *   createImage(path, size)  new sparse file of `size` bytes (fails EEXIST unless overwrite)
 *   openImage(path)          existing file; size from the file
 *   writeFileAt(fd, offset, bytes), ImageFile.sync / close
 *
 * A writer holds `<path>.lock` (created O_EXCL, holding its pid). A lock whose pid is gone
 * (the holder was killed) is stale and taken over, so a crash test can reopen its image.
 * The file carries no header: the filesystem's superblock says whether it is ours.
 */
import {
  closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync, writeFileSync,
} from 'node:fs';
import { fsError, isErrorCode, FsError } from '../errno/index.js';
import { checkDeviceSize } from './geometry.js';

export type Durability = 'fence' | 'fence-sync' | 'close';

export class ImageFile {
  readonly path: string;
  readonly fd: number;
  readonly size: number;
  private readonly lockPath: string;
  private closed = false;

  private constructor(path: string, fd: number, size: number, lockPath: string) {
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
      ftruncateSync(fd, size); // sparse: no blocks until written
      return new ImageFile(path, fd, size, lockPath);
    } catch (e) {
      dropLock(lockPath);
      throw e;
    }
  }

  static open(path: string): ImageFile {
    const st = wrap('stat', path, () => statSync(path));
    if (st.isDirectory()) throw fsError('EISDIR', 'open', { path });
    if (!st.isFile()) throw fsError('EINVAL', 'open', { path, detail: 'not a regular file' });
    try {
      checkDeviceSize('open', st.size);
    } catch {
      throw fsError('EINVAL', 'open', { path, detail: `not a pmem image: size ${st.size} is not a whole number of 4 KiB pages of at least 64 KiB` });
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
    dropLock(this.lockPath);
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

function takeLock(path: string): string {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      held.add(lockPath);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => held.forEach((p) => dropLock(p)));
      }
      return lockPath;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw wrap('open', lockPath, () => { throw e; });
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && (holder === process.pid || alive(holder))) {
        throw fsError('EBUSY', 'open', { path, detail: `image is open for writing by process ${holder}` });
      }
      try {
        unlinkSync(lockPath); // stale: its holder died
      } catch {
        /* raced with another taker; retry */
      }
    }
  }
  throw fsError('EBUSY', 'open', { path, detail: 'could not take the image lock' });
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
