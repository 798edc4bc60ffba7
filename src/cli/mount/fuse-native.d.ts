/**
 * Types for `fuse-native` 2.2.x (CommonJS, ships no types), limited to what the FUSE bridge uses.
 *
 * Interface: `new Fuse(mountpoint, operations, options)`, then `mount(cb)` / `unmount(cb)`.
 * Every operation answers through its callback: the first argument is 0 or a negative errno,
 * except read/write (byte count or negative errno) and getxattr/listxattr (see below).
 * Invariants of the binding, learned from its source (index.js, fuse-native.c):
 * - libfuse 2.9 high-level API, path-based; the loop runs in a native thread and each request
 *   blocks that thread until JS answers. A synchronous syscall on the mountpoint from the JS
 *   thread of the mounting process therefore deadlocks (until the 15 s op timeout).
 * - `fh` values are uint32; a handle of 0 returned from open/create is not stored.
 * - Times arrive and leave as milliseconds since the epoch.
 * - read/write buffers point into libfuse memory and are detached once answered: copy, don't keep.
 */
declare module 'fuse-native' {
  namespace Fuse {
    /** What getattr answers; `getStatArray` in index.js reads these fields. */
    interface Stat {
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
      readonly size: number;
      readonly dev: number;
      readonly nlink: number;
      readonly ino: number;
      readonly rdev: number;
      readonly blksize: number;
      readonly blocks: number;
      readonly atime: number;
      readonly mtime: number;
      readonly ctime: number;
    }

    /** What statfs answers; each field is truncated to uint32 by the binding. */
    interface Statfs {
      readonly bsize: number;
      readonly frsize: number;
      readonly blocks: number;
      readonly bfree: number;
      readonly bavail: number;
      readonly files: number;
      readonly ffree: number;
      readonly favail: number;
      readonly fsid: number;
      readonly flag: number;
      readonly namemax: number;
    }

    type Done = (result: number) => void;
    type DoneWith<T> = (result: number, value?: T) => void;

    interface Operations {
      init?: (cb: Done) => void;
      getattr?: (path: string, cb: DoneWith<Stat>) => void;
      readdir?: (path: string, cb: DoneWith<readonly string[]>) => void;
      open?: (path: string, flags: number, cb: DoneWith<number>) => void;
      create?: (path: string, mode: number, cb: DoneWith<number>) => void;
      release?: (path: string, fh: number, cb: Done) => void;
      read?: (path: string, fh: number, buf: Buffer, length: number, position: number, cb: Done) => void;
      write?: (path: string, fh: number, buf: Buffer, length: number, position: number, cb: Done) => void;
      truncate?: (path: string, size: number, cb: Done) => void;
      ftruncate?: (path: string, fh: number, size: number, cb: Done) => void;
      fsync?: (path: string, datasync: number, fh: number, cb: Done) => void;
      unlink?: (path: string, cb: Done) => void;
      mkdir?: (path: string, mode: number, cb: Done) => void;
      rmdir?: (path: string, cb: Done) => void;
      rename?: (src: string, dest: string, cb: Done) => void;
      /** `src` is the existing file, `dest` the new name. */
      link?: (src: string, dest: string, cb: Done) => void;
      /** `src` is the link's target text, `dest` the link's path. */
      symlink?: (src: string, dest: string, cb: Done) => void;
      readlink?: (path: string, cb: DoneWith<string>) => void;
      chmod?: (path: string, mode: number, cb: Done) => void;
      /** uid/gid 0xffffffff mean "leave unchanged". */
      chown?: (path: string, uid: number, gid: number, cb: Done) => void;
      utimens?: (path: string, atimeMs: number, mtimeMs: number, cb: Done) => void;
      statfs?: (path: string, cb: DoneWith<Statfs>) => void;
      setxattr?: (
        path: string,
        name: string,
        value: Buffer,
        position: number,
        flags: number,
        cb: Done,
      ) => void;
      /** Answer (0, value); the binding copies it into the caller's buffer and returns its length. */
      getxattr?: (path: string, name: string, position: number, cb: DoneWith<Buffer>) => void;
      listxattr?: (path: string, cb: DoneWith<readonly string[]>) => void;
      removexattr?: (path: string, name: string, cb: Done) => void;
    }

    interface Options {
      readonly debug?: boolean;
      readonly force?: boolean;
      readonly mkdir?: boolean;
      readonly allowOther?: boolean;
      readonly defaultPermissions?: boolean;
      readonly fsname?: string;
      readonly subtype?: string;
      readonly attrTimeout?: number;
      readonly entryTimeout?: number;
      /** Per-operation answer timeout in ms, or false for none (default 15000). */
      readonly timeout?: number | false;
    }
  }

  class Fuse {
    constructor(mountpoint: string, ops: Fuse.Operations, options?: Fuse.Options);
    readonly mnt: string;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    /** Runs `fusermount -uz` (lazy) on the path. */
    static unmount(mountpoint: string, cb: (err: Error | null) => void): void;
  }

  export = Fuse;
}
