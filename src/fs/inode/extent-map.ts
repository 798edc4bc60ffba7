/**
 * ExtentMap: a file's logical-block -> physical-block map (as XFS's bmap), in memory.
 *
 * Interface:
 *   lookup(lblk, maxCount) -> Mapping: the piece starting at lblk, at most maxCount blocks:
 *                             { kind: 'hole' } | { kind: 'mapped' | 'unwritten', pblk }
 *   set(lblk, count, pblk, kind) -> the displaced pieces that owned blocks (for unref)
 *   shift(fromLblk, delta)  moves every extent at or after fromLblk by delta blocks
 *   extents(), count, endBlock
 * Invariants: extents are sorted by lblk, never overlap, have count >= 1; neighbours that are
 * logically and physically contiguous and of the same kind are merged.
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
  private ex: FileExtent[] = [];

  get count(): number {
    return this.ex.length;
  }

  /** One past the last mapped logical block (0 when empty). */
  get endBlock(): number {
    const last = this.ex[this.ex.length - 1];
    return last === undefined ? 0 : last.lblk + last.count;
  }

  extents(): readonly FileExtent[] {
    return this.ex;
  }

  /** The physical block right after the extent ending at lblk, if any: the allocation goal. */
  goalFor(lblk: number): number {
    const i = this.indexAfter(lblk) - 1;
    const e = this.ex[i];
    if (e === undefined) return -1;
    return e.pblk + Math.min(e.count, lblk - e.lblk);
  }

  lookup(lblk: number, maxCount: number): Mapping {
    const i = this.indexAfter(lblk) - 1;
    const e = this.ex[i];
    if (e !== undefined && lblk < e.lblk + e.count) {
      const count = Math.min(maxCount, e.lblk + e.count - lblk);
      return { kind: e.kind, lblk, count, pblk: e.pblk + (lblk - e.lblk) };
    }
    const next = this.ex[i + 1];
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
    let i = this.indexAfter(lblk) - 1;
    if (i < 0 || this.ex[i]!.lblk + this.ex[i]!.count <= lblk) i++;
    const keep: FileExtent[] = [];
    let j = i;
    for (; j < this.ex.length && this.ex[j]!.lblk < end; j++) {
      const e = this.ex[j]!;
      const s = Math.max(e.lblk, lblk);
      const t = Math.min(e.lblk + e.count, end);
      displaced.push({ pblk: e.pblk + (s - e.lblk), count: t - s });
      if (e.lblk < lblk) keep.push({ lblk: e.lblk, count: lblk - e.lblk, pblk: e.pblk, kind: e.kind });
      if (e.lblk + e.count > end) keep.push({ lblk: end, count: e.lblk + e.count - end, pblk: e.pblk + (end - e.lblk), kind: e.kind });
    }
    const fresh: FileExtent[] = [];
    if (keep[0] !== undefined && keep[0].lblk < lblk) fresh.push(keep.shift()!);
    if (kind !== 'hole') fresh.push({ lblk, count, pblk, kind });
    fresh.push(...keep);
    this.ex.splice(i, j - i, ...fresh);
    this.mergeAround(i, i + fresh.length);
    return displaced;
  }

  /** Moves every extent starting at or after fromLblk by delta (collapse < 0, insert > 0). */
  shift(fromLblk: number, delta: number): void {
    for (const e of this.ex) if (e.lblk >= fromLblk) e.lblk += delta;
    this.mergeAround(0, this.ex.length);
  }

  clone(): ExtentMap {
    const m = new ExtentMap();
    m.ex = this.ex.map((e) => ({ ...e }));
    return m;
  }

  /** First index whose lblk > x. */
  private indexAfter(x: number): number {
    let lo = 0;
    let hi = this.ex.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ex[mid]!.lblk <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private mergeAround(from: number, to: number): void {
    const a = Math.max(0, from - 1);
    const b = Math.min(this.ex.length - 1, to);
    for (let k = b; k > a; k--) {
      const p = this.ex[k - 1]!;
      const e = this.ex[k]!;
      if (p.kind === e.kind && p.lblk + p.count === e.lblk && p.pblk + p.count === e.pblk) {
        p.count += e.count;
        this.ex.splice(k, 1);
      }
    }
  }
}
