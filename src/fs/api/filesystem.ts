/**
 * Filesystem: a mounted pmemfs with the synchronous node:fs API (names, argument orders, flags,
 * Stats, Dirent and errors of node:fs), plus the Linux storage calls node:fs lacks
 * (storage-ops.ts adds fallocate, clone, dedupe, fiemap, xattrs, statfs).
 *
 * Every mutating call is one transaction (fs/inode/txn.ts): atomic and durable when it returns.
 * Errors are FsError with node's `code`, `errno`, `syscall`, `path`, `dest`; a wrong argument is
 * node:fs's TypeError or RangeError (validate.ts), checked first, in node's order.
 * The class is a thin shell: resolution in fs/dir, data in fs/inode; this file maps node:fs
 * arguments onto them.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { posix } from 'node:path';
import { fsError, invalidArgType, invalidArgValue, isArgError, isFsError, reframe, systemError } from '../../errno/index.js';
import type { Timespec } from '../format/index.js';
import {
  type FsCore, type Inode, type MapChange, type Txn, beforeAll, cloneData, readData, transact, truncateData, writeData, S_IFMT, now,
} from '../inode/index.js';
import { createNode, linkNode, lookup, pathOf, renameNode, rmdirNode, unlinkNode, type Creds, type Follow, type Lookup } from '../dir/index.js';
import { type CpFs, type CpOptions, copyTree } from './cp.js';
import { Dir } from './dir-handle.js';
import { type JsonTree, type NestedJsonTree, type TreeFs, fromJSON, fromNestedJSON, reset, toJSON } from './json-tree.js';
import { FdTable, type OpenFile } from './fd-table.js';
import { parseFlags, type OpenMode } from './open-flags.js';
import { type FsPromises, promisesOf } from './promises.js';
import { BigIntStats, Dirent, Stats } from './stats.js';
import { ReadStream, type ReadStreamOptions, WriteStream, type WriteStreamOptions } from './streams.js';
import {
  accessMode, checkOwner, invalidOptions, optionsOf, parseFileMode, readPosition, readRange, toUnixSeconds, validateBoolean, validateBuffer, validateData,
  validateFd, validateInteger, validatePath, validateViews, writePosition, writeRange,
} from './validate.js';

export type PathLike = string;
export type Encoding = BufferEncoding | 'buffer' | null | undefined;
/** An encoding that gives names as strings. */
type TextEncoding = Exclude<Encoding, 'buffer'>;
type ReaddirOptions = Encoding | { withFileTypes?: boolean; encoding?: Encoding; recursive?: boolean };
type DataLike = string | Uint8Array;

/** realpathSync's overloads: a Buffer with encoding 'buffer', else a string. */
type RealpathFn = {
  (path: PathLike, options?: TextEncoding | { encoding?: TextEncoding }): string;
  (path: PathLike, options: 'buffer' | { encoding: 'buffer' }): Buffer;
  (path: PathLike, options?: Encoding | { encoding?: Encoding }): string | Buffer;
};
type RealpathSync = RealpathFn & { native: RealpathFn };

/** The encoding a name-returning call (readdir, readlink, realpath) was asked for. */
function nameEncoding(options: unknown): Encoding {
  return optionsOf<{ encoding: Encoding }>(options).encoding;
}

/** A name (UTF-8 inside) as the caller's encoding asks: a string, or its bytes for 'buffer'. */
function encodeName(name: string, encoding: Encoding): string {
  if (encoding === undefined || encoding === null || encoding === 'utf8' || encoding === 'utf-8') return name;
  const bytes = Buffer.from(name, 'utf8');
  // The overloads of the callers give a Buffer its type; internally names travel as strings.
  return (encoding === 'buffer' ? bytes : bytes.toString(encoding)) as unknown as string;
}

/** The process's credentials, asked once: getuid() is a system call, and crash campaigns mount thousands of times a second. */
const HOST_CREDS: Creds = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

/** statSync/lstatSync options, as node:fs's. */
export interface StatOptions {
  throwIfNoEntry?: boolean;
  bigint?: boolean;
}

export const COPYFILE_EXCL = 1;
export const COPYFILE_FICLONE = 2;
export const COPYFILE_FICLONE_FORCE = 4;

export class FilesystemBase {
  readonly core: FsCore;
  protected readonly fds = new FdTable();
  protected creds: Creds = { ...HOST_CREDS };
  /** Bits cleared from the mode of what this mount creates (MountOptions.umask). */
  protected umask = 0;
  protected mounted = true;
  /** Device id reported in Stats.dev. */
  readonly devId: number;

  /** node:fs's constants (open flags, access modes, COPYFILE_*), as `fs.constants`. */
  readonly constants = constants;
  private promiseApi: FsPromises | null = null;

  constructor(core: FsCore) {
    this.core = core;
    this.devId = core.sb.uuid[0]! | (core.sb.uuid[1]! << 8);
  }

  /** node:fs/promises' calls over this filesystem (promises.ts), as `fs.promises`. */
  get promises(): FsPromises {
    return (this.promiseApi ??= promisesOf(this));
  }

  // --- descriptors -------------------------------------------------------------------------

  openSync(path: PathLike, flags: string | number = 'r', mode: number | string = 0o666): number {
    path = validatePath(path);
    const m = parseFlags(flags, 'open', path);
    const perm = parseFileMode(mode, 'mode', 0o666);
    const l = this.openTarget(path, m);
    // A created inode exists in the state once its commit is applied: look it up by number.
    const file = l.inode ?? this.core.get(transact(this.core, 'create', 'open', (t) => createNode(t, l.parent, l.name, 'file', perm & ~this.umask, this.creds, path).ino))!;
    // Linux truncates on O_TRUNC whatever the access mode (O_RDONLY | O_TRUNC too).
    if (m.truncate && file.attrs.size > 0) transact(this.core, 'truncate', 'open', (t) => truncateData(t, file, 0, path));
    return this.fds.open(file, m, path).fd;
  }

