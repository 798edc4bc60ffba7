/**
 * fs.promises: node:fs/promises' names over the synchronous calls, so code written against
 * `memfs.promises` or `node:fs/promises` runs on a mounted pmemfs unchanged.
 *
 * Interface: promisesOf(fs) -> { access, appendFile, chmod, chown, copyFile, cp, lchown, link, lstat,
 *   lutimes, mkdir, mkdtemp, open, opendir, readdir, readFile, readlink, realpath, rename, rm,
 *   rmdir, stat, symlink, truncate, unlink, utimes, writeFile, constants }, and FileHandle (what
 *   open() resolves to).
 *
 * Every operation is synchronous underneath (atomic and durable when the promise settles), so a
 * wrapper adds no concurrency: it runs the call at once and settles with its result or its
 * error (a rejection, never a synchronous throw, as node:fs/promises does).
 */
import { constants } from 'node:fs';
import type { FilesystemBase } from './filesystem.js';
import type { Stats } from './stats.js';

type Sync = FilesystemBase;
type Args<K extends keyof Sync> = Sync[K] extends (...a: infer A) => unknown ? A : never;
type Result<K extends keyof Sync> = Sync[K] extends (...a: never[]) => infer R ? R : never;

/** `name`Sync as a function returning a promise. */
function lift<K extends keyof Sync>(fs: Sync, name: K): (...a: Args<K>) => Promise<Result<K>> {
  const call = fs[name] as unknown as (...x: Args<K>) => Result<K>;
  return (...a) => settle(() => call.apply(fs, a));
}

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

/** node:fs/promises' FileHandle over a descriptor of the mounted filesystem. */
export class FileHandle {
  readonly fd: number;
  private readonly fs: Sync;

  constructor(fs: Sync, fd: number) {
    this.fs = fs;
    this.fd = fd;
  }

  read<T extends Uint8Array>(buffer: T, offset = 0, length = buffer.byteLength - offset, position: number | bigint | null = null): Promise<{ bytesRead: number; buffer: T }> {
    return settle(() => ({ bytesRead: this.fs.readSync(this.fd, buffer, offset, length, position as number | null), buffer }));
  }

  write<T extends Uint8Array | string>(data: T, offsetOrPosition?: number | null, lengthOrEncoding?: number | BufferEncoding, position?: number | null): Promise<{ bytesWritten: number; buffer: T }> {
    return settle(() => ({ bytesWritten: this.fs.writeSync(this.fd, data, offsetOrPosition, lengthOrEncoding, position), buffer: data }));
  }

  readFile(options?: Parameters<Sync['readFileSync']>[1]): Promise<Buffer | string> {
    return settle(() => this.fs.readFileSync(this.fd, options));
  }

  writeFile(data: Parameters<Sync['writeFileSync']>[1], options?: Parameters<Sync['writeFileSync']>[2]): Promise<void> {
    return settle(() => this.fs.writeFileSync(this.fd, data, options));
  }

  appendFile(data: Parameters<Sync['appendFileSync']>[1], options?: Parameters<Sync['appendFileSync']>[2]): Promise<void> {
    return settle(() => this.fs.appendFileSync(this.fd, data, options));
  }

  readv<T extends readonly ArrayBufferView[]>(buffers: T, position: number | null = null): Promise<{ bytesRead: number; buffers: T }> {
    return settle(() => ({ bytesRead: this.fs.readvSync(this.fd, buffers, position), buffers }));
  }

  writev<T extends readonly ArrayBufferView[]>(buffers: T, position: number | null = null): Promise<{ bytesWritten: number; buffers: T }> {
    return settle(() => ({ bytesWritten: this.fs.writevSync(this.fd, buffers, position), buffers }));
  }

  stat(): Promise<Stats> {
    return settle(() => this.fs.fstatSync(this.fd));
  }

  chmod(mode: number | string): Promise<void> {
    return settle(() => this.fs.fchmodSync(this.fd, mode));
  }

  chown(uid: number, gid: number): Promise<void> {
    return settle(() => this.fs.fchownSync(this.fd, uid, gid));
  }

  utimes(atime: number | string | Date, mtime: number | string | Date): Promise<void> {
    return settle(() => this.fs.futimesSync(this.fd, atime, mtime));
  }

  truncate(len = 0): Promise<void> {
    return settle(() => this.fs.ftruncateSync(this.fd, len));
  }

  sync(): Promise<void> {
    return settle(() => this.fs.fsyncSync(this.fd));
  }

  datasync(): Promise<void> {
    return settle(() => this.fs.fdatasyncSync(this.fd));
  }

  close(): Promise<void> {
    return settle(() => this.fs.closeSync(this.fd));
  }
}

export function promisesOf(fs: Sync) {
  return {
    constants,
    access: lift(fs, 'accessSync'),
    appendFile: lift(fs, 'appendFileSync'),
    chmod: lift(fs, 'chmodSync'),
    chown: lift(fs, 'chownSync'),
    copyFile: lift(fs, 'copyFileSync'),
    cp: lift(fs, 'cpSync'),
    lchown: lift(fs, 'lchownSync'),
    link: lift(fs, 'linkSync'),
    lstat: lift(fs, 'lstatSync'),
    lutimes: lift(fs, 'lutimesSync'),
    mkdir: lift(fs, 'mkdirSync'),
    mkdtemp: lift(fs, 'mkdtempSync'),
    opendir: lift(fs, 'opendirSync'),
    readdir: lift(fs, 'readdirSync'),
    readFile: lift(fs, 'readFileSync'),
    readlink: lift(fs, 'readlinkSync'),
    realpath: lift(fs, 'realpathSync'),
    rename: lift(fs, 'renameSync'),
    rm: lift(fs, 'rmSync'),
    rmdir: lift(fs, 'rmdirSync'),
    stat: lift(fs, 'statSync'),
    symlink: lift(fs, 'symlinkSync'),
    truncate: lift(fs, 'truncateSync'),
    unlink: lift(fs, 'unlinkSync'),
    utimes: lift(fs, 'utimesSync'),
    writeFile: lift(fs, 'writeFileSync'),
    open: (...a: Args<'openSync'>): Promise<FileHandle> => settle(() => new FileHandle(fs, fs.openSync(...a))),
  };
}

export type FsPromises = ReturnType<typeof promisesOf>;
