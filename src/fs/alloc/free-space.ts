/**
 * FreeSpace: the extent allocator's free-space index, by block number and by size
 * (as XFS's bnobt and cntbt).
 *
 * Interface:
 *   alloc(count, goal?) -> { pblk, count } | null   may return fewer blocks than asked; callers loop
 *   free(pblk, count)       merges with free neighbours
 *   claim(pblk, count)      removes a range known to be free (mount-time rebuild, replay)
 *   isFree(pblk, count), freeBlocks, extents(), largest
 * Policy: an extent starting exactly at `goal` (the block after the file's last one) first, so
 * files stay contiguous; else the smallest free extent that fits (best fit by size); else the
 * largest (the caller gets a shorter piece and asks again).
 * Invariant: free extents never overlap or touch (touching ones are merged); both indexes hold
 * the same extents.
 * Representation: each index is parallel number arrays (no object or pair array per extent).
 * An allocation usually trims one extent at its front: that is an in-place edit of the block
 * index and a short move in the size index, with no splice (every splice allocates the array of
 * what it removed, and this runs on every write).
 */
import { assert } from '../../errno/index.js';

export interface Extent {
  pblk: number;
  count: number;
}

export class FreeSpace {
  /** bnobt: starts and lengths sorted by start. */
  private starts: number[] = [];
  private lens: number[] = [];
  /** cntbt: (sizeLen[k], sizeStart[k]) sorted by length then start. */
  private sizeLen: number[] = [];
  private sizeStart: number[] = [];
  private total = 0;

  get freeBlocks(): number {
    return this.total;
  }

  get extentCount(): number {
    return this.starts.length;
  }

  get largest(): number {
    return this.sizeLen.length === 0 ? 0 : this.sizeLen[this.sizeLen.length - 1]!;
  }

  extents(): Extent[] {
    return this.starts.map((pblk, i) => ({ pblk, count: this.lens[i]! }));
  }

  alloc(count: number, goal = -1): Extent | null {
    assert(count > 0, 'alloc of zero blocks');
    if (this.starts.length === 0) return null;
    if (goal >= 0) {
      const i = this.findContaining(goal);
      if (i >= 0) {
        const end = this.starts[i]! + this.lens[i]!;
        const n = Math.min(count, end - goal);
        this.take(goal, n);
        return { pblk: goal, count: n };
      }
    }
    const j = Math.min(this.lowerBoundSize(count, -1), this.sizeLen.length - 1);
    const n = Math.min(count, this.sizeLen[j]!);
    const pblk = this.sizeStart[j]!;
    this.take(pblk, n);
    return { pblk, count: n };
  }

  free(pblk: number, count: number): void {
    if (count === 0) return;
    let i = upperBound(this.starts, pblk); // first extent starting after pblk
    const prev = i - 1;
    assert(prev < 0 || this.starts[prev]! + this.lens[prev]! <= pblk, `double free of block ${pblk}`);
    assert(i >= this.starts.length || pblk + count <= this.starts[i]!, `double free of blocks ${pblk}+${count}`);
    let start = pblk;
    let len = count;
    if (prev >= 0 && this.starts[prev]! + this.lens[prev]! === pblk) {
      start = this.starts[prev]!;
      len += this.lens[prev]!;
      this.removeAt(prev);
      i = prev;
    }
    if (i < this.starts.length && this.starts[i] === pblk + count) {
      len += this.lens[i]!;
      this.removeAt(i);
    }
    this.insert(start, len);
    this.total += count;
  }

  claim(pblk: number, count: number): void {
    assert(this.isFree(pblk, count), `claim of blocks ${pblk}+${count} that are not free`);
    this.take(pblk, count);
  }

  isFree(pblk: number, count: number): boolean {
    const i = this.findContaining(pblk);
    return i >= 0 && pblk + count <= this.starts[i]! + this.lens[i]!;
  }

  /** Free blocks overlapping [pblk, pblk+count), as extents (for fsck). */
  freeWithin(pblk: number, count: number): Extent[] {
    const out: Extent[] = [];
    let i = Math.max(0, upperBound(this.starts, pblk) - 1);
    for (; i < this.starts.length && this.starts[i]! < pblk + count; i++) {
      const s = Math.max(pblk, this.starts[i]!);
      const e = Math.min(pblk + count, this.starts[i]! + this.lens[i]!);
      if (e > s) out.push({ pblk: s, count: e - s });
    }
    return out;
  }

  // --- internals ---------------------------------------------------------------------------

  private findContaining(pblk: number): number {
    const i = upperBound(this.starts, pblk) - 1;
    return i >= 0 && pblk < this.starts[i]! + this.lens[i]! ? i : -1;
  }

  /** Removes [pblk, pblk+n) from the free extent containing it. */
  private take(pblk: number, n: number): void {
    const i = this.findContaining(pblk);
    assert(i >= 0 && pblk + n <= this.starts[i]! + this.lens[i]!, 'take of a range that is not free');
    const s = this.starts[i]!;
    const len = this.lens[i]!;
    const e = s + len;
    this.total -= n;
    if (s === pblk && pblk + n === e) return this.removeAt(i);
    if (s === pblk) {
      // The common case (best fit and goal allocation take from the front): edit in place.
      this.starts[i] = pblk + n;
      this.lens[i] = len - n;
      return this.resized(len, s, len - n, pblk + n);
    }
    this.lens[i] = pblk - s;
    this.resized(len, s, pblk - s, s);
    if (pblk + n < e) this.insert(pblk + n, e - pblk - n);
  }

  private insert(start: number, len: number): void {
    const i = upperBound(this.starts, start);
    this.starts.splice(i, 0, start);
    this.lens.splice(i, 0, len);
    const j = this.lowerBoundSize(len, start);
    this.sizeLen.splice(j, 0, len);
    this.sizeStart.splice(j, 0, start);
  }

  private removeAt(i: number): void {
    const start = this.starts[i]!;
    const len = this.lens[i]!;
    this.starts.splice(i, 1);
    this.lens.splice(i, 1);
    const j = this.lowerBoundSize(len, start);
    assert(this.sizeStart[j] === start && this.sizeLen[j] === len, 'size index out of step with block index');
    this.sizeLen.splice(j, 1);
    this.sizeStart.splice(j, 1);
  }

  /** The extent (oldLen, oldStart) of the size index is now (len, start): move it into place. */
  private resized(oldLen: number, oldStart: number, len: number, start: number): void {
    const L = this.sizeLen;
    const S = this.sizeStart;
    let j = this.lowerBoundSize(oldLen, oldStart);
    assert(S[j] === oldStart && L[j] === oldLen, 'size index out of step with block index');
    // Shrinking moves it towards the front, one slot at a time: it usually stays where it is
    // (the largest extent shrinking by a few blocks is still the largest).
    while (j > 0 && (L[j - 1]! > len || (L[j - 1] === len && S[j - 1]! > start))) {
      L[j] = L[j - 1]!;
      S[j] = S[j - 1]!;
      j--;
    }
    L[j] = len;
    S[j] = start;
  }

  /** First index whose (len, start) >= (len, start) in the size index. */
  private lowerBoundSize(len: number, start: number): number {
    const L = this.sizeLen;
    const S = this.sizeStart;
    let lo = 0;
    let hi = L.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (L[mid]! < len || (L[mid] === len && S[mid]! < start)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First index with starts[i] > x. */
function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
