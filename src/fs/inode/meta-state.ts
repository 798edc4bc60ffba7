/**
 * MetaState: the whole metadata state in memory, and the one function that changes it.
 *
 * Interface:
 *   apply(items)         the state machine: every committed transaction and every replayed log
 *                        record goes through here, so the state after a crash is rebuilt by
 *                        exactly the code that built it live
 *   get(ino)             an inode, loaded from the checkpoint image on first use
 *   mountImage(image)    the image mounted from: every inode in it exists, none is loaded yet
 *   rebaseImage(...)     after a checkpoint: unloaded inodes now live in the new image
 *   loadAll(onError?)    every inode loaded (fsck, the cleaner: walkers of the whole state)
 *   groupItems(inode)    one inode as the items of its checkpoint group (inode/image-writer.ts)
 *   inodes (the loaded ones), inodeCount (all), orphans, allocIno(), imageIndex()
 *
 * Lazy inodes. An inode of the checkpoint image is *unloaded* until something needs it: get()
 * binary-searches the image's index, reads the inode's group through the device, checks it and
 * applies its items (install(): INODE, SYMLINK, MAP, XSET and, for a directory, its LINK items)
 * WITHOUT taking block references: the image's space map already counted them at mount. That
 * is the only difference from apply(), so an inode loaded from the image is the inode apply()
 * built before the checkpoint. Every item apply() meets names its inodes through get(), so log
 * replay and live operations load what they touch first; IFREE marks the index entry gone, so
 * a freed inode is never loaded again from the image.
 *
 * apply() takes references to newly mapped blocks at once but gives up displaced ones only
 * after the last item, so an extent moved within one transaction (collapse, insert, rename of
 * data) is never freed in between. Items that name a missing inode or a block outside the
 * data area are EFSCORRUPTED: a checksummed record that says so is a corrupted image.
 */
import { IGET, fsError, isFsError, type FsError } from '../../errno/index.js';
import type { BlockSpace, Extent } from '../alloc/index.js';
import { decodeGroup, mapItem, type DiskInode, type Item } from '../format/index.js';
import { type CheckpointImage, FaultSet } from '../log/index.js';
import { Inode } from './inode.js';

export const ROOT_INO = 1;

/** State of an index entry of the current image. */
export const UNLOADED = 0;
export const LOADED = 1;
export const GONE = 2;

export class MetaState {
  /** The loaded inodes (see inodeCount for all of them). */
  readonly inodes = new Map<number, Inode>();
  readonly orphans = new Set<number>();
  readonly space: BlockSpace;
  /** Injected bugs (crash campaigns only; empty in normal use). */
  readonly faults: FaultSet;
  private freeInos: number[] = [];
  private nextIno = ROOT_INO + 1;
  /** The checkpoint image unloaded inodes live in, and the state of each of its index entries. */
  private image: CheckpointImage | null = null;
  private state: Uint8Array = new Uint8Array(0);
  private unloaded = 0;
  /** apply()'s list of displaced extents, kept between calls. */
  private readonly unrefs: Extent[] = [];
  /** Groups read and decoded since mount (tests, diagnostics). */
  groupsLoaded = 0;

  constructor(space: BlockSpace, faults: FaultSet = new FaultSet()) {
    this.space = space;
    this.faults = faults;
  }

  /** Every inode, loaded or not (statfs). */
  get inodeCount(): number {
    return this.inodes.size + this.unloaded;
  }

  get unloadedCount(): number {
    return this.unloaded;
  }

  get(ino: number): Inode | undefined {
    const i = this.inodes.get(ino);
    if (i !== undefined || this.unloaded === 0) return i;
    return this.load(ino);
  }

  /** An unused inode number; the inode exists once an INODE item for it is applied. */
  allocIno(): number {
    for (;;) {
      const ino = this.freeInos.pop();
      if (ino === undefined) return this.nextIno++;
      if (!this.exists(ino)) return ino;
    }
  }

