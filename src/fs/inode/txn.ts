/**
 * Txn: the items and reserved blocks of one operation being built. Builders (file-io.ts,
 * file-space.ts, the namespace ops) add to a Txn; the API layer commits it once, so an
 * operation that touches several inodes (copyFile with reflink, rename over a file) is one
 * record and one commit point.
 *
 * Invariant: reserved blocks are either mapped by an item of this Txn when it commits, or
 * given back by abort(). Callers pair build/commit with abort in `finally`-style code.
 *
 * A Txn lives only inside transact(), which recycles it for the next operation: its arrays keep
 * their capacity, so a write does not allocate five arrays and their backing stores (that was a
 * fifth of the garbage of a 4 KiB write). Nothing may keep a Txn or its arrays past transact().
 */
import { reframe } from '../../errno/index.js';
import type { Extent } from '../alloc/index.js';
import type { DiskInode, Item, Opcode } from '../format/index.js';
import type { FsCore } from './fs-core.js';
import { Inode, copyAttrs } from './inode.js';

export class Txn {
  core: FsCore;
  opcode: Opcode;
  syscall: string;
  readonly items: Item[] = [];
  readonly reserved: Extent[] = [];
  /** What commit() hands to the core: attribute items, then `items`. */
  private readonly all: Item[] = [];
  /** What the last reserve() got. */
  private readonly got: Extent[] = [];
  /** Attribute updates, folded into one INODE item per inode at commit. */
  // Two short parallel arrays, not a Map: a transaction touches one to four inodes, and a Map
  // per operation was a measurable share of the commit path's garbage.
  private readonly attrInos: number[] = [];
  private readonly attrVals: DiskInode[] = [];
  private done = false;

  constructor(core: FsCore, opcode: Opcode, syscall: string) {
    this.core = core;
    this.opcode = opcode;
    this.syscall = syscall;
  }

  /**
   * A new inode, created by this Txn's commit. The returned object is not in the state yet
   * (its extent map stays empty); builders use it to add items for the new file.
   */
  newInode(ino: number, attrs: DiskInode): Inode {
    const inode = new Inode(ino, attrs);
    this.attrInos.push(ino);
    this.attrVals.push(copyAttrs(attrs));
    return inode;
  }

  /** The attributes this Txn will write for `inode` (a copy, edited in place by the caller). */
  attrsOf(inode: Inode): DiskInode {
    const k = this.attrInos.indexOf(inode.ino);
    if (k >= 0) return this.attrVals[k]!;
    const a = copyAttrs(inode.attrs);
    this.attrInos.push(inode.ino);
    this.attrVals.push(a);
    return a;
  }

  /** Reserves blocks for this Txn. The array returned is reused: valid until the next call. */
  reserve(blocks: number, goal: number, path?: string): readonly Extent[] {
    const got = this.got;
    empty(got);
    this.core.reserve(blocks, goal, this.syscall, path, got);
    for (const e of got) this.reserved.push(e);
    return got;
  }

  add(item: Item): void {
    this.items.push(item);
  }

  /** Commits: attribute items go first so that later items may name new inodes. */
  commit(): void {
    this.done = true;
    const all = this.all;
    for (let k = 0; k < this.attrInos.length; k++) all.push({ t: 'inode', ino: this.attrInos[k]!, inode: this.attrVals[k]! });
    for (const it of this.items) all.push(it);
    this.core.commit(this.opcode, all, this.reserved, this.syscall);
  }

  /** Gives back what was reserved if commit() was not reached. Safe to call after commit. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.core.space.unreserve(this.reserved);
  }

  /** Empties the Txn for reuse: drops every reference it holds (items, attributes, extents). */
  recycle(core: FsCore, opcode: Opcode, syscall: string): void {
    this.core = core;
    this.opcode = opcode;
    this.syscall = syscall;
    empty(this.items);
    empty(this.reserved);
    empty(this.all);
    empty(this.got);
    empty(this.attrInos);
    empty(this.attrVals);
    this.done = false;
  }
}

/**
 * Empties an array but keeps its capacity. Not `length = 0`: that is a runtime call (about
 * 50 ns), and it drops the backing store, so the next push allocates a new one.
 */
function empty(a: unknown[]): void {
  while (a.length > 0) a.pop();
}

/**
 * The Txn transact() hands out next, or null while it is in use. One is enough: operations do
 * not nest, except through callbacks (a lease break's handler may call into another filesystem),
 * and a nested transact() simply makes its own.
 */
let spare: Txn | null = null;

/**
 * Runs `build` in an empty Txn and commits it; aborts on any throw. Returns build's result.
 * `a`, `b` and `c` are passed on to `build`: a hot caller (a write) passes a module-level
 * function and its arguments instead of a closure, which would be garbage on every call.
 */
export function transact<T, A = void, B = void, C = void>(
  core: FsCore, opcode: Opcode, syscall: string, build: (t: Txn, a: A, b: B, c: C) => T, a?: A, b?: B, c?: C,
): T {
  let t = spare;
  spare = null;
  if (t === null) t = new Txn(core, opcode, syscall);
  else t.recycle(core, opcode, syscall);
  try {
    const r = build(t, a as A, b as B, c as C);
    t.commit();
    return r;
  } catch (e) {
    throw reframe(e, syscall); // a corrupt inode loaded while building is this call's error
  } finally {
    t.abort();
    // Emptied now, not at the next use: a parked Txn must not keep items or extents alive.
    t.recycle(core, opcode, syscall);
    spare = t;
  }
}
