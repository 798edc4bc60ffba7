/**
 * fuse-operations: the FUSE operation table, each operation one call into a MountableFs.
 *
 * Interface: `fuseOperations(fs, handles, report)` → the `ops` object for `new Fuse(...)`.
 * Every operation runs synchronously and answers exactly once: 0 (plus a value) on success, the
 * error's negative errno on a filesystem error, -EIO after `report(...)` on anything else.
 * Mapping notes (libfuse 2.9 high-level API, as fuse-native drives it):
 * - getattr uses lstat: FUSE resolves symlinks itself through readlink.
 * - open drops every flag but the access mode and O_TRUNC: the kernel passes explicit offsets
 *   (so O_APPEND must not move them again) and syncs through fsync.
 * - create gets no flags from the binding, so it opens O_CREAT|O_RDWR; O_EXCL is checked by the
 *   kernel, which only sends create after a negative lookup.
 * - chown's uid/gid 0xffffffff means "unchanged"; resolved from lstat.
 * - utimens: UTIME_NOW and UTIME_OMIT reach us as 1073 ms (tv_sec 0, tv_nsec ~2^30, in ms), and
 *   fuse-native passes atime in both slots (sagemathinc/fuse-native#3). 1073 is read as "now".
 * - fh 0 on ftruncate means "no handle": truncate by path.
 */
import { constants } from 'node:fs';
import type Fuse from 'fuse-native';
import { EIO_RESULT, negativeErrno } from './fuse-errno.js';
import type { HandleTable } from './handle-table.js';
import type { MountableDirEntry, MountableFs, MountableStatfs, MountableStats } from './mountable-fs.js';

export type UnexpectedErrorReporter = (op: string, path: string, err: unknown) => void;

const O_ACCMODE = 0o3;
const KEEP_ID = 0xffffffff;
const UTIME_SPECIAL_MS = 1073;
const PERMISSION_BITS = 0o7777;
const UINT32_MAX = 0xffffffff;
const NAME_MAX = 255;

export function fuseOperations(
  fs: MountableFs,
  handles: HandleTable,
  report: UnexpectedErrorReporter,
): Fuse.Operations {
  const { reply, count } = answerers(report);
  const ops: Fuse.Operations = {
    getattr: (path, cb) => reply(cb, 'getattr', path, () => toFuseStat(fs.lstatSync(path))),
    readdir: (path, cb) => reply(cb, 'readdir', path, () => ['.', '..', ...fs.readdirSync(path).map(entryName)]),
    readlink: (path, cb) => reply(cb, 'readlink', path, () => text(fs.readlinkSync(path))),

    open: (path, flags, cb) =>
      reply(cb, 'open', path, () => handles.add(fs.openSync(path, flags & (O_ACCMODE | constants.O_TRUNC)))),
    create: (path, mode, cb) =>
      reply(cb, 'create', path, () =>
        handles.add(fs.openSync(path, constants.O_CREAT | constants.O_RDWR, mode & PERMISSION_BITS))),
    release: (path, fh, cb) => reply(cb, 'release', path, () => fs.closeSync(handles.remove(fh, 'close'))),
    read: (path, fh, buf, length, position, cb) =>
      count(cb, 'read', path, () => fully(fs.readSync, fs, handles.fd(fh, 'read'), buf, length, position)),
    write: (path, fh, buf, length, position, cb) =>
      count(cb, 'write', path, () => fully(fs.writeSync, fs, handles.fd(fh, 'write'), buf, length, position)),
    ftruncate: (path, fh, size, cb) =>
      reply(cb, 'ftruncate', path, () =>
        fh === 0 ? fs.truncateSync(path, size) : fs.ftruncateSync(handles.fd(fh, 'ftruncate'), size)),
    fsync: (path, _datasync, fh, cb) => reply(cb, 'fsync', path, () => fs.fsyncSync(handles.fd(fh, 'fsync'))),

    truncate: (path, size, cb) => reply(cb, 'truncate', path, () => fs.truncateSync(path, size)),
    unlink: (path, cb) => reply(cb, 'unlink', path, () => fs.unlinkSync(path)),
    mkdir: (path, mode, cb) => reply(cb, 'mkdir', path, () => fs.mkdirSync(path, mode & PERMISSION_BITS)),
    rmdir: (path, cb) => reply(cb, 'rmdir', path, () => fs.rmdirSync(path)),
    rename: (src, dest, cb) => reply(cb, 'rename', src, () => fs.renameSync(src, dest)),
    link: (src, dest, cb) => reply(cb, 'link', src, () => fs.linkSync(src, dest)),
    symlink: (target, path, cb) => reply(cb, 'symlink', path, () => fs.symlinkSync(target, path)),
    chmod: (path, mode, cb) => reply(cb, 'chmod', path, () => fs.chmodSync(path, mode & PERMISSION_BITS)),
    chown: (path, uid, gid, cb) => reply(cb, 'chown', path, () => chown(fs, path, uid, gid)),
    utimens: (path, atimeMs, mtimeMs, cb) =>
      reply(cb, 'utimens', path, () => utimes(fs, path, fuseTime(atimeMs), fuseTime(mtimeMs))),
  };
  addOptionalOperations(fs, ops, reply);
  return ops;
}

