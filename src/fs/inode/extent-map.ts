/**
 * ExtentMap: a file's logical-block -> physical-block map (as XFS's bmap), in memory.
 *
 * Interface:
 *   lookup(lblk, maxCount) -> Mapping: the piece starting at lblk, at most maxCount blocks:
 *                             { kind: 'hole' } | { kind: 'mapped' | 'unwritten', pblk }
 *   set(lblk, count, pblk, kind) -> the displaced pieces that owned blocks (for unref)
 *   shift(fromLblk, delta)  moves every extent at or after fromLblk by delta blocks
 *   extents(), count, endBlock, blocks (mapped + unwritten blocks, for st_blocks)
 * Invariants: extents are sorted by lblk, never overlap, have count >= 1; neighbours that are
 * logically and physically contiguous and of the same kind are merged.
 *
 * Representation: the sorted extents cut into leaves of at most LEAF_MAX (a one-level B-tree).
 * A random overwrite of a copy-on-write file splits an extent per write, so a fragmented file
 * has tens of thousands of extents; in one flat array every set() paid an O(n) splice (half
 * the time of a 4 KiB random overwrite at 16K extents). Now set() touches one leaf plus a
 * binary search over the leaves. extents() flattens on demand and caches until the next change.
 */
import { assert } from '../../errno/index.js';

export type ExtentKind = 'mapped' | 'unwritten';

export interface FileExtent {
  lblk: number;
  count: number;
  pblk: number;
  kind: ExtentKind;
}

export type Mapping =
  | { kind: 'hole'; lblk: number; count: number }
  | { kind: ExtentKind; lblk: number; count: number; pblk: number };

export class ExtentMap {
  /** Consecutive runs of the sorted extents; no leaf is empty. */
  private leaves: FileExtent[][] = [];
  private n = 0;
  private nblocks = 0;
  /** extents() as one array, until the next change. */
  private flat: FileExtent[] | null = null;

  get count(): number {
    return this.n;
  }

  /** Blocks mapped or preallocated (not holes). */
  get blocks(): number {
    return this.nblocks;
  }

  /** One past the last mapped logical block (0 when empty). */
  get endBlock(): number {
    const leaf = this.leaves[this.leaves.length - 1];
    const last = leaf?.[leaf.length - 1];
    return last === undefined ? 0 : last.lblk + last.count;
  }

  extents(): readonly FileExtent[] {
    return (this.flat ??= this.leaves.flat());
  }

  /** The physical block right after the extent ending at lblk, if any: the allocation goal. */
  goalFor(lblk: number): number {
    const e = this.before(lblk);
    if (e === undefined) return -1;
    return e.pblk + Math.min(e.count, lblk - e.lblk);
  }

  lookup(lblk: number, maxCount: number): Mapping {
    const [li, i] = this.locate(lblk);
    const e = this.at(li, i - 1);
    if (e !== undefined && lblk < e.lblk + e.count) {
      const count = Math.min(maxCount, e.lblk + e.count - lblk);
      return { kind: e.kind, lblk, count, pblk: e.pblk + (lblk - e.lblk) };
    }
    const next = this.at(li, i);
    const count = next === undefined ? maxCount : Math.min(maxCount, next.lblk - lblk);
    return { kind: 'hole', lblk, count };
  }

  /**
   * Maps [lblk, lblk+count) to pblk.. (or to a hole when kind is 'hole'). Returns the physical
   * pieces that were mapped there before, whose references the caller gives up.
   */
  set(lblk: number, count: number, pblk: number, kind: ExtentKind | 'hole'): Array<{ pblk: number; count: number }> {
    assert(count > 0, 'extent map set of zero blocks');
    const end = lblk + count;
    const displaced: Array<{ pblk: number; count: number }> = [];
    this.flat = null;
    if (this.leaves.length === 0) {
      if (kind !== 'hole') this.insertAt(0, 0, [{ lblk, count, pblk, kind }]);
      return displaced;
    }
    // The first extent that may overlap: the one before lblk if it reaches past lblk.
    let [li, i] = this.locate(lblk);
    const prev = this.at(li, i - 1);
    if (prev !== undefined && prev.lblk + prev.count > lblk) [li, i] = this.step(li, i, -1);
    // Cut out every extent overlapping [lblk, end), keeping the parts outside it.
    const keep: FileExtent[] = [];
    for (;;) {
      const leaf = this.leaves[li];
      const e = leaf?.[i];
      if (e === undefined || e.lblk >= end) break;
      const s = Math.max(e.lblk, lblk);
      const t = Math.min(e.lblk + e.count, end);
      displaced.push({ pblk: e.pblk + (s - e.lblk), count: t - s });
      if (e.lblk < lblk) keep.push({ lblk: e.lblk, count: lblk - e.lblk, pblk: e.pblk, kind: e.kind });
      if (e.lblk + e.count > end) keep.push({ lblk: end, count: e.lblk + e.count - end, pblk: e.pblk + (end - e.lblk), kind: e.kind });
      leaf!.splice(i, 1);
      this.n--;
      this.nblocks -= e.count;
      if (leaf!.length === 0) this.leaves.splice(li, 1); // (li, i) now names the next leaf's first
      else if (i === leaf!.length) [li, i] = [li + 1, 0];
    }
    const fresh: FileExtent[] = [];
    if (keep[0] !== undefined && keep[0].lblk < lblk) fresh.push(keep.shift()!);
    if (kind !== 'hole') fresh.push({ lblk, count, pblk, kind });
    fresh.push(...keep);
    if (fresh.length > 0) {
      // Insert into the leaf that ends before the gap when (li, 0) is a leaf's start: appending
      // keeps leaves full and makes the trailing append the common case.
      if (i === 0 && li > 0) [li, i] = [li - 1, this.leaves[li - 1]!.length];
      [li, i] = this.insertAt(li, i, fresh);
    }
    // Merge from the last inserted extent back to the one before the first (or, for a hole,
    // the one before the gap): each merge removes only a later extent, so the positions taken
    // first stay valid.
    const at: Array<[number, number]> = [this.step(li, i, -1)];
    for (let k = 0; k < fresh.length; k++) at.push(k === 0 ? [li, i] : this.step(...at[k]!, 1));
    for (let k = at.length - 1; k >= 0; k--) this.mergeWithNext(...at[k]!);
    return displaced;
  }

