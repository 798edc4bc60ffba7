/**
 * Model: an in-memory reference model of a POSIX filesystem with Linux's storage operations. It
 * is the crash oracle (the state before and after each operation) and the other side of
 * differential (fsx-style) tests. It answers the error codes the real filesystem must answer.
 *
 * Interface:
 *   new Model({ maxFileSize? })   an empty filesystem (just '/')
 *   apply(op)      run one workload op → { ok: true } | { ok: false, code } (op.expect ignored)
 *   clone()        an independent deep copy
 *   tree()         the visible state as a Tree (see tree.ts)
 *   uncertain()    per path, the byte ranges stored through a mapping and not yet msync'ed
 *   seals(), mappings()  the seals and DAX mappings held now (for setup and leak checks)
 *   read, stat, lstat, readdir, readlink, getxattr, listxattr, fallocate (every mode, incl.
 *   unshare), dedupe (→ bytes deduped): helpers for differential tests; they throw FsError.
 *   runWorkload(w, model?)  run a whole workload, checking `=> CODE` expectations.
 *
 * The rules live beside each group of operations: model-namespace.ts (names), model-data.ts
 * (bytes, fallocate), model-remap.ts (reflink, clone, dedupe), model-xattr.ts, model-mapping.ts
 * (mmap and uncertain bytes), model-seal.ts (what a seal refuses), model-alias.ts (which stores
 * through a revoked mapping still reach the file). Every operation validates
 * before it mutates: a failed operation leaves the model unchanged.
 */
import { isFsError, unreachable, type ErrorCode } from '../errno/index.js';
import { cloneState, newState, nodeOf, ROOT_INO, type Mapping, type ModelState, type Node, type Seal } from './model-node.js';
import { byteLength, fail, resolveNode } from './model-path.js';
import { fallocate, read, truncate, write, type FallocMode } from './model-data.js';
import { creat, link, mkdir, rename, rmdir, symlink, unlink } from './model-namespace.js';
import { cloneRange, dedupeRange, reflink } from './model-remap.js';
import { getxattr, listxattr, removexattr, setxattr } from './model-xattr.js';
import { mmap, msync, munmap, mwrite } from './model-mapping.js';
import { activeSeals, seal, unseal } from './model-seal.js';
import { clipRanges, type RangeSet } from './range-set.js';
import { childPath, type Tree, type TreeEntry, type Xattrs } from './tree.js';
import type { OpBody, Workload } from './workload.js';

export type ModelResult = { ok: true } | { ok: false; code: ErrorCode };

export interface ModelOptions {
  /** Largest file size (bytes); larger sizes are EFBIG. Default 2^31 (the model is dense). */
  maxFileSize?: number;
}

export interface ModelStat {
  type: 'dir' | 'file' | 'symlink';
  ino: number;
  size: number;
  nlink: number;
}

export type ModelFallocMode = FallocMode;

/** Run one op against the state; throws FsError on failure. */
function exec(s: ModelState, op: OpBody): void {
  switch (op.kind) {
    case 'mkdir': return mkdir(s, op.path);
    case 'rmdir': return rmdir(s, op.path);
    case 'creat': return creat(s, op.path);
    case 'unlink': return unlink(s, op.path);
    case 'link': return link(s, op.oldPath, op.newPath);
    case 'symlink': return symlink(s, op.target, op.path);
    case 'rename': return rename(s, op.oldPath, op.newPath);
    case 'write': return write(s, op.path, op.offset, op.length, op.seed);
    case 'truncate': return truncate(s, op.path, op.length);
    case 'falloc': return fallocate(s, op.path, 'allocate', op.keepSize, op.offset, op.length);
    case 'punch': return fallocate(s, op.path, 'punch', true, op.offset, op.length);
    case 'zero': return fallocate(s, op.path, 'zero', op.keepSize, op.offset, op.length);
    case 'collapse': return fallocate(s, op.path, 'collapse', false, op.offset, op.length);
    case 'insert': return fallocate(s, op.path, 'insert', false, op.offset, op.length);
    case 'reflink': return reflink(s, op.src, op.dst);
    case 'clone': return cloneRange(s, op.src, op.srcOffset, op.dst, op.dstOffset, op.length);
    case 'dedupe': return void dedupeRange(s, op.src, op.srcOffset, op.dst, op.dstOffset, op.length);
    case 'setxattr': return setxattr(s, op.path, op.name, op.value);
    case 'removexattr': return removexattr(s, op.path, op.name);
    case 'fsync': case 'fdatasync': return void resolveNode(s, op.path, op.kind);
    case 'sync': return;
    case 'mmap': return mmap(s, op.path, op.offset, op.length, op.direct);
    case 'mwrite': return mwrite(s, op.path, op.offset, op.length, op.seed);
    case 'msync': return msync(s, op.path, op.offset, op.length);
    case 'munmap': return munmap(s, op.path);
    case 'seal': return seal(s, op.path, op.range, op.mode);
    case 'unseal': return unseal(s, op.path);
    default: return unreachable(op, 'op');
  }
}