type Replier = <T>(cb: Fuse.DoneWith<T>, op: string, path: string, body: () => T) => void;
type Counter = (cb: Fuse.Done, op: string, path: string, body: () => number) => void;

/**
 * `reply` answers (0, value) or (-errno); `count` answers a byte count or -errno. The callback is
 * called outside the try, so a throw inside the binding cannot make us answer twice.
 */
function answerers(report: UnexpectedErrorReporter): { reply: Replier; count: Counter } {
  const errnoOf = (op: string, path: string, err: unknown): number => {
    const errno = negativeErrno(err);
    if (errno !== undefined) return errno;
    report(op, path, err);
    return EIO_RESULT;
  };
  const reply: Replier = <T>(cb: Fuse.DoneWith<T>, op: string, path: string, body: () => T): void => {
    let value: T;
    try {
      value = body();
    } catch (err) {
      cb(errnoOf(op, path, err));
      return;
    }
    cb(0, value);
  };
  const count: Counter = (cb, op, path, body) => {
    let n: number;
    try {
      n = body();
    } catch (err) {
      n = errnoOf(op, path, err);
    }
    cb(n);
  };
  return { reply, count };
}

/** statfs and the xattr calls exist only where the filesystem implements them. */
function addOptionalOperations(fs: MountableFs, ops: Fuse.Operations, reply: Replier): void {
  const { statfsSync, setxattrSync, getxattrSync, listxattrSync, removexattrSync } = fs;
  if (statfsSync) ops.statfs = (path, cb) => reply(cb, 'statfs', path, () => toFuseStatfs(statfsSync.call(fs, path)));
  if (setxattrSync) {
    ops.setxattr = (path, name, value, _position, flags, cb) =>
      reply(cb, 'setxattr', path, () => setxattrSync.call(fs, path, name, Uint8Array.from(value), flags));
  }
  if (getxattrSync) {
    ops.getxattr = (path, name, _position, cb) =>
      reply(cb, 'getxattr', path, () => asBuffer(getxattrSync.call(fs, path, name)));
  }
  if (listxattrSync) ops.listxattr = (path, cb) => reply(cb, 'listxattr', path, () => listxattrSync.call(fs, path));
  if (removexattrSync) {
    ops.removexattr = (path, name, cb) => reply(cb, 'removexattr', path, () => removexattrSync.call(fs, path, name));
  }
}

function toFuseStat(st: MountableStats): Fuse.Stat {
  return {
    mode: st.mode,
    uid: st.uid ?? process.getuid?.() ?? 0,
    gid: st.gid ?? process.getgid?.() ?? 0,
    size: st.size,
    dev: 0,
    nlink: st.nlink,
    ino: st.ino,
    rdev: st.rdev ?? 0,
    blksize: st.blksize ?? 4096,
    blocks: st.blocks,
    atime: st.atimeMs,
    mtime: st.mtimeMs,
    ctime: st.ctimeMs,
  };
}

function toFuseStatfs(s: MountableStatfs): Fuse.Statfs {
  const u32 = (n: number): number => Math.min(Math.max(0, Math.floor(n)), UINT32_MAX);
  return {
    bsize: u32(s.bsize),
    frsize: u32(s.bsize),
    blocks: u32(s.blocks),
    bfree: u32(s.bfree),
    bavail: u32(s.bavail),
    files: u32(s.files),
    ffree: u32(s.ffree),
    favail: u32(s.ffree),
    fsid: 0,
    flag: 0,
    namemax: NAME_MAX,
  };
}

/**
 * FUSE hands a short count straight back to the caller (a short read reads as end of file), so
 * keep calling `io` (fs.readSync or fs.writeSync) until `length` bytes are done or it returns 0.
 */
function fully(io: MountableFs['readSync'] | MountableFs['writeSync'], fs: MountableFs, fd: number, buf: Uint8Array, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = io.call(fs, fd, buf, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

function chown(fs: MountableFs, path: string, uid: number, gid: number): void {
  if (uid === KEEP_ID || gid === KEEP_ID) {
    const st = toFuseStat(fs.lstatSync(path));
    if (uid === KEEP_ID) uid = st.uid;
    if (gid === KEEP_ID) gid = st.gid;
  }
  if (fs.lchownSync) fs.lchownSync(path, uid, gid);
  else fs.chownSync(path, uid, gid);
}

function utimes(fs: MountableFs, path: string, atime: Date, mtime: Date): void {
  if (fs.lutimesSync) fs.lutimesSync(path, atime, mtime);
  else fs.utimesSync(path, atime, mtime);
}

function fuseTime(ms: number): Date {
  return new Date(ms === UTIME_SPECIAL_MS ? Date.now() : ms);
}

function entryName(entry: MountableDirEntry): string {
  return typeof entry === 'string' || entry instanceof Uint8Array ? text(entry) : text(entry.name);
}

function text(s: string | Uint8Array): string {
  return typeof s === 'string' ? s : Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('utf8');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
