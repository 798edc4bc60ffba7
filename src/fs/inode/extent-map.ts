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
 * has tens of thousands of extents; in one flat array every set() paid an O(n) splice. Now set()
 * touches one leaf plus a binary search over the leaves' first blocks, and a set() of exactly
 * one extent's range (the steady state of random overwrites) rewrites that extent in place.
 * A leaf is one plain number array of (lblk, count, pblk, kind) quadruples, which V8 stores
 * unboxed and contiguous; the leaves' first lblks are a number array of their own. A search is
 * then two binary searches over flat numbers: with an object per extent it chased three or four
 * pointers per probe, and after the data copies of a write had evicted them, each was a cache
 * miss (a measurable part of a 4 KiB random overwrite). extents() makes FileExtent objects on
 * demand and caches them until the next change.
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

/** A leaf's stride and the offsets of the fields in each quadruple. */
const S = 4;
const L = 0;
const C = 1;
const P = 2;
const K = 3;
const KINDS: readonly ExtentKind[] = ['mapped', 'unwritten'];
const LEAF_MAX = 64;

/**
 * True when the extent at leaf[b..] ends, logically and physically, exactly where an extent of
 * kind k starting at (lblk, pblk) begins: the two are one extent (the map's merge rule).
 */
function endsAt(leaf: readonly number[], b: number, lblk: number, pblk: number, k: number): boolean {
  const c = leaf[b + C]!;
  return leaf[b + K] === k && leaf[b + L]! + c === lblk && leaf[b + P]! + c === pblk;
}

