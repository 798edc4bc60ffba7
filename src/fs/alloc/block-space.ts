/**
 * BlockSpace: who owns each data-area block. A block is exactly one of:
 *   free         in FreeSpace, allocatable
 *   reserved     allocated to a transaction that has not committed yet
 *   referenced   mapped by one or more files (refcount; only counts >= 2 are stored, as XFS's
 *                refcount btree stores shared extents only)
 *   metadata     the current checkpoint image (owned by the log layer)
 *   quarantined  its last reference is gone but a revoked DAX mapping may still store into it:
 *                not reusable until the mapping's holder lets go (seal layer)
 *
 * Interface: reserve/unreserve, ref/unref (the apply path), refcount, quarantine/unquarantine,
 * claimMeta/releaseMeta. Callers hold the filesystem lock (everything is synchronous).
 */
import { assert } from '../../errno/index.js';
import { BlockBitmap } from './block-bitmap.js';
import { type Extent, FreeSpace } from './free-space.js';

export class BlockSpace {
  readonly free = new FreeSpace();
  /** Refcounts of shared blocks (>= 2). A referenced block absent here has refcount 1. */
  private readonly shared = new Map<number, number>();
  private readonly reserved = new BlockBitmap();
  private readonly quarantined = new Map<number, number>(); // pblk -> holds
  private readonly deadQuarantined = new Set<number>(); // unreferenced, waiting for unquarantine
  readonly firstData: number;
  readonly blockCount: number;

  constructor(firstData: number, blockCount: number) {
    this.firstData = firstData;
    this.blockCount = blockCount;
  }

  /** Everything free: mkfs and the start of mount. */
  initFree(): void {
    this.free.free(this.firstData, this.blockCount - this.firstData);
  }

  get sharedBlocks(): number {
    return this.shared.size;
  }

  /**
   * Allocates `count` blocks (as few extents as the allocator can), near `goal`, pushing the
   * extents onto `out` (the caller's array: no array per call on the write path); false, with
   * nothing allocated, when the free space (minus `keep` blocks held back for metadata) cannot
   * hold them all.
   */
  reserve(count: number, goal: number, keep: number, out: Extent[]): boolean {
    if (this.free.freeBlocks - keep < count) return false;
    let left = count;
    let g = goal;
    while (left > 0) {
      const e = this.free.alloc(left, g);
      assert(e !== null, 'free space ran out after the count check');
      for (let b = e.pblk; b < e.pblk + e.count; b++) this.reserved.add(b);
      out.push(e);
      left -= e.count;
      g = e.pblk + e.count;
    }
    return true;
  }

  /** A transaction that failed before committing gives its blocks back. */
  unreserve(extents: readonly Extent[]): void {
    for (const e of extents) {
      for (let b = e.pblk; b < e.pblk + e.count; b++) this.reserved.delete(b);
      this.free.free(e.pblk, e.count);
    }
  }

  /** One more reference to each block: a reserved or free block becomes referenced once. */
  ref(pblk: number, count: number): void {
    let b = pblk;
    while (b < pblk + count) {
      if (this.reserved.delete(b)) {
        b++;
        continue;
      }
      // A run of free blocks (replay, or the apply of a checkpoint) is claimed in one step.
      if (this.free.isFree(b, 1)) {
        let n = 1;
        while (b + n < pblk + count && this.free.isFree(b + n, 1) && !this.reserved.has(b + n)) n++;
        this.free.claim(b, n);
        b += n;
        continue;
      }
      this.shared.set(b, (this.shared.get(b) ?? 1) + 1);
      b++;
    }
  }

  /** One reference fewer; a block whose last reference goes is freed (or held in quarantine). */
  unref(pblk: number, count: number): void {
    if (this.shared.size === 0 && this.quarantined.size === 0) {
      this.free.free(pblk, count);
      return;
    }
    let runStart = -1;
    const flush = (end: number) => {
      if (runStart >= 0) this.free.free(runStart, end - runStart);
      runStart = -1;
    };
    for (let b = pblk; b < pblk + count; b++) {
      const rc = this.shared.get(b);
      if (rc !== undefined) {
        flush(b);
        if (rc <= 2) this.shared.delete(b);
        else this.shared.set(b, rc - 1);
      } else if (this.quarantined.has(b)) {
        flush(b);
        this.deadQuarantined.add(b);
      } else if (runStart < 0) runStart = b;
    }
    flush(pblk + count);
  }

