/**
 * MountableFs: the slice of the synchronous node:fs API that the FUSE bridge needs.
 *
 * Interface: a structural type. node:fs, a memfs Volume and pmemfs's mounted filesystem all fit
 * it as they are (test/cli/fuse-mount.test.ts checks the first two at compile time). Errors are
 * thrown, shaped like Node's: a string `code` ('ENOENT') and/or a negative `errno`.
 * Invariants the bridge relies on:
 * - paths are absolute, '/'-separated, relative to the filesystem's root;
 * - `lstatSync` does not follow a final symlink;
 * - `readSync`/`writeSync` take an explicit position and may transfer fewer bytes than asked;
 * - the optional methods are feature flags: when one is missing, the bridge does not register
 *   the FUSE operation and the kernel sees ENOSYS (xattrs then fail with EOPNOTSUPP, statfs
 *   reports libfuse's zeros).
 */

export interface MountableStats {
  readonly ino: number;
  readonly mode: number;
  readonly nlink: number;
  readonly size: number;
  readonly blocks: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  /** Absent: the mounting process's own uid/gid. */
  readonly uid?: number;
  readonly gid?: number;
  readonly blksize?: number;
  readonly rdev?: number;
}

export interface MountableStatfs {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

/** readdirSync may give names as strings, bytes, or Dirent-like objects. */
export type MountableDirEntry = string | Uint8Array | { readonly name: string | Uint8Array };

export interface MountableFs {
  lstatSync(path: string): MountableStats;
  readdirSync(path: string): readonly MountableDirEntry[];
  readlinkSync(path: string): string | Uint8Array;

  openSync(path: string, flags: number, mode?: number): number;
  closeSync(fd: number): void;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync(fd: number, length: number): void;
  fsyncSync(fd: number): void;

  truncateSync(path: string, length: number): void;
  mkdirSync(path: string, mode: number): void;
  rmdirSync(path: string): void;
  unlinkSync(path: string): void;
  renameSync(oldPath: string, newPath: string): void;
  linkSync(existingPath: string, newPath: string): void;
  symlinkSync(target: string, path: string): void;
  chmodSync(path: string, mode: number): void;
  chownSync(path: string, uid: number, gid: number): void;
  utimesSync(path: string, atime: Date, mtime: Date): void;

  /** Preferred over chownSync/utimesSync when present: they do not follow a final symlink. */
  lchownSync?(path: string, uid: number, gid: number): void;
  lutimesSync?(path: string, atime: Date, mtime: Date): void;

  statfsSync?(path: string): MountableStatfs;
  /** flags: 0, XATTR_CREATE (1) or XATTR_REPLACE (2), as setxattr(2). */
  setxattrSync?(path: string, name: string, value: Uint8Array, flags: number): void;
  getxattrSync?(path: string, name: string): Uint8Array;
  listxattrSync?(path: string): readonly string[];
  removexattrSync?(path: string, name: string): void;
}
