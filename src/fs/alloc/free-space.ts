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
 * Representation: each index is parallel Float64Arrays of `n` used slots (no object or pair
 * array per extent), grown by doubling. An allocation usually trims one extent at its front:
 * that is an in-place edit of the block index and a short move in the size index. Inserting and
 * removing slots is copyWithin (a memmove that allocates nothing; Array.splice allocated the
 * array of what it removed, and this runs on every write).
 */
import { assert, fail } from '../../errno/index.js';

export interface Extent {
  pblk: number;
  count: number;
}

export class FreeSpace {
  /** bnobt: starts and lengths sorted by start, slots [0, n). */
  private starts = new Float64Array(INITIAL);
  private lens = new Float64Array(INITIAL);
  /** cntbt: (sizeLen[k], sizeStart[k]) sorted by length then start, slots [0, n). */
  private sizeLen = new Float64Array(INITIAL);
  private sizeStart = new Float64Array(INITIAL);
  private n = 0;
  private total = 0;

  get freeBlocks(): number {
    return this.total;
  }

  get extentCount(): number {
    return this.n;
  }

  get largest(): number {
    return this.n === 0 ? 0 : this.sizeLen[this.n - 1]!;
  }

  extents(): Extent[] {
    const out: Extent[] = [];
    for (let i = 0; i < this.n; i++) out.push({ pblk: this.starts[i]!, count: this.lens[i]! });
    return out;
  }

  alloc(count: number, goal = -1): Extent | null {
    assert(count > 0, 'alloc of zero blocks');
    if (this.n === 0) return null;
    if (goal >= 0) {
      const i = this.findContaining(goal);
      if (i >= 0) {
        const end = this.starts[i]! + this.lens[i]!;
        const n = Math.min(count, end - goal);
        this.takeAt(i, goal, n);
        return { pblk: goal, count: n };
      }
    }
    const j = Math.min(this.lowerBoundSize(count, -1), this.n - 1);
    const n = Math.min(count, this.sizeLen[j]!);
    const pblk = this.sizeStart[j]!;
    this.take(pblk, n);
    return { pblk, count: n };
  }

  free(pblk: number, count: number): void {
    if (count === 0) return;
    let i = upperBound(this.starts, this.n, pblk); // first extent starting after pblk
    const prev = i - 1;
    // Messages built only on failure: this runs on every write, and a template literal is not free.
    if (prev >= 0 && this.starts[prev]! + this.lens[prev]! > pblk) fail(`double free of block ${pblk}`);
    if (i < this.n && pblk + count > this.starts[i]!) fail(`double free of blocks ${pblk}+${count}`);
    let start = pblk;
    let len = count;
    if (prev >= 0 && this.starts[prev]! + this.lens[prev]! === pblk) {
      start = this.starts[prev]!;
      len += this.lens[prev]!;
      this.removeAt(prev);
      i = prev;
    }
    if (i < this.n && this.starts[i] === pblk + count) {
      len += this.lens[i]!;
      this.removeAt(i);
    }
    this.insert(start, len);
    this.total += count;
  }

  claim(pblk: number, count: number): void {
    // One search: isFree() and take() would each look the extent up (mount claims every run).
    const i = this.findContaining(pblk);
    if (i < 0 || pblk + count > this.starts[i]! + this.lens[i]!) fail(`claim of blocks ${pblk}+${count} that are not free`);
    this.takeAt(i, pblk, count);
  }

  isFree(pblk: number, count: number): boolean {
    const i = this.findContaining(pblk);
    return i >= 0 && pblk + count <= this.starts[i]! + this.lens[i]!;
  }

  /** Free blocks overlapping [pblk, pblk+count), as extents (for fsck). */
  freeWithin(pblk: number, count: number): Extent[] {
    const out: Extent[] = [];
    let i = Math.max(0, upperBound(this.starts, this.n, pblk) - 1);
    for (; i < this.n && this.starts[i]! < pblk + count; i++) {
      const s = Math.max(pblk, this.starts[i]!);
      const e = Math.min(pblk + count, this.starts[i]! + this.lens[i]!);
      if (e > s) out.push({ pblk: s, count: e - s });
    }
    return out;
  }

  // --- internals ---------------------------------------------------------------------------

  private findContaining(pblk: number): number {
    const i = upperBound(this.starts, this.n, pblk) - 1;
    return i >= 0 && pblk < this.starts[i]! + this.lens[i]! ? i : -1;
  }

  /** Removes [pblk, pblk+n) from the free extent containing it. */
  private take(pblk: number, n: number): void {
    this.takeAt(this.findContaining(pblk), pblk, n);
  }

  /** take() when the caller already found the extent: index i. */
  private takeAt(i: number, pblk: number, n: number): void {
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
    if (this.n === this.starts.length) this.grow();
    const i = upperBound(this.starts, this.n, start);
    const j = this.lowerBoundSize(len, start);
    const n = this.n++;
    move(this.starts, i + 1, i, n);
    move(this.lens, i + 1, i, n);
    this.starts[i] = start;
    this.lens[i] = len;
    move(this.sizeLen, j + 1, j, n);
    move(this.sizeStart, j + 1, j, n);
    this.sizeLen[j] = len;
    this.sizeStart[j] = start;
  }

  private removeAt(i: number): void {
    const start = this.starts[i]!;
    const len = this.lens[i]!;
    const j = this.lowerBoundSize(len, start);
    assert(this.sizeStart[j] === start && this.sizeLen[j] === len, 'size index out of step with block index');
    const n = this.n--;
    move(this.starts, i, i + 1, n);
    move(this.lens, i, i + 1, n);
    move(this.sizeLen, j, j + 1, n);
    move(this.sizeStart, j, j + 1, n);
  }

  private grow(): void {
    const more = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.starts = more(this.starts);
    this.lens = more(this.lens);
    this.sizeLen = more(this.sizeLen);
    this.sizeStart = more(this.sizeStart);
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
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (L[mid]! < len || (L[mid] === len && S[mid]! < start)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * a.copyWithin(to, from, end), with short moves in a loop: copyWithin is a runtime call, about
 * 33 ns for three slots against 9 for the loop (measured), and the usual free-space index is short.
 */
function move(a: Float64Array, to: number, from: number, end: number): void {
  const n = end - from;
  if (n > 16) a.copyWithin(to, from, end);
  else if (to > from) for (let k = n - 1; k >= 0; k--) a[to + k] = a[from + k]!;
  else for (let k = 0; k < n; k++) a[to + k] = a[from + k]!;
}

/** Initial slots per index (doubled as needed). */
const INITIAL = 16;

/** First index in [0, n) with a[i] > x. */
function upperBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
