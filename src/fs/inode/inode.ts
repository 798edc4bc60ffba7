/**
 * Inode: a file, directory or symlink in memory. Its on-disk attributes are the DiskInode it
 * holds (`attrs`, format/items.ts); everything else is rebuilt from items at mount.
 *
 * Invariants: a directory has `entries` and a `parent` (itself for the root); a regular file
 * has `extents`; a symlink has `target`. `openCount` and `pins` are runtime only: an inode
 * whose nlink is 0 lives (as an orphan) while either is non-zero.
 */
import type { DiskInode, Timespec } from '../format/index.js';
import { ExtentMap } from './extent-map.js';

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

export type InodeType = 'file' | 'dir' | 'symlink';

export function typeOfMode(mode: number): InodeType {
  const t = mode & S_IFMT;
  return t === S_IFDIR ? 'dir' : t === S_IFLNK ? 'symlink' : 'file';
}

export class Inode {
  readonly ino: number;
  attrs: DiskInode;
  readonly extents = new ExtentMap();
  readonly entries: Map<string, number> | null;
  target = '';
  xattrs: Map<string, Uint8Array> | null = null;
  parent: number;
  /** Open descriptors and mappings/seals holding the inode (runtime only). */
  openCount = 0;

  constructor(ino: number, attrs: DiskInode) {
    this.ino = ino;
    this.attrs = attrs;
    this.entries = (attrs.mode & S_IFMT) === S_IFDIR ? new Map() : null;
    this.parent = ino;
  }

  get type(): InodeType {
    return typeOfMode(this.attrs.mode);
  }

  get isDir(): boolean {
    return this.entries !== null;
  }
}

/**
 * The Performance object, read once: `performance` is a lazy accessor on the global object, so
 * naming it in now() ran the accessor (a global-load IC miss and a call) on every operation.
 */
const perf = performance;
/** performance.timeOrigin never changes, and its getter allocates a number on every read. */
const timeOrigin = perf.timeOrigin;

/** Wall-clock time with the sub-millisecond part performance.now() gives (about 1 us). */
export function now(): Timespec {
  const ms = timeOrigin + perf.now();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6)) };
}

export function newAttrs(mode: number, uid: number, gid: number): DiskInode {
  const t = now();
  return { mode, nlink: 1, uid, gid, flags: 0, size: 0, atime: t, mtime: t, ctime: t, btime: t };
}

export function copyAttrs(a: DiskInode): DiskInode {
  // Spelled out: object spread is several times slower in V8, and this runs on every operation.
  // Timespecs are values, replaced and never edited in place, so the copy shares them.
  return {
    mode: a.mode, nlink: a.nlink, uid: a.uid, gid: a.gid, flags: a.flags, size: a.size,
    atime: a.atime, mtime: a.mtime, ctime: a.ctime, btime: a.btime,
  };
}
