/**
 * RangeSet: a set of byte offsets as sorted, disjoint, non-adjacent half-open [start, end)
 * pairs. The model uses it for the bytes of a file whose contents are uncertain after a crash
 * (stored through a DAX mapping, not yet persisted), and moves it along with the data when a
 * file's contents shift (collapse, insert) or are copied (reflink, clone).
 *
 * Interface (pure functions, inputs never mutated): addRange, removeRange, clipRanges,
 * collapseRanges, insertRanges, sliceRanges, overlaps, covered.
 * Invariant of every value: for consecutive pairs a, b: a[0] < a[1] < b[0] < b[1].
 */

export type Range = readonly [start: number, end: number];
export type RangeSet = readonly Range[];

/** Do [a0, a1) and [b0, b1) share a point? */
export function overlaps(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1 && a0 < a1 && b0 < b1;
}

/** The set plus [start, end). */
export function addRange(set: RangeSet, start: number, end: number): RangeSet {
  if (start >= end) return set;
  const out: Range[] = [];
  let s = start;
  let e = end;
  for (const r of set) {
    if (r[1] < s || r[0] > e) out.push(r);
    else {
      s = Math.min(s, r[0]);
      e = Math.max(e, r[1]);
    }
  }
  out.push([s, e]);
  return out.sort((a, b) => a[0] - b[0]);
}

/** The set minus [start, end). */
export function removeRange(set: RangeSet, start: number, end: number): RangeSet {
  if (start >= end) return set;
  const out: Range[] = [];
  for (const r of set) {
    if (!overlaps(r[0], r[1], start, end)) {
      out.push(r);
      continue;
    }
    if (r[0] < start) out.push([r[0], start]);
    if (r[1] > end) out.push([end, r[1]]);
  }
  return out;
}

/** Only the offsets below `end` (a file shrunk to `end` bytes). */
export function clipRanges(set: RangeSet, end: number): RangeSet {
  return removeRange(set, end, Infinity);
}

/** [offset, offset+length) removed and everything above it moved down by `length`. */
export function collapseRanges(set: RangeSet, offset: number, length: number): RangeSet {
  let out: RangeSet = [];
  for (const r of removeRange(set, offset, offset + length)) {
    out = r[0] >= offset ? addRange(out, r[0] - length, r[1] - length) : addRange(out, r[0], r[1]);
  }
  return out;
}

/** `length` certain bytes inserted at `offset`; everything at or above it moves up. */
export function insertRanges(set: RangeSet, offset: number, length: number): RangeSet {
  const out: Range[] = [];
  for (const r of set) {
    if (r[1] <= offset) out.push(r);
    else if (r[0] >= offset) out.push([r[0] + length, r[1] + length]);
    else out.push([r[0], offset], [offset + length, r[1] + length]);
  }
  return out;
}

/** The part of the set inside [offset, offset+length), moved so that `offset` lands on `to`. */
export function sliceRanges(set: RangeSet, offset: number, length: number, to: number): RangeSet {
  const out: Range[] = [];
  for (const r of set) {
    const s = Math.max(r[0], offset);
    const e = Math.min(r[1], offset + length);
    if (s < e) out.push([s - offset + to, e - offset + to]);
  }
  return out;
}

/** Is `offset` in the set? */
export function covered(set: RangeSet, offset: number): boolean {
  return set.some((r) => r[0] <= offset && offset < r[1]);
}
