/**
 * Stats (with BigIntStats' nanosecond fields too), BigIntStats, Dirent and StatFs: node:fs's shapes, built from
 * inodes. Only the format and inode layers know DiskInode; this file turns one into what
 * node:fs users read.
 */
import { BLOCK, type Timespec } from '../format/index.js';
import { type Inode, type InodeType, typeOfMode } from '../inode/index.js';

const ms = (t: Timespec) => t.sec * 1000 + t.nsec / 1e6;
const ns = (t: Timespec) => BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);

/** The is*() predicates node:fs gives Stats and Dirent, from one type answer. */
abstract class FileKind {
  protected abstract kind(): InodeType;

  isFile(): boolean {
    return this.kind() === 'file';
  }
  isDirectory(): boolean {
    return this.kind() === 'dir';
  }
  isSymbolicLink(): boolean {
    return this.kind() === 'symlink';
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
}

/**
 * Own enumerable properties exactly node's, in node's order (code that serializes or compares
 * Stats whole sees what node:fs gives). Fields are defined in declaration order.
 */
export class Stats extends FileKind {
  dev: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev = 0;
  blksize = BLOCK;
  ino: number;
  size: number;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
  atime: Date;
  mtime: Date;
  ctime: Date;
  birthtime: Date;
  /**
   * Nanosecond times (node:fs gives them with { bigint: true }; pmemfs always does). Not
   * enumerable: they are not node's, and JSON.stringify cannot serialize a bigint.
   */
  declare readonly atimeNs: bigint;
  declare readonly mtimeNs: bigint;
  declare readonly ctimeNs: bigint;
  declare readonly birthtimeNs: bigint;

  constructor(inode: Inode, devId: number, allocatedBlocks: number) {
    super();
    const a = inode.attrs;
    this.dev = devId;
    this.mode = a.mode;
    this.nlink = a.nlink;
    this.uid = a.uid;
    this.gid = a.gid;
    this.ino = inode.ino;
    this.size = a.size;
    this.blocks = allocatedBlocks * (BLOCK / 512);
    this.atimeMs = ms(a.atime);
    this.mtimeMs = ms(a.mtime);
    this.ctimeMs = ms(a.ctime);
    this.birthtimeMs = ms(a.btime);
    this.atime = new Date(this.atimeMs);
    this.mtime = new Date(this.mtimeMs);
    this.ctime = new Date(this.ctimeMs);
    this.birthtime = new Date(this.birthtimeMs);
    Object.defineProperties(this, {
      atimeNs: { value: ns(a.atime) },
      mtimeNs: { value: ns(a.mtime) },
      ctimeNs: { value: ns(a.ctime) },
      birthtimeNs: { value: ns(a.btime) },
    });
  }

  protected kind(): InodeType {
    return typeOfMode(this.mode);
  }
}

/**
 * node:fs's BigIntStats (stat with { bigint: true }): every number a bigint, times also in
 * whole nanoseconds (atimeNs, ...), Dates as in Stats.
 */
export class BigIntStats extends FileKind {
  // node's order, as Stats's.
  dev: bigint;
  mode: bigint;
  nlink: bigint;
  uid: bigint;
  gid: bigint;
  rdev: bigint;
  blksize: bigint;
  ino: bigint;
  size: bigint;
  blocks: bigint;
  atimeMs: bigint;
  mtimeMs: bigint;
  ctimeMs: bigint;
  birthtimeMs: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  birthtimeNs: bigint;
  atime: Date;
  mtime: Date;
  ctime: Date;
  birthtime: Date;

  constructor(s: Stats) {
    super();
    this.dev = BigInt(s.dev);
    this.ino = BigInt(s.ino);
    this.mode = BigInt(s.mode);
    this.nlink = BigInt(s.nlink);
    this.uid = BigInt(s.uid);
    this.gid = BigInt(s.gid);
    this.rdev = BigInt(s.rdev);
    this.size = BigInt(s.size);
    this.blksize = BigInt(s.blksize);
    this.blocks = BigInt(s.blocks);
    // As node: the millisecond fields are the nanoseconds divided down, truncated.
    this.atimeMs = s.atimeNs / 1_000_000n;
    this.mtimeMs = s.mtimeNs / 1_000_000n;
    this.ctimeMs = s.ctimeNs / 1_000_000n;
    this.birthtimeMs = s.birthtimeNs / 1_000_000n;
    this.atimeNs = s.atimeNs;
    this.mtimeNs = s.mtimeNs;
    this.ctimeNs = s.ctimeNs;
    this.birthtimeNs = s.birthtimeNs;
    this.atime = s.atime;
    this.mtime = s.mtime;
    this.ctime = s.ctime;
    this.birthtime = s.birthtime;
  }

  protected kind(): InodeType {
    return typeOfMode(Number(this.mode));
  }
}

/** node:fs's Dirent: `name` is a Buffer when readdirSync was asked for encoding 'buffer'. */
export class Dirent<Name extends string | Buffer = string> extends FileKind {
  readonly name: Name;
  readonly parentPath: string;
  readonly path: string;
  /** A #private field: node's Dirent keeps its type under a symbol, so its own keys are these three. */
  readonly #type: Inode['type'];

  constructor(name: Name, parentPath: string, inode: Inode) {
    super();
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this.#type = inode.type;
  }

  protected kind(): InodeType {
    return this.#type;
  }
}

/** node:fs StatFs, plus what pmemfs knows beyond it. */
export interface StatFs {
  type: number;
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  /** pmemfs extras */
  logBytes: number;
  logUsed: number;
  checkpointGeneration: number;
  sharedBlocks: number;
  quarantinedBlocks: number;
}

export const PMEMFS_MAGIC = 0x504d4653; // "PMFS"