  apply(items: readonly Item[]): void {
    const unrefs = this.unrefs; // reused: apply runs on every operation and never nests
    try {
      for (const it of items) this.applyOne(it, unrefs, false);
      for (const e of unrefs) this.space.unref(e.pblk, e.count);
    } finally {
      while (unrefs.length > 0) unrefs.pop(); // (keeps the capacity; see Txn's empty())
    }
  }

  /**
   * The image mounted from: all its inodes exist, unloaded. Free inode numbers are the gaps of
   * its index (one scan of a typed array); orphans are checked against it.
   */
  mountImage(image: CheckpointImage): void {
    if (this.inodes.size > 0 || this.image !== null) throw fsError('EINVAL', 'mount', { detail: 'image mounted on a non-empty state' });
    const top = image.top;
    const n = top.count;
    this.image = image;
    this.state = new Uint8Array(n);
    this.unloaded = n;
    if (n > 0 && top.ino(0) < ROOT_INO) throw fsError('EFSCORRUPTED', 'mount', { detail: `inode number ${top.ino(0)} out of range` });
    // The index is strictly ascending (decodeTop checked), so the gaps are the free numbers.
    const ix = top.index;
    let next = ROOT_INO + 1;
    for (let i = 0; i < ix.length; i += 4) {
      const ino = ix[i]!;
      for (let g = next; g < ino; g++) this.freeInos.push(g);
      if (ino >= next) next = ino + 1;
    }
    this.nextIno = next;
    for (const o of top.orphans) {
      if (top.indexOf(o) < 0) throw fsError('EFSCORRUPTED', 'mount', { detail: `orphan list names inode ${o}, which does not exist` });
      this.orphans.add(o);
    }
  }

  /**
   * After a checkpoint's commit point: the same inodes, now indexed by the new image. `state`
   * (from the image writer) says which entries are loaded; the others were copied verbatim from
   * the old image, so they are unloaded in the new one.
   */
  rebaseImage(image: CheckpointImage, state: Uint8Array): void {
    this.image = image;
    this.state = state;
    let n = 0;
    for (let i = 0; i < state.length; i++) if (state[i] === UNLOADED) n++;
    this.unloaded = n;
  }

  /** The current image's index and entry states (the image writer copies unloaded groups). */
  imageIndex(): { image: CheckpointImage | null; state: Uint8Array } {
    return { image: this.image, state: this.state };
  }

  /**
   * Loads every unloaded inode: walkers of the whole state call this first. A group that fails
   * to load throws, or with `onError` is reported and left unloaded (fsck reports every one).
   */
  loadAll(onError?: (ino: number, e: FsError) => void): void {
    if (this.image === null) return;
    const top = this.image.top;
    for (let i = 0; i < top.count && this.unloaded > 0; i++) {
      if (this.state[i] !== UNLOADED) continue;
      try {
        this.load(top.ino(i));
      } catch (e) {
        if (onError === undefined || !isFsError(e)) throw e;
        onError(top.ino(i), e);
      }
    }
  }

  /** One inode as the items of its checkpoint group, in the order install() accepts. */
  groupItems(ino: Inode): Item[] {
    const out: Item[] = [{ t: 'inode', ino: ino.ino, inode: ino.attrs }];
    if (ino.type === 'symlink') out.push({ t: 'symlink', ino: ino.ino, target: ino.target });
    for (const e of ino.extents.extents()) out.push(mapItem(ino.ino, e.lblk, e.count, e.pblk, e.kind));
    if (ino.xattrs !== null) for (const [name, value] of ino.xattrs) out.push({ t: 'xset', ino: ino.ino, name, value });
    if (ino.entries !== null) for (const [name, child] of ino.entries) out.push({ t: 'link', dir: ino.ino, name, ino: child });
    return out;
  }

