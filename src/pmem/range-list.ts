/**
 * RangeList: a list of half-open [start, end) integer ranges, cheap to append to.
 *
 * Used for candidate lines: the lines a thread may have stored to (not yet durable) and the
 * lines it has queued for write-back (flushed, not yet fenced). Appends coalesce with the last
 * range, so a sequential write loop stays one range. Ranges may overlap and are not sorted;
 * sortedMerged() normalises a copy.
 *
 * Nothing on the hot path allocates: add(), trimTail(), clear() and mayOverlap()
 * work in place on one number array that keeps its capacity across clear(); start(i)/end(i)
 * read it for loops that must not allocate a callback.
 */

export class RangeList {
  /** Pairs: r[2i] = start, r[2i+1] = end, for 2i < n. Never shrunk: clear() only resets n. */
  private r: number[] = [];
  private n = 0;
  /** Bounding box of every range added since the list was last empty (conservative). */
  private lo = Infinity;
  private hi = -Infinity;

  get empty(): boolean {
    return this.n === 0;
  }

  /** Number of ranges held (before normalisation). */
  get count(): number {
    return this.n >> 1;
  }

  /** Start of range i (0 <= i < count), as held: unsorted. */
  start(i: number): number {
    return this.r[2 * i]!;
  }

  end(i: number): number {
    return this.r[2 * i + 1]!;
  }

  add(start: number, end: number): void {
    if (start >= end) return;
    if (start < this.lo) this.lo = start;
    if (end > this.hi) this.hi = end;
    const n = this.n;
    if (n > 0) {
      const ls = this.r[n - 2]!;
      const le = this.r[n - 1]!;
      if (start <= le && end >= ls) {
        if (start < ls) this.r[n - 2] = start;
        if (end > le) this.r[n - 1] = end;
        return;
      }
    }
    this.r[n] = start;
    this.r[n + 1] = end;
    this.n = n + 2;
  }

  clear(): void {
    this.n = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
  }

  /**
   * False only if no range intersects [start, end). O(1) when the bounding box rules it out;
   * else the ranges are checked if there are at most `scan` of them (else: true, conservatively).
   */
  mayOverlap(start: number, end: number, scan = 0): boolean {
    if (start >= this.hi || end <= this.lo) return false;
    if (this.n > 2 * scan) return true;
    for (let i = 0; i < this.n; i += 2) if (start < this.r[i + 1]! && end > this.r[i]!) return true;
    return false;
  }

  /**
   * Removes [start, end) from the ranges at the end of the list, as long as they lie inside it
   * (trimming the last one it only partly covers). O(ranges removed): for "store, then flush
   * or persist the same range", where the store's range is the last one. Older ranges are left
   * alone: the list holds candidates, and its owner filters them.
   */
  trimTail(start: number, end: number): void {
    for (;;) {
      const n = this.n;
      if (n === 0) return this.clear();
      const ls = this.r[n - 2]!;
      const le = this.r[n - 1]!;
      if (le <= start || ls >= end) return; // disjoint: stop
      if (ls >= start && le <= end) {
        this.n = n - 2; // covered: drop it, look at the one before
        continue;
      }
      if (ls < start && le > end) return; // the cut is strictly inside: leave it (a candidate)
      if (ls < start) this.r[n - 1] = start;
      else this.r[n - 2] = end;
      return;
    }
  }

  /** Sorted, merged, non-overlapping ranges, as a new pairs array. Not for hot paths. */
  sortedMerged(): number[] {
    const n = this.n >> 1;
    let sorted = true; // already sorted and disjoint (the usual case): just copy
    for (let i = 2; i < this.n && sorted; i += 2) sorted = this.r[i]! > this.r[i - 1]!;
    if (sorted) return this.r.slice(0, this.n);
    const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.r[2 * a]! - this.r[2 * b]!);
    const out: number[] = [];
    for (const i of idx) {
      const s = this.r[2 * i]!;
      const e = this.r[2 * i + 1]!;
      const m = out.length;
      if (m > 0 && s <= out[m - 1]!) out[m - 1] = Math.max(out[m - 1]!, e);
      else out.push(s, e);
    }
    return out;
  }

  /** Keeps only the points for which keep(point) holds (normalising the list). O(points held). */
  retain(keep: (point: number) => boolean): void {
    const m = this.sortedMerged();
    this.clear();
    for (let i = 0; i < m.length; i += 2) {
      let run = -1;
      for (let p = m[i]!; p < m[i + 1]!; p++) {
        if (keep(p)) {
          if (run < 0) run = p;
        } else if (run >= 0) {
          this.add(run, p);
          run = -1;
        }
      }
      if (run >= 0) this.add(run, m[i + 1]!);
    }
  }
}