export class ExtentMap {
  /** Consecutive runs of the sorted extents, S numbers per extent; no leaf is empty. */
  private leaves: number[][] = [];
  /** firsts[k] is the lblk of leaves[k]'s first extent. */
  private firsts: number[] = [];
  private n = 0;
  private nblocks = 0;
  /** extents() as one array, until the next change. */
  private flat: FileExtent[] | null = null;
  /** Results of locate(), insertAt() and prevPos(): positions (leaf, index). Fields: hot path. */
  private pl = 0;
  private pi = 0;
  private ql = -1;
  private qi = 0;
  /**
   * The last locate(): its argument, and the map's version then. A write asks goalFor(lblk)
   * while it builds and set(lblk) when it applies, with nothing changed in between: the second
   * search reuses the first.
   */
  private lx = NaN;
  private lversion = -1;
  /** Bumped by every change (set, rebuild): positions found before are stale after it. */
  private version = 0;

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
    if (leaf === undefined) return 0;
    const b = leaf.length - S;
    return leaf[b + L]! + leaf[b + C]!;
  }

  extents(): readonly FileExtent[] {
    if (this.flat !== null) return this.flat;
    const out: FileExtent[] = [];
    for (const leaf of this.leaves) {
      for (let b = 0; b < leaf.length; b += S) out.push({ lblk: leaf[b + L]!, count: leaf[b + C]!, pblk: leaf[b + P]!, kind: KINDS[leaf[b + K]!]! });
    }
    return (this.flat = out);
  }

  /** The physical block right after the extent ending at lblk, if any: the allocation goal. */
  goalFor(lblk: number): number {
    this.locate(lblk);
    this.prevPos(this.pl, this.pi);
    if (this.ql < 0) return -1;
    const leaf = this.leaves[this.ql]!;
    const b = this.qi * S;
    return leaf[b + P]! + Math.min(leaf[b + C]!, lblk - leaf[b + L]!);
  }

  lookup(lblk: number, maxCount: number): Mapping {
    this.locate(lblk);
    this.prevPos(this.pl, this.pi);
    if (this.ql >= 0) {
      const leaf = this.leaves[this.ql]!;
      const b = this.qi * S;
      const elb = leaf[b + L]!;
      const ec = leaf[b + C]!;
      if (lblk < elb + ec) return { kind: KINDS[leaf[b + K]!]!, lblk, count: Math.min(maxCount, elb + ec - lblk), pblk: leaf[b + P]! + (lblk - elb) };
    }
    const next = this.leaves[this.pl];
    const nb = this.pi * S;
    const count = next === undefined || nb >= next.length ? maxCount : Math.min(maxCount, next[nb + L]! - lblk);
    return { kind: 'hole', lblk, count };
  }

  /**
   * Maps [lblk, lblk+count) to pblk.. (or to a hole when kind is 'hole'). Pushes onto `displaced`
   * (and returns it) the physical pieces that were mapped there before, whose references the
   * caller gives up. Runs on every write: extents are trimmed in place, positions live in
   * fields, and nothing is allocated but the displaced pieces.
   */
  set(lblk: number, count: number, pblk: number, kind: ExtentKind | 'hole', displaced: Array<{ pblk: number; count: number }> = []): Array<{ pblk: number; count: number }> {
    assert(count > 0, 'extent map set of zero blocks');
    const end = lblk + count;
    this.flat = null;
    // 1. No extent may straddle lblk: split the one before it if it reaches past lblk.
    this.locate(lblk);
    let li = this.pl;
    let i = this.pi;
    this.prevPos(li, i);
    if (this.ql >= 0) {
      const pleaf = this.leaves[this.ql]!;
      const pb = this.qi * S;
      const plb = pleaf[pb + L]!;
      const pc = pleaf[pb + C]!;
      if (plb === lblk) {
        // It starts at lblk: step 2 takes it from its own position.
        li = this.ql;
        i = this.qi;
      } else if (plb + pc > lblk) {
        const cut = lblk - plb;
        pleaf[pb + C] = cut;
        this.nblocks -= pc - cut; // insertAt() adds it back
        this.insertAt(this.ql, this.qi + 1, lblk, pc - cut, pleaf[pb + P]! + cut, pleaf[pb + K]!);
        li = this.pl;
        i = this.pi;
      }
    }
    // 2. Extents starting in [lblk, end): removed, or trimmed at the front if they run past end.
    for (;;) {
      const leaf = this.leaves[li];
      if (leaf === undefined) break;
      const b = i * S;
      if (b === leaf.length) {
        if (li + 1 >= this.leaves.length) break;
        li++;
        i = 0;
        continue;
      }
      const elb = leaf[b + L]!;
      if (elb >= end) break;
      const ec = leaf[b + C]!;
      if (elb === lblk && ec === count && kind !== 'hole') return this.replaceAt(li, i, pblk, kind, displaced);
      if (elb + ec > end) {
        const d = end - elb;
        displaced.push({ pblk: leaf[b + P]!, count: d });
        leaf[b + L] = end;
        leaf[b + P] = leaf[b + P]! + d;
        leaf[b + C] = ec - d;
        if (i === 0) this.firsts[li] = end;
        this.nblocks -= d;
        break;
      }
      displaced.push({ pblk: leaf[b + P]!, count: ec });
      this.nblocks -= ec;
      this.removeAt(li, i); // (li, i) now names the next extent, in this leaf or the next
    }
    this.version++; // (from here on the map changes)
    // 3. The new extent, merged with its neighbours. A hole needs no merge: the gap it leaves
    // keeps its neighbours apart, and they were not mergeable before.
    if (kind === 'hole') return displaced;
    const k = kind === 'mapped' ? 0 : 1;
    // Appending to the leaf before a leaf boundary keeps leaves full on sequential writes.
    if (i === 0 && li > 0) {
      li--;
      i = this.leaves[li]!.length / S;
    }
    // Growing the extent before it (an append, a sequential write) needs no new extent.
    if (i > 0) {
      const leaf = this.leaves[li]!;
      const b = (i - 1) * S;
      if (endsAt(leaf, b, lblk, pblk, k)) {
        leaf[b + C] = leaf[b + C]! + count;
        this.nblocks += count;
        this.mergeNext(li, i - 1);
        return displaced;
      }
    }
    // (Nothing before it can merge with it now: that was the case just above.)
    this.insertAt(li, i, lblk, count, pblk, k);
    this.mergeNext(this.pl, this.pi);
    return displaced;
  }

  /**
   * set() of exactly the range of the extent at (li, i): a same-size overwrite, such as every
   * random 4 KiB overwrite of a fragmented copy-on-write file. The extent takes the new mapping
   * in place, where removing it and inserting the new one shifted the rest of its leaf down and
   * back up; then it merges with a neighbour if it has become contiguous with one.
   */
  private replaceAt(li: number, i: number, pblk: number, kind: ExtentKind, displaced: Array<{ pblk: number; count: number }>): Array<{ pblk: number; count: number }> {
    const leaf = this.leaves[li]!;
    const b = i * S;
    const lblk = leaf[b + L]!;
    const count = leaf[b + C]!;
    const k = kind === 'mapped' ? 0 : 1;
    displaced.push({ pblk: leaf[b + P]!, count });
    leaf[b + P] = pblk;
    leaf[b + K] = k;
    this.version++;
    this.prevPos(li, i);
    if (this.ql >= 0) {
      const ql = this.ql;
      const qi = this.qi;
      const pleaf = this.leaves[ql]!;
      const pb = qi * S;
      if (endsAt(pleaf, pb, lblk, pblk, k)) {
        pleaf[pb + C] = pleaf[pb + C]! + count;
        this.removeAt(li, i); // (an emptied leaf goes, after ql's: (ql, qi) still names the grown extent)
        this.mergeNext(ql, qi);
        return displaced;
      }
    }
    this.mergeNext(li, i);
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
      if (p !== undefined && p.kind === e.kind && p.lblk + p.count === e.lblk && p.pblk + p.count === e.pblk) p.count += e.count;
      else merged.push(e);
    }
    this.leaves = [];
    this.firsts = [];
    for (let k = 0; k < merged.length; k += LEAF_MAX / 2) {
      const leaf: number[] = [];
      for (const e of merged.slice(k, k + LEAF_MAX / 2)) leaf.push(e.lblk, e.count, e.pblk, e.kind === 'mapped' ? 0 : 1);
      this.leaves.push(leaf);
      this.firsts.push(leaf[L]!);
    }
    this.n = merged.length;
    this.nblocks = merged.reduce((s, e) => s + e.count, 0);
    this.flat = null;
    this.version++;
  }

  /**
   * Sets (pl, pi) to the first extent whose lblk > x; pi may equal the leaf's extent count only
   * for the last leaf (then nothing is after x).
   */
  private locate(x: number): void {
    if (x === this.lx && this.lversion === this.version) return; // (pl, pi) still hold the answer
    this.lx = x;
    this.lversion = this.version;
    const F = this.firsts;
    // Last leaf whose first lblk <= x.
    let lo = 0;
    let hi = F.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (F[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) {
      this.pl = 0;
      this.pi = 0;
      return;
    }
    const li = lo - 1;
    const leaf = this.leaves[li]!;
    const len = leaf.length / S;
    let a = 0;
    let b = len;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (leaf[mid * S + L]! <= x) a = mid + 1;
      else b = mid;
    }
    if (a === len && li + 1 < F.length) {
      this.pl = li + 1;
      this.pi = 0;
    } else {
      this.pl = li;
      this.pi = a;
    }
  }

  /** Sets (ql, qi) to the extent just before position (li, i), or ql = -1 if there is none. */
  private prevPos(li: number, i: number): void {
    if (i > 0) {
      this.ql = li;
      this.qi = i - 1;
      return;
    }
    const leaf = this.leaves[li - 1];
    if (leaf === undefined) {
      this.ql = -1;
      return;
    }
    this.ql = li - 1;
    this.qi = leaf.length / S - 1;
  }

  /** Inserts an extent at (li, i), splitting an overfull leaf; sets (pl, pi) to where it landed. */
  private insertAt(li: number, i: number, lblk: number, count: number, pblk: number, kind: number): void {
    if (this.leaves.length === 0) {
      this.leaves.push([]);
      this.firsts.push(lblk);
    }
    const leaf = this.leaves[li]!;
    const at = i * S;
    // Grow by pushing (a store past the end would make the array holey), then move up.
    leaf.push(0, 0, 0, 0);
    for (let x = leaf.length - 1 - S; x >= at; x--) leaf[x + S] = leaf[x]!;
    leaf[at + L] = lblk;
    leaf[at + C] = count;
    leaf[at + P] = pblk;
    leaf[at + K] = kind;
    if (i === 0) this.firsts[li] = lblk;
    this.n++;
    this.nblocks += count;
    if (leaf.length <= LEAF_MAX * S) {
      this.pl = li;
      this.pi = i;
      return;
    }
    const half = (leaf.length / S) >>> 1;
    const right = leaf.slice(half * S);
    leaf.length = half * S;
    this.leaves.splice(li + 1, 0, right);
    this.firsts.splice(li + 1, 0, right[L]!);
    if (i < half) {
      this.pl = li;
      this.pi = i;
    } else {
      this.pl = li + 1;
      this.pi = i - half;
    }
  }

  /** Removes the extent at (li, i) (blocks are the caller's to account); drops an empty leaf. */
  private removeAt(li: number, i: number): void {
    const leaf = this.leaves[li]!;
    for (let x = i * S; x + S < leaf.length; x++) leaf[x] = leaf[x + S]!;
    // Pops, not `length -= S`: setting length is a runtime call.
    leaf.pop();
    leaf.pop();
    leaf.pop();
    leaf.pop();
    this.n--;
    if (leaf.length === 0) {
      this.leaves.splice(li, 1);
      this.firsts.splice(li, 1);
    } else if (i === 0) {
      this.firsts[li] = leaf[L]!;
    }
  }

  /** Merges the extent at (li, i) with its successor when they are contiguous. */
  private mergeNext(li: number, i: number): void {
    const leaf = this.leaves[li]!;
    const b = i * S;
    let nl = li;
    let ni = i + 1;
    if (ni * S === leaf.length) {
      nl = li + 1;
      ni = 0;
    }
    const nleaf = this.leaves[nl];
    if (nleaf === undefined) return;
    const nb = ni * S;
    if (!endsAt(leaf, b, nleaf[nb + L]!, nleaf[nb + P]!, nleaf[nb + K]!)) return;
    leaf[b + C] = leaf[b + C]! + nleaf[nb + C]!;
    this.removeAt(nl, ni);
  }
}
