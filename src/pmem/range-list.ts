/**
 * RangeList: a list of half-open [start, end) integer ranges, cheap to append to.
 *
 * Used for the lines a thread has stored to (not yet durable) and the lines it has queued for
 * write-back (flushed, not yet fenced). Appends coalesce with the last range, so a sequential
 * write loop stays one range. Ranges may overlap; subtract() and forEachMerged() normalise.
 */

export class RangeList {
  private r: number[] = [];

  get empty(): boolean {
    return this.r.length === 0;
  }

  add(start: number, end: number): void {
    const n = this.r.length;
    if (n > 0) {
      const ls = this.r[n - 2]!;
      const le = this.r[n - 1]!;
      if (start <= le && end >= ls) {
        this.r[n - 2] = Math.min(ls, start);
        this.r[n - 1] = Math.max(le, end);
        return;
      }
    }
    this.r.push(start, end);
  }

  clear(): void {
    this.r.length = 0;
  }

  /** Sorted, merged, non-overlapping ranges. */
  merged(): number[] {
    const n = this.r.length / 2;
    if (n <= 1) return this.r.slice();
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

  forEachMerged(fn: (start: number, end: number) => void): void {
    const m = this.merged();
    for (let i = 0; i < m.length; i += 2) fn(m[i]!, m[i + 1]!);
  }

  /** Remove every point covered by `other` (both normalised first). */
  subtract(other: RangeList): void {
    if (this.empty || other.empty) return;
    const cut = other.merged();
    const out: number[] = [];
    const mine = this.merged();
    for (let i = 0; i < mine.length; i += 2) {
      let s = mine[i]!;
      const e = mine[i + 1]!;
      for (let j = 0; j < cut.length && s < e; j += 2) {
        const cs = cut[j]!;
        const ce = cut[j + 1]!;
        if (ce <= s || cs >= e) continue;
        if (cs > s) out.push(s, cs);
        s = Math.max(s, ce);
      }
      if (s < e) out.push(s, e);
    }
    this.r = out;
  }
}
