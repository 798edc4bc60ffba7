/**
 * MetaState: the whole metadata state in memory, and the one function that changes it.
 *
 * Interface:
 *   apply(items)         the state machine: every committed transaction, every replayed log
 *                        record and every checkpoint image goes through here, so the state
 *                        after a crash is rebuilt by exactly the code that built it live
 *   checkpointItems()    the state as items that rebuild it from empty (format/checkpoint.ts)
 *   get(ino), inodes, orphans, allocIno()
 *
 * apply() takes references to newly mapped blocks at once but gives up displaced ones only
 * after the last item, so an extent moved within one transaction (collapse, insert, rename of
 * data) is never freed in between. Items that name a missing inode or a block outside the
 * data area are EFSCORRUPTED: a checksummed record that says so is a corrupted image.
 */
import { fsError } from '../../errno/index.js';
import type { BlockSpace, Extent } from '../alloc/index.js';
import type { DiskInode, Item } from '../format/index.js';
import { Inode } from './inode.js';

export const ROOT_INO = 1;

export class MetaState {
  readonly inodes = new Map<number, Inode>();
  readonly orphans = new Set<number>();
  readonly space: BlockSpace;
  /** Injected bugs (crash campaigns only; empty in normal use). */
  readonly faults: ReadonlySet<string>;
  private freeInos: number[] = [];
  private nextIno = ROOT_INO + 1;

  constructor(space: BlockSpace, faults: ReadonlySet<string> = new Set()) {
    this.space = space;
    this.faults = faults;
  }

  get(ino: number): Inode | undefined {
    return this.inodes.get(ino);
  }

  /** An unused inode number; the inode exists once an INODE item for it is applied. */
  allocIno(): number {
    for (;;) {
      const ino = this.freeInos.pop();
      if (ino === undefined) return this.nextIno++;
      if (!this.inodes.has(ino)) return ino;
    }
  }

  apply(items: readonly Item[]): void {
    const unrefs: Extent[] = [];
    for (const it of items) this.applyOne(it, unrefs);
    for (const e of unrefs) this.space.unref(e.pblk, e.count);
  }

  private applyOne(it: Item, unrefs: Extent[]): void {
    switch (it.t) {
      case 'inode': {
        // The item's attributes become the inode's: items are never reused after apply (a Txn
        // is dead once committed, decoded items are fresh), so no copy is needed.
        const cur = this.inodes.get(it.ino);
        if (cur !== undefined) cur.attrs = it.inode;
        else this.create(it.ino, it.inode);
        return;
      }
      case 'ifree': {
        const ino = this.need(it.ino);
        for (const e of ino.extents.extents()) unrefs.push({ pblk: e.pblk, count: e.count });
        this.inodes.delete(it.ino);
        this.orphans.delete(it.ino);
        this.freeInos.push(it.ino);
        return;
      }
      case 'link': {
        const dir = this.needDir(it.dir);
        const child = this.need(it.ino);
        dir.entries!.set(it.name, it.ino);
        if (child.isDir) child.parent = it.dir;
        return;
      }
      case 'unlink':
        this.needDir(it.dir).entries!.delete(it.name);
        return;
      case 'map': {
        const ino = this.need(it.ino);
        if (it.kind !== 'hole') this.checkBlocks(it.pblk, it.count);
        for (const d of ino.extents.set(it.lblk, it.count, it.pblk, it.kind)) unrefs.push(d);
        if (it.kind !== 'hole' && !this.skipsRef(it.pblk, unrefs)) this.space.ref(it.pblk, it.count);
        return;
      }
      case 'symlink':
        this.need(it.ino).target = it.target;
        return;
      case 'xset': {
        const ino = this.need(it.ino);
        (ino.xattrs ??= new Map()).set(it.name, it.value);
        return;
      }
      case 'xdel':
        this.need(it.ino).xattrs?.delete(it.name);
        return;
      case 'orphan':
        this.need(it.ino);
        this.orphans.add(it.ino);
        return;
      case 'unorphan':
        this.orphans.delete(it.ino);
        return;
    }
  }

  /**
   * Injected bug 'late-refcount' (crash campaigns): a MAP of blocks that another extent already
   * maps (a clone or dedupe, not a move within this batch) takes no reference, so the shared
   * blocks keep refcount 1 and the first copy-on-write frees them under the other file.
   */
  private skipsRef(pblk: number, unrefs: readonly Extent[]): boolean {
    if (!this.faults.has('late-refcount')) return false;
    const s = this.space;
    return !s.free.isFree(pblk, 1) && !s.isReserved(pblk) && !unrefs.some((d) => pblk >= d.pblk && pblk < d.pblk + d.count);
  }

  private create(ino: number, attrs: DiskInode): void {
    if (ino < ROOT_INO || ino >= 2 ** 32) throw fsError('EFSCORRUPTED', 'mount', { detail: `inode number ${ino} out of range` });
    this.inodes.set(ino, new Inode(ino, attrs));
    if (ino >= this.nextIno) {
      for (let i = this.nextIno; i < ino; i++) this.freeInos.push(i);
      this.nextIno = ino + 1;
    }
  }

  private need(ino: number): Inode {
    const i = this.inodes.get(ino);
    if (i === undefined) throw fsError('EFSCORRUPTED', 'mount', { detail: `metadata names inode ${ino}, which does not exist` });
    return i;
  }

  private needDir(ino: number): Inode {
    const i = this.need(ino);
    if (!i.isDir) throw fsError('EFSCORRUPTED', 'mount', { detail: `metadata adds an entry to inode ${ino}, not a directory` });
    return i;
  }

  private checkBlocks(pblk: number, count: number): void {
    if (pblk < this.space.firstData || pblk + count > this.space.blockCount || count <= 0) {
      throw fsError('EFSCORRUPTED', 'mount', { detail: `extent ${pblk}+${count} outside the data area` });
    }
  }

  /** The state as items, in an order apply() accepts: inodes, then contents, then entries. */
  *checkpointItems(): Generator<Item> {
    for (const ino of this.inodes.values()) yield { t: 'inode', ino: ino.ino, inode: ino.attrs };
    for (const ino of this.inodes.values()) {
      if (ino.type === 'symlink') yield { t: 'symlink', ino: ino.ino, target: ino.target };
      for (const e of ino.extents.extents()) yield { t: 'map', ino: ino.ino, lblk: e.lblk, count: e.count, pblk: e.pblk, kind: e.kind };
      if (ino.xattrs !== null) for (const [name, value] of ino.xattrs) yield { t: 'xset', ino: ino.ino, name, value };
      if (ino.entries !== null) for (const [name, child] of ino.entries) yield { t: 'link', dir: ino.ino, name, ino: child };
    }
    for (const o of this.orphans) yield { t: 'orphan', ino: o };
  }
}