  /**
   * open(2)'s checks on the last component, shared by openSync and the one-transaction
   * writeFile/appendFile: the existing inode, or null where O_CREAT will create it.
   */
  private openTarget(path: PathLike, m: OpenMode): Lookup {
    let l: Lookup;
    if (m.create) {
      // O_CREAT: a trailing slash is EISDIR, existing or not; O_EXCL (or O_NOFOLLOW) does not
      // follow a final symlink, anything else follows it, even a dangling one (creating its target).
      l = this.resolve(path, 'parent', 'open');
      if (l.trailingSlash) throw fsError('EISDIR', 'open', { path });
      if (l.inode?.type === 'symlink' && !m.exclusive && !m.noFollow) l = this.resolve(path, true, 'open');
    } else l = this.resolve(path, !m.noFollow, 'open');
    const inode = l.inode;
    if (inode === null) {
      if (!m.create) throw fsError('ENOENT', 'open', { path });
      return l;
    }
    if (m.create && m.exclusive) throw fsError('EEXIST', 'open', { path });
    if (m.directory && !inode.isDir) throw fsError('ENOTDIR', 'open', { path });
    if (inode.type === 'symlink') throw fsError('ELOOP', 'open', { path });
    if (inode.isDir && (m.write || m.truncate || m.create)) throw fsError('EISDIR', 'open', { path });
    return l;
  }

  closeSync(fd: number): void {
    const inode = this.fds.close(fd);
    this.releaseIfOrphan(inode);
  }

  readSync(fd: number, buffer: Uint8Array, offsetOrOpts?: number | { offset?: number; length?: number; position?: number | bigint | null }, length?: number, position?: number | bigint | null): number {
    // node:fs's checks, in its order: fd, buffer, offset, length, position; then the call's own.
    validateFd(fd);
    validateBuffer(buffer);
    // Both call forms without an options object per read, as in writeSync. Three arguments
    // (or an object) is the options form, as in node:fs.
    let off: unknown;
    let len: unknown;
    let p: unknown;
    if (arguments.length <= 3 || typeof offsetOrOpts === 'object') {
      if (offsetOrOpts !== undefined && offsetOrOpts !== null && typeof offsetOrOpts !== 'object') throw invalidOptions(offsetOrOpts);
      off = offsetOrOpts?.offset ?? 0;
      len = offsetOrOpts?.length ?? buffer.byteLength - (off as number);
      p = offsetOrOpts?.position;
    } else {
      off = offsetOrOpts;
      len = length;
      p = position;
    }
    off = off === undefined ? 0 : validateInteger(off, 'offset', 0);
    const n = (len as number) | 0; // node:fs's `length |= 0`
    if (n === 0) return 0;
    if (buffer.byteLength === 0) throw invalidArgValue('buffer', buffer, 'is empty and cannot be written');
    readRange(off as number, n, buffer.byteLength);
    const pos = readPosition(p);
    return this.readAt(this.readable(fd), buffer, off as number, n, pos);
  }

  /** The open file `fd` names, if read(2) may read it: open for reading, and not a directory. */
  private readable(fd: number): OpenFile {
    const f = this.fds.get(fd, 'read');
    if (!f.mode.read) throw fsError('EBADF', 'read');
    if (f.inode.isDir) throw fsError('EISDIR', 'read');
    return f;
  }

  /** The open file `fd` names, if write(2) may write it: open for writing. */
  private writable(fd: number): OpenFile {
    const f = this.fds.get(fd, 'write');
    if (!f.mode.write) throw fsError('EBADF', 'write');
    return f;
  }