  /** Moves every extent starting at or after fromLblk by delta (collapse < 0, insert > 0). */
  shift(fromLblk: number, delta: number): void {
    const all = this.extents().map((e) => ({ ...e }));
    for (const e of all) if (e.lblk >= fromLblk) e.lblk += delta;
    this.rebuild(all);
  }

  clone(): ExtentMap {
    const m = new ExtentMap();
    m.rebuild(this.extents().map((e) => ({ ...e })));
    return m;
  }

  // --- internals -----------------------------------------------------------------------------

  /** Replaces the contents with `all` (sorted, not overlapping), merging neighbours. */
  private rebuild(all: FileExtent[]): void {
    const merged: FileExtent[] = [];
    for (const e of all) {
      const p = merged[merged.length - 1];
      if (p !== undefined && mergeable(p, e)) p.count += e.count;
      else merged.push(e);
    }
    this.leaves = [];
    for (let k = 0; k < merged.length; k += LEAF_MAX / 2) this.leaves.push(merged.slice(k, k + LEAF_MAX / 2));
    this.n = merged.length;
    this.nblocks = merged.reduce((s, e) => s + e.count, 0);
    this.flat = null;
  }

  /** (leaf, index) of the first extent whose lblk > x; index may equal the leaf's length only for the last leaf. */
  private locate(x: number): [number, number] {
    const L = this.leaves;
    // Last leaf whose first lblk <= x.
    let lo = 0;
    let hi = L.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (L[mid]![0]!.lblk <= x) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return [0, 0];
    const li = lo - 1;
    const leaf = L[li]!;
    let a = 0;
    let b = leaf.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (leaf[mid]!.lblk <= x) a = mid + 1;
      else b = mid;
    }
    return a === leaf.length && li + 1 < L.length ? [li + 1, 0] : [li, a];
  }

  /** The extent at a position, where index -1 means the previous leaf's last. */
  private at(li: number, i: number): FileExtent | undefined {
    if (i < 0) {
      const leaf = this.leaves[li - 1];
      return leaf?.[leaf.length - 1];
    }
    return this.leaves[li]?.[i];
  }

  /** The last extent with lblk <= x. */
  private before(x: number): FileExtent | undefined {
    const [li, i] = this.locate(x);
    return this.at(li, i - 1);
  }

  /** The position one extent forward (+1) or back (-1); may run off either end. */
  private step(li: number, i: number, dir: 1 | -1): [number, number] {
    if (dir < 0) {
      if (i > 0) return [li, i - 1];
      const prev = this.leaves[li - 1];
      return prev === undefined ? [li, -1] : [li - 1, prev.length - 1];
    }
    const leaf = this.leaves[li];
    if (leaf !== undefined && i + 1 < leaf.length) return [li, i + 1];
    return li + 1 < this.leaves.length ? [li + 1, 0] : [li, i + 1];
  }

  /** Inserts `items` at (li, i), splitting an overfull leaf; returns the position of items[0]. */
  private insertAt(li: number, i: number, items: FileExtent[]): [number, number] {
    if (this.leaves.length === 0) this.leaves.push([]);
    if (li >= this.leaves.length) [li, i] = [this.leaves.length - 1, this.leaves[this.leaves.length - 1]!.length];
    const leaf = this.leaves[li]!;
    leaf.splice(i, 0, ...items);
    this.n += items.length;
    for (const e of items) this.nblocks += e.count;
    if (leaf.length <= LEAF_MAX) return [li, i];
    const half = leaf.length >>> 1;
    this.leaves.splice(li + 1, 0, leaf.splice(half));
    return i < half ? [li, i] : [li + 1, i - half];
  }

  /** Merges the extent at (li, i) with its successor when they are contiguous. */
  private mergeWithNext(li: number, i: number): void {
    const e = this.at(li, i);
    const [ln, inx] = this.step(li, i, 1);
    const next = this.at(ln, inx);
    if (e === undefined || next === undefined || next === e || !mergeable(e, next)) return;
    e.count += next.count;
    const leaf = this.leaves[ln]!;
    leaf.splice(inx, 1);
    this.n--;
    if (leaf.length === 0) this.leaves.splice(ln, 1);
  }
}

const LEAF_MAX = 64;

function mergeable(p: FileExtent, e: FileExtent): boolean {
  return p.kind === e.kind && p.lblk + p.count === e.lblk && p.pblk + p.count === e.pblk;
}