  refcount(pblk: number): number {
    return this.shared.get(pblk) ?? 1;
  }

  isShared(pblk: number, count: number): boolean {
    if (this.shared.size === 0) return false;
    for (let b = pblk; b < pblk + count; b++) if (this.shared.has(b)) return true;
    return false;
  }

  isReserved(pblk: number): boolean {
    return this.reserved.has(pblk);
  }

  /** Blocks a revoked mapping may still store into: never reallocated until released. */
  quarantine(pblk: number, count: number): void {
    for (let b = pblk; b < pblk + count; b++) this.quarantined.set(b, (this.quarantined.get(b) ?? 0) + 1);
  }

  unquarantine(pblk: number, count: number): void {
    for (let b = pblk; b < pblk + count; b++) {
      const q = this.quarantined.get(b) ?? 0;
      if (q > 1) {
        this.quarantined.set(b, q - 1);
        continue;
      }
      this.quarantined.delete(b);
      if (this.deadQuarantined.delete(b)) this.free.free(b, 1);
    }
  }

  isQuarantined(pblk: number, count: number): boolean {
    if (this.quarantined.size === 0) return false;
    for (let b = pblk; b < pblk + count; b++) if (this.quarantined.has(b)) return true;
    return false;
  }

  get quarantinedBlocks(): number {
    return this.quarantined.size;
  }

  /** Checkpoint images own their blocks directly. */
  claimMeta(pblk: number, count: number): void {
    this.free.claim(pblk, count);
  }

  releaseMeta(pblk: number, count: number): void {
    this.free.free(pblk, count);
  }

  // --- the checkpoint's space map (fs/format/image.ts) -----------------------------------------

  /**
   * Mount: a run of the space map, blocks [pblk, pblk+count) mapped `refcount` times each, taken
   * from free space in one step without reading any extent map. The caller checks that the run
   * lies in the data area and is free (not overlapping the image or an earlier run).
   */
  claimReferenced(pblk: number, count: number, refcount: number): void {
    this.free.claim(pblk, count);
    if (refcount >= 2) for (let b = pblk; b < pblk + count; b++) this.shared.set(b, refcount);
  }

  /**
   * Checkpoint: every referenced block as runs of equal refcount, ascending. Used blocks that are
   * not referenced are left out: `exclude` (the current checkpoint image), reserved blocks (their
   * transaction has not committed) and quarantined blocks whose last reference is gone.
   */
  referencedRuns(exclude: readonly Extent[]): Array<{ pblk: number; count: number; refcount: number }> {
    // Everything not referenced, as sorted [start, end) pairs: free extents and the exclusions.
    const gaps: Array<[number, number]> = this.free.extents().map((e) => [e.pblk, e.pblk + e.count]);
    for (const e of exclude) gaps.push([e.pblk, e.pblk + e.count]);
    for (const b of this.reserved.blocks()) gaps.push([b, b + 1]);
    for (const b of this.deadQuarantined) gaps.push([b, b + 1]);
    gaps.sort((a, b) => a[0] - b[0]);
    const shared = [...this.shared.keys()].sort((a, b) => a - b);
    const out: Array<{ pblk: number; count: number; refcount: number }> = [];
    let si = 0;
    const emit = (from: number, to: number) => {
      // [from, to) is referenced: split it where the refcount changes.
      let b = from;
      while (si < shared.length && shared[si]! < from) si++;
      while (b < to) {
        const s = si < shared.length ? shared[si]! : Infinity;
        if (s > b) {
          const end = Math.min(to, s);
          push(b, end - b, 1);
          b = end;
          continue;
        }
        push(b, 1, this.shared.get(b)!);
        si++;
        b++;
      }
    };
    const push = (pblk: number, count: number, refcount: number) => {
      const last = out[out.length - 1];
      if (last !== undefined && last.refcount === refcount && last.pblk + last.count === pblk) last.count += count;
      else out.push({ pblk, count, refcount });
    };
    let at = this.firstData;
    for (const [s, e] of gaps) {
      if (s > at) emit(at, s);
      at = Math.max(at, e);
    }
    if (at < this.blockCount) emit(at, this.blockCount);
    return out;
  }
}
