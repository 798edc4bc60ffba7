import { describe, expect, it } from 'vitest';
import { prng } from '../../src/index.js';
import { FreeSpace } from '../../src/fs/alloc/free-space.js';

const N = 2000;

/** Free extents of a bitmap, ascending. */
function runs(free: boolean[]): Array<{ pblk: number; count: number }> {
  const out: Array<{ pblk: number; count: number }> = [];
  for (let b = 0; b < free.length; b++) {
    if (!free[b]) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.pblk + last.count === b) last.count++;
    else out.push({ pblk: b, count: 1 });
  }
  return out;
}

describe('FreeSpace', () => {
  it('agrees with a bitmap: goal first, else best fit by size then start, else the largest', () => {
    for (const seed of [7, 8, 9]) {
      const r = prng(seed);
      const fs = new FreeSpace();
      const free = new Array<boolean>(N).fill(true);
      fs.free(0, N);
      const held: Array<{ pblk: number; count: number }> = [];
      for (let step = 0; step < 4000; step++) {
        if (held.length > 0 && r.int(5) < 2) {
          const [h] = held.splice(r.int(held.length), 1);
          fs.free(h!.pblk, h!.count);
          for (let b = h!.pblk; b < h!.pblk + h!.count; b++) free[b] = true;
        } else if (fs.freeBlocks > 0) {
          const count = 1 + r.int(r.int(4) === 0 ? 64 : 4);
          const goal = r.int(3) === 0 ? r.int(N) : -1;
          const ex = runs(free);
          let want: { pblk: number; count: number };
          const atGoal = goal >= 0 && free[goal] === true ? ex.find((e) => goal >= e.pblk && goal < e.pblk + e.count) : undefined;
          if (atGoal !== undefined) want = { pblk: goal, count: Math.min(count, atGoal.pblk + atGoal.count - goal) };
          else {
            const fits = ex.filter((e) => e.count >= count).sort((a, b) => a.count - b.count || a.pblk - b.pblk);
            const largest = [...ex].sort((a, b) => b.count - a.count || b.pblk - a.pblk)[0]!;
            const pick = fits[0] ?? largest;
            want = { pblk: pick.pblk, count: Math.min(count, pick.count) };
          }
          const got = fs.alloc(count, goal);
          expect(got, `seed ${seed} step ${step}`).toEqual(want);
          for (let b = got!.pblk; b < got!.pblk + got!.count; b++) free[b] = false;
          held.push(got!);
        }
        if (step % 100 === 0) {
          expect(fs.extents()).toEqual(runs(free));
          expect(fs.freeBlocks).toBe(free.filter(Boolean).length);
          expect(fs.largest).toBe(Math.max(0, ...runs(free).map((e) => e.count)));
        }
      }
    }
  });
});
