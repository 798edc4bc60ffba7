/**
 * RangeList (candidate line ranges of the write-pending queue): coalescing appends, trimming
 * the tail after a flush or persist, normalising, and the queue's dirty list staying bounded.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../src/index.js';
import { ChunkedMemory } from '../../src/pmem/memory.js';
import { RangeList } from '../../src/pmem/range-list.js';
import { WritePendingQueue } from '../../src/pmem/write-pending-queue.js';

const of = (...pairs: number[]): RangeList => {
  const r = new RangeList();
  for (let i = 0; i < pairs.length; i += 2) r.add(pairs[i]!, pairs[i + 1]!);
  return r;
};

const held = (r: RangeList): number[] => Array.from({ length: r.count }, (_, i) => [r.start(i), r.end(i)]).flat();

describe('RangeList', () => {
  it('coalesces an append that touches the last range; keeps others apart', () => {
    const r = of(0, 4, 4, 8, 2, 10, 20, 30);
    expect(held(r)).toEqual([0, 10, 20, 30]);
    r.add(5, 5); // empty: ignored
    expect(r.count).toBe(2);
  });

  it('sortedMerged normalises unsorted, overlapping ranges', () => {
    expect(of(20, 30, 0, 5, 25, 40, 3, 8).sortedMerged()).toEqual([0, 8, 20, 40]);
  });

  it('mayOverlap is false only outside the bounding box of what was added', () => {
    const r = of(10, 20, 40, 50);
    expect(r.mayOverlap(0, 10)).toBe(false);
    expect(r.mayOverlap(50, 60)).toBe(false);
    expect(r.mayOverlap(25, 30)).toBe(true); // conservative: inside the box
    expect(r.mayOverlap(25, 30, 2)).toBe(false); // scanning up to 2 ranges: exact
    expect(r.mayOverlap(25, 41, 2)).toBe(true);
    expect(r.mayOverlap(25, 30, 1)).toBe(true); // more ranges than it may scan: conservative
    r.clear();
    expect(r.mayOverlap(0, 100)).toBe(false);
  });

  it.each([
    ['covers the last range: dropped, and the one before if covered too', [0, 4, 10, 20], [0, 20], []],
    ['covers the last range only', [0, 4, 10, 20], [8, 20], [0, 4]],
    ['cuts the end of the last range', [10, 20], [15, 30], [10, 15]],
    ['cuts the start of the last range', [10, 20], [0, 15], [15, 20]],
    ['strictly inside the last range: left as a candidate', [10, 20], [12, 14], [10, 20]],
    ['disjoint from the last range: nothing', [0, 4, 10, 20], [0, 4], [0, 4, 10, 20]],
  ])('trimTail: %s', (_name, pairs, [s, e], want) => {
    const r = of(...pairs);
    r.trimTail(s!, e!);
    expect(held(r)).toEqual(want);
  });

  it('retain keeps exactly the points that pass, as merged ranges', () => {
    const r = of(10, 20, 0, 5);
    r.retain((p) => p % 10 < 3);
    expect(held(r)).toEqual([0, 3, 10, 13]);
  });
});

describe('the dirty candidate list of the write-pending queue', () => {
  it('stays bounded over scattered stores flushed out of order, and pending() stays exact', () => {
    const size = 1 << 20;
    const cache = ChunkedMemory.allocate(size, null);
    const q = new WritePendingQueue(size, cache);
    const r = prng(5);
    const lines = size / 64;
    let max = 0;
    let left = -1; // a range left dirty by the previous round
    for (let i = 0; i < 5000; i++) {
      const a = r.int(lines - 4);
      const b = r.int(lines - 4);
      q.stored(a, a + 2);
      q.stored(b, b + 3);
      q.flushed(a, a + 2, null); // not the last range stored: left as a stale candidate
      if (left >= 0) q.flushed(left, left + 3, null);
      left = -1;
      if (i % 7 === 0) left = b; // stays dirty until the next round
      else q.flushed(b, b + 3, null);
      q.drain(() => {});
      max = Math.max(max, q.dirtyRanges);
    }
    expect(max).toBeLessThanOrEqual(64 + 1);
    // pending(): exactly the lines still dirty
    expect(q.pending()).toEqual(left < 0 ? [] : [left, left + 1, left + 2]);
  });
});
