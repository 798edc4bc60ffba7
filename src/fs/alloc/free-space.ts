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
  /** cntbt: (length, start) pairs sorted by length then start. */
  private bySize: number[][] = [];
  private total = 0;

  get freeBlocks(): number {
    return this.total;
  }

  get extentCount(): number {
    return this.starts.length;
  }

  get largest(): number {
    const last = this.bySize[this.bySize.length - 1];
    return last === undefined ? 0 : last[0]!;
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
    const j = lowerBoundSize(this.bySize, count, -1);
    const pick = this.bySize[j < this.bySize.length ? j : this.bySize.length - 1]!;
    const n = Math.min(count, pick[0]!);
    const pblk = pick[1]!;
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
    const e = s + this.lens[i]!;
    this.removeAt(i);
    if (s < pblk) this.insert(s, pblk - s);
    if (pblk + n < e) this.insert(pblk + n, e - pblk - n);
    this.total -= n;
  }

  private insert(start: number, len: number): void {
    const i = upperBound(this.starts, start);
    this.starts.splice(i, 0, start);
    this.lens.splice(i, 0, len);
    const j = lowerBoundSize(this.bySize, len, start);
    this.bySize.splice(j, 0, [len, start]);
  }

  private removeAt(i: number): void {
    const start = this.starts[i]!;
    const len = this.lens[i]!;
    this.starts.splice(i, 1);
    this.lens.splice(i, 1);
    const j = lowerBoundSize(this.bySize, len, start);
    assert(this.bySize[j]?.[1] === start, 'size index out of step with block index');
    this.bySize.splice(j, 1);
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

/** First index whose (len, start) >= (len, start). */
function lowerBoundSize(a: number[][], len: number, start: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = a[mid]!;
    if (e[0]! < len || (e[0] === len && e[1]! < start)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