  private readAt(f: OpenFile, buffer: ArrayBufferView, off: number, len: number, pos: number | null): number {
    // The caller's own Uint8Array when it is read into whole (a view per read is garbage).
    const target = off === 0 && len === buffer.byteLength && buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset + off, len);
    const n = readData(this.core, f.inode, target, pos ?? f.position);
    if (pos === null) f.position += n;
    return n;
  }

  writeSync(
    fd: number, data: DataLike | ArrayBufferView, offsetOrOpts?: number | bigint | null | { offset?: number; length?: number; position?: number | bigint | null },
    lengthOrEncoding?: number | BufferEncoding, position?: number | bigint | null,
  ): number {
    // node:fs's checks, in its order: fd, data, offset, length; then the call's own.
    validateFd(fd);
    let bytes: Uint8Array;
    let pos: number | null;
    if (typeof data === 'string') {
      // An unknown encoding is utf8 here, as in node:fs's binding.
      bytes = Buffer.from(data, typeof lengthOrEncoding === 'string' && Buffer.isEncoding(lengthOrEncoding) ? lengthOrEncoding : 'utf8');
      pos = writePosition(offsetOrOpts);
    } else {
      validateData(data, 'buffer');
      // Both call forms without an options object per write (this is the hot path).
      let off: unknown;
      let len: unknown;
      let p: unknown;
      if (typeof offsetOrOpts === 'object' && offsetOrOpts !== null) {
        off = offsetOrOpts.offset;
        len = offsetOrOpts.length;
        p = offsetOrOpts.position;
      } else {
        off = offsetOrOpts;
        len = lengthOrEncoding;
        p = position;
      }
      off = off === undefined || off === null ? 0 : validateInteger(off, 'offset', 0);
      const o = off as number;
      const l = typeof len === 'number' ? len : data.byteLength - o;
      writeRange(o, l, data.byteLength);
      // The caller's own Uint8Array when it is written whole (a view per write is garbage).
      bytes = o === 0 && l === data.byteLength && data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset + o, l);
      pos = writePosition(p);
    }
    return this.writeAt(this.writable(fd), bytes, pos);
  }

  /** node:fs's readvSync: the buffers filled in order, from one position (or the file's). */
  readvSync(fd: number, buffers: readonly ArrayBufferView[], position?: number | null): number {
    validateFd(fd);
    validateViews(buffers);
    const pos = writePosition(position); // anything but a position reads at the file position
    if (buffers.length === 0) throw fsError('EINVAL', 'read'); // as libuv: no buffers is EINVAL
    const f = this.readable(fd);
    let total = 0;
    for (const b of buffers) {
      const n = this.readAt(f, b, 0, b.byteLength, pos === null ? null : pos + total);
      total += n;
      if (n < b.byteLength) break; // end of file
    }
    return total;
  }

  /**
   * node:fs's writevSync: the buffers written in order, as ONE write (one transaction: all of
   * them or, after a crash, none), as pwritev(2) is one call.
   */
  writevSync(fd: number, buffers: readonly ArrayBufferView[], position?: number | null): number {
    validateFd(fd);
    validateViews(buffers);
    if (buffers.length === 0) return 0;
    const pos = writePosition(position);
    const f = this.writable(fd);
    const bytes = Buffer.concat(buffers.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    return bytes.length === 0 ? 0 : this.writeAt(f, bytes, pos);
  }

  protected writeAt(f: OpenFile, bytes: Uint8Array, pos: number | null): number {
    const at = f.mode.append ? f.inode.attrs.size : pos ?? f.position;
    if (!Number.isSafeInteger(at) || at < 0) throw fsError('EINVAL', 'write');
    const n = transact(this.core, 'write', 'write', writeOpen, f, bytes, at);
    if (pos === null || f.mode.append) f.position = at + n;
    return n;
  }

  fsyncSync(fd: number): void {
    this.fds.get(fd, 'fsync');
    this.syncMappings(fd);
  }

  fdatasyncSync(fd: number): void {
    this.fds.get(fd, 'fdatasync');
    this.syncMappings(fd);
  }

  /** Everything is durable when it returns; what fsync adds is the data of DAX mappings. */
  protected syncMappings(_fd: number): void {
    this.core.dev.fence();
  }

  ftruncateSync(fd: number, len = 0): void {
    validateFd(fd);
    validateInteger(len, 'len');
    const f = this.fds.get(fd, 'ftruncate');
    if (!f.mode.write) throw fsError('EINVAL', 'ftruncate');
    this.truncateInode(f.inode, len, 'ftruncate', f.path);
  }

  /** As node:fs: a number is a descriptor; the length is checked after the path is opened. */
  truncateSync(path: PathLike | number, len = 0): void {
    if (typeof path === 'number') return this.ftruncateSync(path, len);
    path = validatePath(path);
    const inode = this.need(path, true, 'open');
    if (inode.isDir) throw fsError('EISDIR', 'open', { path });
    validateInteger(len, 'len');
    this.truncateInode(inode, len, 'ftruncate', path);
  }

  protected truncateInode(inode: Inode, len: number, syscall: string, path: string): void {
    if (inode.type !== 'file') throw fsError('EINVAL', syscall, { path });
    // node:fs truncates to 0 for a negative length.
    transact(this.core, 'truncate', syscall, (t) => truncateData(t, inode, Math.max(0, len), path));
  }

  fstatSync(fd: number, opts?: { bigint?: false }): Stats;
  fstatSync(fd: number, opts: { bigint: true }): BigIntStats;
  fstatSync(fd: number, opts?: { bigint?: boolean }): Stats | BigIntStats;
  fstatSync(fd: number, opts?: { bigint?: boolean }): Stats | BigIntStats {
    validateFd(fd);
    const st = this.statsOf(this.fds.get(fd, 'fstat').inode);
    return opts?.bigint === true ? new BigIntStats(st) : st;
  }

  // --- whole files -------------------------------------------------------------------------

  readFileSync(path: PathLike | number, options?: Encoding | { encoding?: Encoding; flag?: string }): Buffer | string {
    const o = optionsOf<{ encoding: Encoding; flag: string }>(options);
    const enc = o.encoding;
    const fd = typeof path === 'number' ? path : this.openSync(path, o.flag ?? 'r');
    try {
      const f = this.readable(fd);
      const buf = Buffer.allocUnsafe(Math.max(0, f.inode.attrs.size - (typeof path === 'number' ? f.position : 0)));
      const n = this.readAt(f, buf, 0, buf.length, typeof path === 'number' ? null : 0);
      const out = n === buf.length ? buf : buf.subarray(0, n);
      return enc === undefined || enc === null || enc === 'buffer' ? out : out.toString(enc);
    } finally {
      if (typeof path !== 'number') this.closeSync(fd);
    }
  }

  writeFileSync(path: PathLike | number, data: DataLike, options?: Encoding | { encoding?: Encoding; flag?: string; mode?: number | string }): void {
    this.putFile(path, data, options, 'w');
  }

  appendFileSync(path: PathLike | number, data: DataLike, options?: Encoding | { encoding?: Encoding; flag?: string; mode?: number | string }): void {
    this.putFile(path, data, options, 'a');
  }

  /**
   * writeFile/appendFile on a path is ONE transaction: the file is created (or truncated) and
   * written by a single commit, so after a crash it holds its old contents or its new ones.
   */
  private putFile(path: PathLike | number, data: DataLike, options: Encoding | { encoding?: Encoding; flag?: string; mode?: number | string } | undefined, flag: string): void {
    // node:fs's order: options, data, then open's checks (path, flags, mode).
    const o = optionsOf<{ encoding: Encoding; flag: string; mode: number | string }>(options);
    const enc = o.encoding === null || o.encoding === undefined || o.encoding === 'buffer' ? 'utf8' : o.encoding;
    validateData(data, 'data');
    const bytes = typeof data === 'string' ? Buffer.from(data, enc) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (typeof path === 'number') {
      this.writeAt(this.writable(path), bytes, null);
      return;
    }
    path = validatePath(path);
    const m = parseFlags(o.flag ?? flag, 'open', path);
    const perm = parseFileMode(o.mode, 'mode', 0o666);
    const l = this.openTarget(path, m);
    if (l.inode?.isDir === true) throw fsError('EISDIR', 'open', { path });
    if (!m.write) throw fsError('EBADF', 'write');
    const existing = l.inode;
    transact(this.core, 'write', 'write', (t) => {
      const inode = existing ?? createNode(t, l.parent, l.name, 'file', perm & ~this.umask, this.creds, path);
      if (m.truncate && existing !== null && existing.attrs.size > 0) truncateData(t, existing, 0, path);
      writeData(t, inode, bytes, m.append ? t.attrsOf(inode).size : 0, path);
    });
  }

  copyFileSync(src: PathLike, dest: PathLike, mode = 0): void {
    src = validatePath(src, 'src');
    dest = validatePath(dest, 'dest');
    const m = accessMode(mode, 0);
    this.bothPaths('copyfile', src, dest, () => this.copyInto(src, dest, m));
  }

  private copyInto(src: PathLike, dest: PathLike, mode: number): void {
    const s = this.need(src, true, 'copyfile');
    if (s.isDir) throw fsError('EISDIR', 'copyfile', { path: src, dest });
    const d = this.resolve(dest, true, 'copyfile');
    // dest is opened with O_CREAT: a trailing slash is EISDIR.
    if (d.inode === null && d.trailingSlash) throw fsError('EISDIR', 'copyfile', { path: src, dest });
    if (d.inode !== null && (mode & COPYFILE_EXCL) !== 0) throw fsError('EEXIST', 'copyfile', { path: src, dest });
    if (d.inode?.isDir === true) throw fsError('EISDIR', 'copyfile', { path: src, dest });
    if (d.inode?.ino === s.ino) return;
    // Reflink (FICLONE) when asked: one transaction creates or truncates dest and shares the blocks.
    const reflink = (mode & (COPYFILE_FICLONE | COPYFILE_FICLONE_FORCE)) !== 0;
    if (reflink) {
      // FICLONE replaces the whole destination with the whole source: any seal on either
      // conflicts. Every refusal first, so a refused reflink breaks no lease on either file.
      const changes: Array<readonly [Inode, MapChange]> = [[s, { kind: 'share', role: 'source', offset: 0, length: Infinity }]];
      if (d.inode !== null) changes.push([d.inode, { kind: 'share', role: 'dest', offset: 0, length: Infinity }]);
      beforeAll(this.core.guard, changes, 'copyfile');
    }
    transact(this.core, 'copy', 'copyfile', (t) => {
      // The source's permissions exactly, umask or not: libuv's copyfile fchmods the new file.
      const dstInode = d.inode ?? createNode(t, d.parent, d.name, 'file', s.attrs.mode & 0o7777, this.creds, dest);
      if (d.inode !== null) {
        truncateData(t, d.inode, 0, dest);
        // libuv's copyfile gives an existing destination the source's permissions (fchmod).
        const a = t.attrsOf(d.inode);
        a.mode = (a.mode & S_IFMT) | (s.attrs.mode & 0o7777);
      }
      if (reflink && s.attrs.size > 0) {
        cloneData(t, { src: s, srcOffset: 0, dst: dstInode, dstOffset: 0, length: s.attrs.size }, dest);
      } else if (s.attrs.size > 0) {
        const buf = new Uint8Array(s.attrs.size);
        readData(this.core, s, buf, 0);
        writeData(t, dstInode, buf, 0, dest);
      }
    });
  }

  // --- names -------------------------------------------------------------------------------

  existsSync(path: PathLike): boolean {
    try {
      return this.resolve(path, true, 'stat').inode !== null;
    } catch (e) {
      if (isFsError(e) || isArgError(e)) return false;
      throw e;
    }
  }

  statSync(path: PathLike, opts?: StatOptions & { bigint?: false }): Stats | undefined;
  statSync(path: PathLike, opts: StatOptions & { bigint: true }): BigIntStats | undefined;
  statSync(path: PathLike, opts?: StatOptions): Stats | BigIntStats | undefined;
  statSync(path: PathLike, opts?: StatOptions): Stats | BigIntStats | undefined {
    return this.statOf(path, true, 'stat', opts);
  }

  lstatSync(path: PathLike, opts?: StatOptions & { bigint?: false }): Stats | undefined;
  lstatSync(path: PathLike, opts: StatOptions & { bigint: true }): BigIntStats | undefined;
  lstatSync(path: PathLike, opts?: StatOptions): Stats | BigIntStats | undefined;
  lstatSync(path: PathLike, opts?: StatOptions): Stats | BigIntStats | undefined {
    return this.statOf(path, false, 'lstat', opts);
  }

  private statOf(path: PathLike, follow: boolean, syscall: string, opts?: StatOptions): Stats | BigIntStats | undefined {
    path = validatePath(path);
    try {
      const st = this.statsOf(this.need(path, follow, syscall));
      return opts?.bigint === true ? new BigIntStats(st) : st;
    } catch (e) {
      if (opts?.throwIfNoEntry === false && isFsError(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  readdirSync(path: PathLike, options?: TextEncoding | { withFileTypes?: false; encoding?: TextEncoding; recursive?: boolean }): string[];
  readdirSync(path: PathLike, options: 'buffer' | { withFileTypes?: false; encoding: 'buffer'; recursive?: boolean }): Buffer[];
  readdirSync(path: PathLike, options: { withFileTypes: true; encoding?: TextEncoding; recursive?: boolean }): Dirent[];
  readdirSync(path: PathLike, options: { withFileTypes: true; encoding: 'buffer'; recursive?: boolean }): Array<Dirent<Buffer>>;
  readdirSync(path: PathLike, options?: ReaddirOptions): string[] | Buffer[] | Array<Dirent<string | Buffer>>;
  readdirSync(path: PathLike, options?: ReaddirOptions): string[] | Buffer[] | Array<Dirent<string | Buffer>> {
    const o = optionsOf<{ withFileTypes: boolean; encoding: Encoding; recursive: boolean }>(options);
    const encoding = o.encoding;
    path = validatePath(path);
    if (o.recursive !== undefined && o.recursive !== null) validateBoolean(o.recursive, 'options.recursive');
    const dir = this.need(path, true, 'scandir');
    if (!dir.isDir) throw fsError('ENOTDIR', 'scandir', { path });
    const types = o.withFileTypes === true;
    const recursive = o.recursive === true;
    const out: Array<string | Buffer | Dirent<string | Buffer>> = [];
    // Breadth first, as node:fs's recursive readdir: a directory's entries, then each of its
    // subdirectories' in turn. Symlinks to directories are not followed (no cycles to guard).
    const queue: Array<{ dir: Inode; prefix: string; parentPath: string }> = [{ dir, prefix: '', parentPath: path.replace(/\/+$/, '') || '/' }];
    try {
      for (let q = 0; q < queue.length; q++) {
        const { dir: d, prefix, parentPath } = queue[q]!;
        for (const [name, ino] of [...d.entries!].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
          if (!types && !recursive) {
            // Names only: the children stay unloaded (lazy inodes, inode/meta-state.ts).
            out.push(encodeName(prefix + name, encoding));
            continue;
          }
          const child = this.core.get(ino)!;
          out.push(types ? new Dirent(encodeName(name, encoding), parentPath, child) : encodeName(prefix + name, encoding));
          if (recursive && child.isDir) queue.push({ dir: child, prefix: `${prefix}${name}/`, parentPath: posix.join(parentPath, name) });
        }
      }
    } catch (e) {
      throw reframe(e, 'scandir', path);
    }
    return out as string[] | Buffer[] | Array<Dirent<string | Buffer>>;
  }

  // --- memfs's tree helpers (json-tree.ts) ----------------------------------------------

  /** memfs's fromJSON: files (parents made) and, for null values, directories; one operation each. */
  fromJSON(json: JsonTree, cwd = '/'): void {
    fromJSON(this as unknown as TreeFs, json, cwd);
  }

  /** memfs's fromNestedJSON: { dir: { file: 'text', empty: {} } }. */
  fromNestedJSON(json: NestedJsonTree, cwd = '/'): void {
    fromNestedJSON(this as unknown as TreeFs, json, cwd);
  }

  /** memfs's toJSON: files as their contents, empty directories as null; symlinks left out. */
  toJSON(paths?: string | readonly string[], json: Record<string, string | Buffer | null> = {}, isRelative = false, asBuffer = false): Record<string, string | Buffer | null> {
    return toJSON(this as unknown as TreeFs, paths, json, isRelative, asBuffer);
  }

  /** memfs's reset: everything under the root removed (the filesystem stays mounted). */
  reset(): void {
    reset(this as unknown as TreeFs);
  }

  /** node:fs's cpSync (cp.ts): a recursive copy, one operation per file, as node:fs makes it. */
  cpSync(src: PathLike, dest: PathLike, options?: CpOptions): void {
    copyTree(this as unknown as CpFs, src, dest, options);
  }

  /** node:fs's createReadStream (streams.ts): arguments checked now, the file opened by the stream. */
  createReadStream(path: PathLike, options?: BufferEncoding | ReadStreamOptions): ReadStream {
    return new ReadStream(this, path, options);
  }

  /** node:fs's createWriteStream (streams.ts): each chunk one write, queued chunks one writev. */
  createWriteStream(path: PathLike, options?: BufferEncoding | WriteStreamOptions): WriteStream {
    return new WriteStream(this, path, options);
  }

  /** node:fs's opendirSync: a Dir over the entries readdirSync gives (dir-handle.ts). */
  opendirSync(path: PathLike, options?: { encoding?: Encoding; bufferSize?: number; recursive?: boolean }): Dir {
    const o = optionsOf<{ encoding: Encoding; bufferSize: number; recursive: boolean }>(options);
    if (o.bufferSize !== undefined) validateInteger(o.bufferSize, 'options.bufferSize', 1, 2 ** 32 - 1);
    path = validatePath(path);
    const inode = this.resolve(path, true, 'opendir').inode;
    // node:fs names no path in these two.
    if (inode === null) throw fsError('ENOENT', 'opendir');
    if (!inode.isDir) throw fsError('ENOTDIR', 'opendir');
    const entries = this.readdirSync(path, { withFileTypes: true, encoding: o.encoding as 'utf8', recursive: o.recursive === true });
    return new Dir(path, entries);
  }

  /**
   * node:fs's mkdtempSync: a new directory `prefix` + six random characters, mode 0700. A name
   * that exists is retried with new characters, as mkdtemp(3) does.
   */
  mkdtempSync(prefix: PathLike, options?: Encoding | { encoding?: Encoding }): string {
    const encoding = nameEncoding(options);
    prefix = validatePath(prefix, 'prefix');
    try {
      for (let attempt = 0; ; attempt++) {
        const path = prefix + randomName(6);
        const l = this.resolve(path, 'parent', 'mkdtemp');
        if (l.inode === null) {
          this.mkdirAt(l, 0o700, path, 'mkdtemp');
          return encodeName(path, encoding);
        }
        if (attempt === 100) throw fsError('EEXIST', 'mkdtemp');
      }
    } catch (e) {
      // Errors name the template, as node:fs's do.
      throw isFsError(e) ? fsError(e.code, 'mkdtemp', { path: `${prefix}XXXXXX` }) : e;
    }
  }

  mkdirSync(path: PathLike, options?: number | string | { recursive?: boolean; mode?: number | string }): string | undefined {
    const o = typeof options === 'number' || typeof options === 'string' ? { mode: options } : typeof options === 'object' && options !== null ? options : {};
    const mode = parseFileMode(o.mode, 'mode', 0o777);
    path = validatePath(path);
    if (o.recursive !== undefined) validateBoolean(o.recursive, 'options.recursive');
    if (o.recursive !== true) {
      // The last component is not followed: mkdir over a symlink (even a dangling one) is EEXIST.
      const l = this.resolve(path, 'parent', 'mkdir');
      if (l.inode !== null) throw fsError('EEXIST', 'mkdir', { path });
      this.mkdirAt(l, mode, path, 'mkdir');
      return undefined;
    }
    // Recursive: each missing component is its own committed mkdir, as on Linux. Errors name the
    // whole path, as node:fs's do.
    if (path === '') throw fsError('ENOENT', 'mkdir', { path });
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    let first: string | undefined;
    let cur = '';
    try {
      for (let i = 0; i < parts.length; i++) {
        cur += '/' + parts[i];
        const l = this.resolve(cur, 'parent', 'mkdir');
        if (l.inode !== null) {
          // An existing name must lead to a directory: a dangling symlink is ENOENT (nothing is
          // created at its target), a file EEXIST at the end and ENOTDIR on the way.
          const target = l.inode.type === 'symlink' ? this.resolve(cur, true, 'mkdir').inode : l.inode;
          if (target === null) throw fsError('ENOENT', 'mkdir', { path });
          if (!target.isDir) throw fsError(i === parts.length - 1 && !path.endsWith('/') ? 'EEXIST' : 'ENOTDIR', 'mkdir', { path });
          continue;
        }
        this.mkdirAt(l, mode, path, 'mkdir');
        first ??= path.startsWith('/') ? cur : cur.slice(1);
      }
    } catch (e) {
      if (isFsError(e) && e.syscall === 'mkdir' && e.path !== undefined && e.path !== path) throw fsError(e.code, 'mkdir', { path });
      throw e;
    }
    return first;
  }

  /** One committed mkdir of the name `l` resolved to (absent): `mode` less the mount's umask. */
  private mkdirAt(l: Lookup, mode: number, path: string, syscall: string): void {
    transact(this.core, 'mkdir', syscall, (t) => createNode(t, l.parent, l.name, 'dir', mode & ~this.umask, this.creds, path));
  }

  rmdirSync(path: PathLike, options?: { recursive?: boolean }): void {
    path = validatePath(path);
    if (options?.recursive !== undefined) validateBoolean(options.recursive, 'options.recursive');
    if (options?.recursive === true) return this.rmSync(path, { recursive: true });
    const l = this.resolve(path, 'parent', 'rmdir');
    if (l.inode === null) throw fsError('ENOENT', 'rmdir', { path });
    if (l.name === '.' || l.name === '..') throw fsError(l.name === '.' ? 'EINVAL' : 'ENOTEMPTY', 'rmdir', { path });
    transact(this.core, 'rmdir', 'rmdir', (t) => rmdirNode(t, l.parent, l.name, l.inode!, path));
  }

  rmSync(path: PathLike, options?: { recursive?: boolean; force?: boolean }): void {
    path = validatePath(path);
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
      if (options.force !== undefined) validateBoolean(options.force, 'options.force');
      if (options.recursive !== undefined) validateBoolean(options.recursive, 'options.recursive');
    }
    let l: Lookup;
    try {
      l = this.resolve(path, false, 'rm');
    } catch (e) {
      // force ignores a missing path, whichever component is missing (and the empty path).
      if (options?.force === true && isFsError(e, 'ENOENT')) return;
      throw e;
    }
    if (l.inode === null) {
      if (options?.force === true) return;
      throw fsError('ENOENT', 'rm', { path });
    }
    if (!l.inode.isDir) return this.unlinkSync(path);
    if (options?.recursive !== true) {
      // node:fs's own error here (its rm is JavaScript over rmdir), not an errno error.
      throw systemError('ERR_FS_EISDIR', 'Path is a directory', { message: 'is a directory', path, syscall: 'rm', code: 'EISDIR' });
    }
    // rmdir(2) is tried before anything inside is removed: "d/." is EINVAL and a symlink reached
    // by "link/" is ENOTDIR, and neither deletes what the path leads to.
    if (l.name === '.') throw fsError('EINVAL', 'rmdir', { path });
    if (l.trailingSlash && this.resolve(path, 'parent', 'rm').inode?.type === 'symlink') throw fsError('ENOTDIR', 'rmdir', { path });
    for (const name of [...l.inode.entries!.keys()]) this.rmSync(`${path.replace(/\/+$/, '')}/${name}`, { recursive: true });
    this.rmdirSync(path);
  }

  unlinkSync(path: PathLike): void {
    path = validatePath(path);
    const l = this.resolve(path, 'parent', 'unlink');
    if (l.inode === null) throw fsError('ENOENT', 'unlink', { path });
    if (l.trailingSlash && !l.inode.isDir) throw fsError('ENOTDIR', 'unlink', { path });
    const inode = l.inode;
    transact(this.core, 'unlink', 'unlink', (t) => unlinkNode(t, l.parent, l.name, inode, path));
  }

  renameSync(oldPath: PathLike, newPath: PathLike): void {
    oldPath = validatePath(oldPath, 'oldPath');
    newPath = validatePath(newPath, 'newPath');
    this.bothPaths('rename', oldPath, newPath, () => this.renameTo(oldPath, newPath));
  }

  private renameTo(oldPath: PathLike, newPath: PathLike): void {
    const from = this.resolve(oldPath, 'parent', 'rename');
    const to = this.resolve(newPath, 'parent', 'rename'); // both parents first: ENOTDIR before ENOENT, as Linux
    if (from.name === '.' || from.name === '..' || to.name === '.' || to.name === '..') throw fsError('EBUSY', 'rename', { path: oldPath, dest: newPath });
    if (from.inode === null) throw fsError('ENOENT', 'rename', { path: oldPath, dest: newPath });
    // A trailing slash on either name asks for a directory; the names themselves are not followed.
    if (!from.inode.isDir && (from.trailingSlash || to.trailingSlash)) throw fsError('ENOTDIR', 'rename', { path: oldPath, dest: newPath });
    if (this.core.faults.has('rename-unlink-then-link') && to.inode?.ino !== from.inode.ino) {
      // Injected bug (crash campaigns): the old name goes in a commit of its own, so a crash
      // before the second commit loses the file (the rename below re-removes nothing).
      transact(this.core, 'rename', 'rename', (t) => t.add({ t: 'unlink', dir: from.parent.ino, name: from.name }));
    }
    transact(this.core, 'rename', 'rename', (t) =>
      renameNode(t, { parent: from.parent, name: from.name, inode: from.inode! }, { parent: to.parent, name: to.name, inode: to.inode }, [oldPath, newPath]));
  }

  linkSync(existingPath: PathLike, newPath: PathLike): void {
    existingPath = validatePath(existingPath, 'existingPath');
    newPath = validatePath(newPath, 'newPath');
    this.bothPaths('link', existingPath, newPath, () => {
      const src = this.resolve(existingPath, false, 'link');
      if (src.inode === null) throw fsError('ENOENT', 'link', { path: existingPath, dest: newPath });
      const dst = this.resolve(newPath, 'parent', 'link');
      if (dst.inode !== null) throw fsError('EEXIST', 'link', { path: existingPath, dest: newPath });
      if (dst.trailingSlash) throw fsError('ENOENT', 'link', { path: existingPath, dest: newPath });
      transact(this.core, 'link', 'link', (t) => linkNode(t, src.inode!, dst.parent, dst.name, newPath));
    });
  }

  symlinkSync(target: PathLike, path: PathLike): void {
    target = validatePath(target, 'target');
    path = validatePath(path);
    this.bothPaths('symlink', target, path, () => {
      const l = this.resolve(path, 'parent', 'symlink');
      if (l.inode !== null) throw fsError('EEXIST', 'symlink', { path: target, dest: path });
      if (target === '' || l.trailingSlash) throw fsError('ENOENT', 'symlink', { path: target, dest: path });
      transact(this.core, 'symlink', 'symlink', (t) => createNode(t, l.parent, l.name, 'symlink', 0o777, this.creds, path, target));
    });
  }

  readlinkSync(path: PathLike, options?: TextEncoding | { encoding?: TextEncoding }): string;
  readlinkSync(path: PathLike, options: 'buffer' | { encoding: 'buffer' }): Buffer;
  readlinkSync(path: PathLike, options?: Encoding | { encoding?: Encoding }): string | Buffer;
  readlinkSync(path: PathLike, options?: Encoding | { encoding?: Encoding }): string | Buffer {
    const encoding = nameEncoding(options);
    path = validatePath(path, 'oldPath'); // sic: node:fs names readlink's path so
    const inode = this.need(path, false, 'readlink');
    if (inode.type !== 'symlink') throw fsError('EINVAL', 'readlink', { path });
    return encodeName(inode.target, encoding);
  }

  /** node:fs's realpathSync, and realpathSync.native (the same answer: there is one resolver). */
  readonly realpathSync: RealpathSync = ((): RealpathSync => {
    const fn = (path: PathLike, options?: Encoding | { encoding?: Encoding }): string | Buffer => {
      const encoding = nameEncoding(options); // options first, as node:fs checks them
      return encodeName(this.realpathOf(validatePath(path)), encoding);
    };
    return Object.assign(fn, { native: fn }) as RealpathSync;
  })();

  private realpathOf(path: PathLike): string {
    const l = this.resolve(path, true, 'realpath');
    if (l.inode === null) throw fsError('ENOENT', 'realpath', { path });
    if (l.inode.isDir) return pathOf(this.core, l.inode);
    const dir = pathOf(this.core, l.parent);
    return dir === '/' ? `/${l.name}` : `${dir}/${l.name}`;
  }

  accessSync(path: PathLike, mode = 0): void {
    path = validatePath(path);
    mode = accessMode(mode, 0);
    const inode = this.need(path, true, 'access');
    if (mode === 0 || this.creds.uid === 0) return;
    const perm = inode.attrs.mode;
    const bits = inode.attrs.uid === this.creds.uid ? (perm >> 6) & 7 : inode.attrs.gid === this.creds.gid ? (perm >> 3) & 7 : perm & 7;
    if ((bits & mode) !== mode) throw fsError('EACCES', 'access', { path });
  }

  // Attribute changes come in three forms each, as in node:fs: by path (following a final
  // symlink), by descriptor (f*), and by path on the link itself (l*). Arguments are checked
  // first, then the file is found, then one setattr transaction changes it.

  chmodSync(path: PathLike, mode: number | string): void {
    path = validatePath(path);
    const perm = parseFileMode(mode, 'mode');
    this.setMode(this.need(path, true, 'chmod'), perm, 'chmod');
  }

  fchmodSync(fd: number, mode: number | string): void {
    validateFd(fd);
    const perm = parseFileMode(mode, 'mode');
    this.setMode(this.fds.get(fd, 'fchmod').inode, perm, 'fchmod');
  }

  chownSync(path: PathLike, uid: number, gid: number): void {
    path = validatePath(path);
    checkOwner(uid, gid);
    this.setOwner(this.need(path, true, 'chown'), uid, gid, 'chown');
  }

  fchownSync(fd: number, uid: number, gid: number): void {
    validateFd(fd);
    checkOwner(uid, gid);
    this.setOwner(this.fds.get(fd, 'fchown').inode, uid, gid, 'fchown');
  }

  lchownSync(path: PathLike, uid: number, gid: number): void {
    path = validatePath(path);
    checkOwner(uid, gid);
    this.setOwner(this.need(path, false, 'lchown'), uid, gid, 'lchown');
  }

  utimesSync(path: PathLike, atime: number | string | Date, mtime: number | string | Date): void {
    path = validatePath(path);
    const a = toTimespec(atime, 'time');
    const m = toTimespec(mtime, 'time');
    this.setTimes(this.need(path, true, 'utime'), a, m, 'utime');
  }

  futimesSync(fd: number, atime: number | string | Date, mtime: number | string | Date): void {
    validateFd(fd);
    const a = toTimespec(atime, 'atime');
    const m = toTimespec(mtime, 'mtime');
    this.setTimes(this.fds.get(fd, 'futime').inode, a, m, 'futime');
  }

  lutimesSync(path: PathLike, atime: number | string | Date, mtime: number | string | Date): void {
    path = validatePath(path);
    const a = toTimespec(atime, 'time');
    const m = toTimespec(mtime, 'time');
    this.setTimes(this.need(path, false, 'lutime'), a, m, 'lutime');
  }

  private setMode(inode: Inode, perm: number, syscall: string): void {
    this.setattr(inode, syscall, (a) => {
      a.mode = (a.mode & S_IFMT) | (perm & 0o7777);
    });
  }

  private setOwner(inode: Inode, uid: number, gid: number, syscall: string): void {
    this.setattr(inode, syscall, (a) => {
      if (uid !== -1) a.uid = uid;
      if (gid !== -1) a.gid = gid;
    });
  }

  private setTimes(inode: Inode, atime: Timespec, mtime: Timespec, syscall: string): void {
    this.setattr(inode, syscall, (a) => {
      a.atime = atime;
      a.mtime = mtime;
    });
  }

  // --- helpers -----------------------------------------------------------------------------

  /**
   * node:fs names both paths in the errors of a two-path call (`rename 'a' -> 'b'`), whichever
   * path failed to resolve: errors that name one path are given both.
   */
  private bothPaths<T>(syscall: string, path: PathLike, dest: PathLike, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (isFsError(e) && e.syscall === syscall && e.path !== undefined && e.dest === undefined) throw fsError(e.code, syscall, { path, dest });
      throw e;
    }
  }

  protected setattr(inode: Inode, syscall: string, edit: (a: Inode['attrs']) => void): void {
    transact(this.core, 'setattr', syscall, (t) => {
      const a = t.attrsOf(inode);
      edit(a);
      a.ctime = now();
    });
  }

  protected statsOf(inode: Inode): Stats {
    let blocks = inode.extents.blocks;
    if (inode.type === 'symlink' && inode.target.length > 0) blocks = 0;
    return new Stats(inode, this.devId, blocks);
  }

  /**
   * Resolves `path`. Public calls validate their paths at entry (node's argument order); this
   * checks again, one scan of a string, so a call that passes its path straight in (the
   * storage calls) cannot skip the check.
   */
  protected resolve(path: PathLike, follow: Follow, syscall: string): Lookup {
    this.live(syscall);
    path = validatePath(path);
    try {
      return lookup(this.core, path, follow, syscall);
    } catch (e) {
      throw reframe(e, syscall, path); // a corrupt inode met on the way is this call's error
    }
  }

  protected need(path: PathLike, follow: Follow, syscall: string): Inode {
    const l = this.resolve(path, follow, syscall);
    if (l.inode === null) throw fsError('ENOENT', syscall, { path });
    return l.inode;
  }

  protected releaseIfOrphan(inode: Inode): void {
    if (inode.openCount > 0 || inode.attrs.nlink > 0 || this.core.get(inode.ino) !== inode) return;
    this.core.commit('reclaim', [{ t: 'ifree', ino: inode.ino }]);
  }

  protected live(syscall: string): void {
    if (!this.mounted) throw fsError('EIO', syscall, { detail: 'filesystem is unmounted' });
  }
}

/** A utimes time (validate.ts) as seconds and nanoseconds; `name` is the argument's, for errors. */
function toTimespec(t: unknown, name: string): Timespec {
  const ms = toUnixSeconds(t, name, Date.now) * 1000;
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

/** writeData for an open file: a module-level function, so a write makes no closure (transact). */
function writeOpen(t: Txn, f: OpenFile, bytes: Uint8Array, at: number): number {
  return writeData(t, f.inode, bytes, at, f.path);
}

/** mkdtemp's random characters: [A-Za-z0-9]. */
function randomName(n: number): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += abc[bytes[i]! % abc.length];
  return s;
}