  private isUnloaded(ino: number): boolean {
    if (this.unloaded === 0) return false;
    const i = this.image!.top.indexOf(ino);
    return i >= 0 && this.state[i] === UNLOADED;
  }

  /**
   * Reads, checks and installs the group of an unloaded inode; undefined if the image has no
   * such inode (or it was freed since). EFSBADCRC / EFSCORRUPTED from a bad group, every time
   * it is touched: a failed load leaves the entry unloaded and the state unchanged.
   */
  private load(ino: number): Inode | undefined {
    const image = this.image!;
    const i = image.top.indexOf(ino);
    if (i < 0 || this.state[i] !== UNLOADED) return undefined;
    const g = decodeGroup(image.read(image.top.groupOffset(i), image.top.groupBytes(i)), ino);
    if (!g.ok) throw fsError(g.code, IGET, { detail: g.why });
    this.state[i] = LOADED;
    this.unloaded--;
    this.groupsLoaded++;
    try {
      this.install(ino, g.value.parent, g.value.items);
    } catch (e) {
      this.inodes.delete(ino);
      this.state[i] = UNLOADED;
      this.unloaded++;
      throw e;
    }
    return this.inodes.get(ino);
  }

  /**
   * Applies one group's items: the image's items for that inode, with no block references taken
   * (the space map counted them at mount). A group whose extents overlap is corrupt.
   */
  private install(ino: number, parent: number, items: readonly Item[]): void {
    const displaced: Extent[] = [];
    for (const it of items) this.applyOne(it, displaced, true);
    if (displaced.length > 0) throw fsError('EFSCORRUPTED', IGET, { detail: `group of inode ${ino} maps a block range twice` });
    const inode = this.inodes.get(ino)!;
    if (!inode.isDir) return;
    if (!this.exists(parent)) throw fsError('EFSCORRUPTED', IGET, { detail: `directory ${ino} names parent ${parent}, which does not exist` });
    inode.parent = parent;
  }

  /** Loaded, or unloaded in the image (without loading it). */
  private exists(ino: number): boolean {
    return this.inodes.has(ino) || this.isUnloaded(ino);
  }

  /** `image`: the item comes from a checkpoint group (install), not from a record. */
  private applyOne(it: Item, unrefs: Extent[], image: boolean): void {
    switch (it.t) {
      case 'inode': {
        // The item's attributes become the inode's: items are never reused after apply (a Txn
        // lets go of them once committed, decoded items are fresh), so no copy is needed. get() loads
        // an unloaded inode first, so its entries and extents are not lost.
        const cur = image ? undefined : this.get(it.ino);
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
        this.forget(it.ino);
        return;
      }
      case 'link': {
        const dir = this.needDir(it.dir);
        dir.entries!.set(it.name, it.ino);
        // A group's entries name inodes that stay unloaded: a directory's parent is in its own
        // group's header, so loading a directory does not load its children. They must exist
        // (nothing frees an inode without first unlinking it, which loads this directory).
        if (image) {
          if (!this.exists(it.ino)) throw fsError('EFSCORRUPTED', IGET, { detail: `directory ${it.dir} names inode ${it.ino}, which does not exist` });
          return;
        }
        const child = this.need(it.ino);
        if (child.isDir) child.parent = it.dir;
        return;
      }
      case 'unlink':
        this.needDir(it.dir).entries!.delete(it.name);
        return;
      case 'map': {
        const ino = this.need(it.ino);
        if (it.kind !== 'hole') this.checkBlocks(it.pblk, it.count);
        ino.extents.set(it.lblk, it.count, it.pblk, it.kind, unrefs);
        if (image) return;
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

  /** A freed inode's index entry is gone: get() must never load it from the image again. */
  private forget(ino: number): void {
    if (this.image === null) return;
    const i = this.image.top.indexOf(ino);
    if (i >= 0) this.state[i] = GONE;
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
    const i = this.get(ino);
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
}
