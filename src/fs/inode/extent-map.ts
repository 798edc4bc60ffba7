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
    this.locate(lblk);
    const e = this.prevOf(this.pl, this.pi);
    if (e === undefined) return -1;
    return e.pblk + Math.min(e.count, lblk - e.lblk);
  }

  lookup(lblk: number, maxCount: number): Mapping {
    this.locate(lblk);
    const e = this.prevOf(this.pl, this.pi);
    if (e !== undefined && lblk < e.lblk + e.count) {
      const count = Math.min(maxCount, e.lblk + e.count - lblk);
      return { kind: e.kind, lblk, count, pblk: e.pblk + (lblk - e.lblk) };
    }
    const next = this.leaves[this.pl]?.[this.pi];
    const count = next === undefined ? maxCount : Math.min(maxCount, next.lblk - lblk);
    return { kind: 'hole', lblk, count };
  }

  /**
   * Maps [lblk, lblk+count) to pblk.. (or to a hole when kind is 'hole'). Pushes onto `displaced`
   * (and returns it) the physical pieces that were mapped there before, whose references the
   * caller gives up. Runs on every write: extents are trimmed in place, positions live in two
   * fields, and nothing is allocated but the new extent and the displaced pieces.
   */
  set(lblk: number, count: number, pblk: number, kind: ExtentKind | 'hole', displaced: Array<{ pblk: number; count: number }> = []): Array<{ pblk: number; count: number }> {
    assert(count > 0, 'extent map set of zero blocks');
    const end = lblk + count;
    this.flat = null;
    // 1. No extent may straddle lblk: split the one before it if it reaches past lblk.
    this.locate(lblk);
    let li = this.pl;
    let i = this.pi;
    const prev = this.prevOf(li, i);
    if (prev !== undefined && prev.lblk === lblk) {
      // It starts at lblk: step 2 takes it from its own position.
      if (i > 0) i--;
      else [li, i] = [li - 1, this.leaves[li - 1]!.length - 1];
    } else if (prev !== undefined && prev.lblk + prev.count > lblk) {
      const cut = lblk - prev.lblk;
      const right: FileExtent = { lblk, count: prev.count - cut, pblk: prev.pblk + cut, kind: prev.kind };
      prev.count = cut;
      this.nblocks -= right.count; // insert() adds it back
      if (i === 0 && li > 0) [li, i] = [li - 1, this.leaves[li - 1]!.length]; // after prev, in its leaf
      this.insert(li, i, right);
      li = this.pl;
      i = this.pi;
    }
    // 2. Extents starting in [lblk, end): removed, or trimmed at the front if they run past end.
    for (;;) {
      const leaf = this.leaves[li];
      if (leaf !== undefined && i === leaf.length && li + 1 < this.leaves.length) {
        li++;
        i = 0;
        continue;
      }
      const e = leaf?.[i];
      if (e === undefined || e.lblk >= end) break;
      if (e.lblk + e.count > end) {
        const d = end - e.lblk;
        displaced.push({ pblk: e.pblk, count: d });
        e.lblk = end;
        e.pblk += d;
        e.count -= d;
        this.nblocks -= d;
        break;
      }
      displaced.push({ pblk: e.pblk, count: e.count });
      this.nblocks -= e.count;
      this.n--;
      removeAt(leaf!, i);
      if (leaf!.length === 0) removeAt(this.leaves, li); // (li, 0) now names the next leaf's first
    }
    // 3. The new extent, merged with its neighbours. A hole needs no merge: the gap it leaves
    // keeps its neighbours apart, and they were not mergeable before.
    if (kind === 'hole') return displaced;
    // Appending to the leaf before a leaf boundary keeps leaves full on sequential writes.
    if (i === 0 && li > 0) [li, i] = [li - 1, this.leaves[li - 1]!.length];
    this.insert(li, i, { lblk, count, pblk, kind });
    this.mergeNext(this.pl, this.pi);
    const pli = this.pi > 0 ? this.pl : this.pl - 1;
    if (pli >= 0) this.mergeNext(pli, this.pi > 0 ? this.pi - 1 : this.leaves[pli]!.length - 1);
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

  /** Result of locate() and insert(): a position (leaf, index). Fields, not tuples: hot path. */
  private pl = 0;
  private pi = 0;

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

  /**
   * Sets (pl, pi) to the first extent whose lblk > x; pi may equal the leaf's length only for
   * the last leaf (then nothing is after x).
   */
  private locate(x: number): void {
    const L = this.leaves;
    // Last leaf whose first lblk <= x.
    let lo = 0;
    let hi = L.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (L[mid]![0]!.lblk <= x) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) {
      this.pl = 0;
      this.pi = 0;
      return;
    }
    const li = lo - 1;
    const leaf = L[li]!;
    let a = 0;
    let b = leaf.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (leaf[mid]!.lblk <= x) a = mid + 1;
      else b = mid;
    }
    if (a === leaf.length && li + 1 < L.length) {
      this.pl = li + 1;
      this.pi = 0;
    } else {
      this.pl = li;
      this.pi = a;
    }
  }

  /** The extent just before position (li, i), if any. */
  private prevOf(li: number, i: number): FileExtent | undefined {
    if (i > 0) return this.leaves[li]![i - 1];
    const leaf = this.leaves[li - 1];
    return leaf?.[leaf.length - 1];
  }

  /** Inserts `e` at (li, i), splitting an overfull leaf; sets (pl, pi) to where e landed. */
  private insert(li: number, i: number, e: FileExtent): void {
    if (this.leaves.length === 0) this.leaves.push([]);
    const leaf = this.leaves[li]!;
    // In place (a leaf is short): splice would allocate the array of removed elements.
    for (let k = leaf.length; k > i; k--) leaf[k] = leaf[k - 1]!;
    leaf[i] = e;
    this.n++;
    this.nblocks += e.count;
    if (leaf.length <= LEAF_MAX) {
      this.pl = li;
      this.pi = i;
      return;
    }
    const half = leaf.length >>> 1;
    this.leaves.splice(li + 1, 0, leaf.splice(half));
    if (i < half) {
      this.pl = li;
      this.pi = i;
    } else {
      this.pl = li + 1;
      this.pi = i - half;
    }
  }

  /** Merges the extent at (li, i) with its successor when they are contiguous. */
  private mergeNext(li: number, i: number): void {
    const leaf = this.leaves[li]!;
    const e = leaf[i]!;
    let nl = li;
    let ni = i + 1;
    if (ni === leaf.length) {
      nl = li + 1;
      ni = 0;
    }
    const nleaf = this.leaves[nl];
    const next = nleaf?.[ni];
    if (next === undefined || !mergeable(e, next)) return;
    e.count += next.count;
    removeAt(nleaf!, ni);
    this.n--;
    if (nleaf!.length === 0) removeAt(this.leaves, nl);
  }
}

/** Array.splice(i, 1) without the array of removed elements it allocates. */
function removeAt<T>(a: T[], i: number): void {
  for (let k = i; k + 1 < a.length; k++) a[k] = a[k + 1]!;
  a.length--;
}

const LEAF_MAX = 64;

function mergeable(p: FileExtent, e: FileExtent): boolean {
  return p.kind === e.kind && p.lblk + p.count === e.lblk && p.pblk + p.count === e.pblk;
}