function xattrsOf(n: Node): Xattrs {
  return Object.fromEntries([...n.xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function entryOf(n: Node, path: string): TreeEntry {
  switch (n.kind) {
    case 'dir': return { type: 'dir', xattrs: xattrsOf(n) };
    case 'symlink': return { type: 'symlink', target: n.target, xattrs: {} };
    case 'file':
      return { type: 'file', size: n.size, data: n.bytes.slice(0, n.size), nlink: n.nlink, group: path, xattrs: xattrsOf(n) };
    default: return unreachable(n, 'node');
  }
}

export class Model {
  private s: ModelState;

  constructor(opts: ModelOptions = {}) {
    this.s = newState(opts.maxFileSize ?? 2 ** 31);
  }

  apply(op: OpBody): ModelResult {
    return this.attempt(() => exec(this.s, op));
  }

  clone(): Model {
    const m = new Model();
    m.s = cloneState(this.s);
    return m;
  }

  /** Visit every reachable name, depth first, names sorted: (path, node). */
  private walk(fn: (path: string, n: Node) => void): void {
    const visit = (path: string, n: Node): void => {
      fn(path, n);
      if (n.kind !== 'dir') return;
      for (const name of [...n.entries.keys()].sort()) visit(childPath(path, name), nodeOf(this.s, n.entries.get(name) ?? -1));
    };
    visit('/', nodeOf(this.s, ROOT_INO));
  }

  tree(): Tree {
    const tree: Tree = new Map();
    const leader = new Map<number, string>();
    this.walk((path, n) => {
      tree.set(path, entryOf(n, path));
      const cur = leader.get(n.ino);
      if (cur === undefined || path < cur) leader.set(n.ino, path);
    });
    this.walk((path, n) => {
      const e = tree.get(path);
      if (e?.type === 'file') e.group = leader.get(n.ino) ?? path;
    });
    return tree;
  }

  uncertain(): Map<string, RangeSet> {
    const out = new Map<string, RangeSet>();
    this.walk((path, n) => {
      const r = n.kind === 'file' ? clipRanges(this.s.uncertain.get(n.ino) ?? [], n.size) : [];
      if (r.length > 0) out.set(path, r);
    });
    return out;
  }

  /** Seals held now; with `includeRevoked`, also broken leases not yet released by `unseal`. */
  seals(includeRevoked = false): Seal[] {
    return includeRevoked ? this.s.seals.map((x) => ({ ...x })) : activeSeals(this.s);
  }

  /** Live mappings, by the name (path) they were opened as. */
  mappings(): Mapping[] {
    return [...this.s.maps.values()].map((m) => ({ ...m }));
  }

  // -- helpers for differential tests: they throw FsError like node:fs --------------------------

  read(path: string, offset: number, length: number): Uint8Array {
    return read(this.s, path, offset, length);
  }

  stat(path: string): ModelStat {
    return statOf(this.s, resolveNode(this.s, path, 'stat'));
  }

  lstat(path: string): ModelStat {
    return statOf(this.s, resolveNode(this.s, path, 'lstat', 'nofollow'));
  }

  readdir(path: string): string[] {
    const n = resolveNode(this.s, path, 'scandir');
    if (n.kind !== 'dir') return fail('ENOTDIR', 'scandir', path);
    return [...n.entries.keys()].sort();
  }

  readlink(path: string): string {
    const n = resolveNode(this.s, path, 'readlink', 'nofollow');
    if (n.kind !== 'symlink') return fail('EINVAL', 'readlink', path);
    return n.target;
  }

  getxattr(path: string, name: string): string {
    return getxattr(this.s, path, name);
  }

  listxattr(path: string): string[] {
    return listxattr(this.s, path);
  }

  fallocate(path: string, mode: FallocMode, keepSize: boolean, offset: number, length: number): void {
    fallocate(this.s, path, mode, keepSize, offset, length);
  }

  dedupe(src: string, srcOffset: number, dst: string, dstOffset: number, length: number): number {
    return dedupeRange(this.s, src, srcOffset, dst, dstOffset, length);
  }

  private attempt(fn: () => void): ModelResult {
    try {
      fn();
      return { ok: true };
    } catch (e) {
      if (isFsError(e)) return { ok: false, code: e.code };
      throw e;
    }
  }
}

/** stat(2)'s view: a directory's nlink is 2 plus its subdirectories; its size is 4096. */
function statOf(s: ModelState, n: Node): ModelStat {
  if (n.kind === 'file') return { type: 'file', ino: n.ino, size: n.size, nlink: n.nlink };
  if (n.kind === 'symlink') return { type: 'symlink', ino: n.ino, size: byteLength(n.target), nlink: n.nlink };
  const subdirs = [...n.entries.values()].filter((ino) => nodeOf(s, ino).kind === 'dir').length;
  return { type: 'dir', ino: n.ino, size: 4096, nlink: 2 + subdirs };
}

/** Where a workload went wrong on the model: the op's line, what happened, what was expected. */
export interface WorkloadMismatch {
  line: number;
  got: ErrorCode | 'ok';
  expected: ErrorCode | 'ok';
}

/**
 * Run a workload, op by op, on `model` (default: a fresh one). Stops at the first op whose
 * outcome differs from its `=> CODE` expectation (or that fails without one) and reports it.
 */
export function runWorkload(w: Workload, model: Model = new Model()): { model: Model; mismatch?: WorkloadMismatch } {
  for (const op of w.ops) {
    const r = model.apply(op);
    const got = r.ok ? 'ok' : r.code;
    const expected = op.expect ?? 'ok';
    if (got !== expected) return { model, mismatch: { line: op.line, got, expected } };
  }
  return { model };
}
