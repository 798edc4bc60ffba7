import { describe, expect, it } from 'vitest';
import { prng } from '../../src/index.js';
import { ExtentMap, type ExtentKind } from '../../src/fs/inode/extent-map.js';

/** The model: one entry per logical block, undefined for a hole. */
type Cell = { pblk: number; kind: ExtentKind } | undefined;

function check(map: ExtentMap, model: Cell[]): void {
  const ex = map.extents();
  // Sorted, disjoint, non-empty, and merged wherever contiguous.
  for (let k = 0; k < ex.length; k++) {
    const e = ex[k]!;
    expect(e.count).toBeGreaterThan(0);
    const p = ex[k - 1];
    if (p === undefined) continue;
    expect(p.lblk + p.count).toBeLessThanOrEqual(e.lblk);
    const contiguous = p.kind === e.kind && p.lblk + p.count === e.lblk && p.pblk + p.count === e.pblk;
    expect(contiguous, `extents ${k - 1} and ${k} should have merged`).toBe(false);
  }
  expect(map.count).toBe(ex.length);
  // Block for block, lookup agrees with the model.
  const got: Cell[] = [];
  for (const e of ex) for (let b = 0; b < e.count; b++) got[e.lblk + b] = { pblk: e.pblk + b, kind: e.kind };
  const len = Math.max(got.length, model.length);
  for (let b = 0; b < len; b++) expect(got[b], `block ${b}`).toEqual(model[b]);
  expect(map.blocks).toBe(model.filter((c) => c !== undefined).length);
  let end = model.length;
  while (end > 0 && model[end - 1] === undefined) end--;
  expect(map.endBlock).toBe(end);
  for (let b = 0; b < len + 2; b++) {
    const m = map.lookup(b, 1);
    const c = model[b];
    if (c === undefined) expect(m.kind).toBe('hole');
    else expect(m).toEqual({ kind: c.kind, lblk: b, count: 1, pblk: c.pblk });
  }
}

describe('ExtentMap', () => {
  it('agrees with a per-block model under random sets, holes and shifts, across many leaves', () => {
    for (const seed of [1, 2, 3]) {
      const r = prng(seed);
      const map = new ExtentMap();
      const model: Cell[] = [];
      let nextP = 1000;
      for (let step = 0; step < 3000; step++) {
        const op = r.int(20);
        const lblk = r.int(600);
        const count = 1 + r.int(op < 2 ? 200 : 6);
        if (op === 19) {
          // collapse or insert by whole blocks past a point
          const delta = r.int(2) === 0 ? -Math.min(lblk, 1 + r.int(5)) : 1 + r.int(5);
          const from = lblk;
          if (delta < 0 && model.slice(from + delta, from).some((c) => c !== undefined)) continue;
          // shift() moves whole extents that start at or after `from`: callers split there first.
          const [a, b] = [model[from - 1], model[from]];
          if (a !== undefined && b !== undefined && a.kind === b.kind && a.pblk + 1 === b.pblk) continue;
          map.shift(from, delta);
          const tail = model.splice(from);
          if (delta > 0) model.splice(from, 0, ...new Array<Cell>(delta).fill(undefined), ...tail);
          else model.splice(from + delta, -delta, ...tail);
        } else if (op < 4) {
          map.set(lblk, count, 0, 'hole');
          for (let b = lblk; b < lblk + count; b++) model[b] = undefined;
        } else {
          const kind: ExtentKind = op < 6 ? 'unwritten' : 'mapped';
          // Sometimes re-map the block right after its neighbour's, so merges happen.
          const before = model[lblk - 1];
          const pblk = r.int(3) === 0 && before !== undefined ? before.pblk + 1 : (nextP += count + r.int(3));
          // As a write does: the goal while building, then set() (which reuses goalFor's search).
          const prev = [...map.extents()].reverse().find((e) => e.lblk <= lblk);
          const goal = prev === undefined ? -1 : prev.pblk + Math.min(prev.count, lblk - prev.lblk);
          expect(map.goalFor(lblk)).toBe(goal);
          const displaced = map.set(lblk, count, pblk, kind);
          const old = model.slice(lblk, lblk + count).filter((c) => c !== undefined).length;
          expect(displaced.reduce((n, d) => n + d.count, 0)).toBe(old);
          for (let b = 0; b < count; b++) model[lblk + b] = { pblk: pblk + b, kind };
        }
        if (step % 50 === 0 || step > 2990) check(map, model);
      }
      check(map, model);
      check(map.clone(), model);
    }
  });

  it('re-mapping exactly one extent (a same-size overwrite) merges with either neighbour, both or none', () => {
    for (const seed of [4, 5]) {
      const r = prng(seed);
      const map = new ExtentMap();
      const model: Cell[] = [];
      // 400 one-block extents, none contiguous with another: seven leaves.
      for (let b = 0; b < 400; b++) {
        map.set(b, 1, 10_000 + 3 * b, 'mapped');
        model[b] = { pblk: 10_000 + 3 * b, kind: 'mapped' };
      }
      let fresh = 50_000;
      for (let step = 0; step < 1500; step++) {
        const ex = map.extents();
        const k = r.int(ex.length);
        const e = ex[k]!;
        const left = ex[k - 1];
        const right = ex[k + 1];
        const how = r.int(4);
        let pblk: number;
        if (how === 0 && left !== undefined && left.lblk + left.count === e.lblk) pblk = left.pblk + left.count; // joins the left one
        else if (how === 1 && right !== undefined && e.lblk + e.count === right.lblk) pblk = right.pblk - e.count; // joins the right one
        else pblk = (fresh += e.count + 1);
        const kind: ExtentKind = r.int(8) === 0 ? 'unwritten' : 'mapped';
        const displaced = map.set(e.lblk, e.count, pblk, kind);
        expect(displaced).toEqual([{ pblk: e.pblk, count: e.count }]);
        for (let b = 0; b < e.count; b++) model[e.lblk + b] = { pblk: pblk + b, kind };
        if (step % 25 === 0) check(map, model);
        // Now and then split an extent again, so there is always something to join.
        if (r.int(3) === 0) {
          const f = map.extents()[r.int(map.count)]!;
          if (f.count > 1) {
            const at = f.lblk + 1 + r.int(f.count - 1);
            map.set(at, 1, (fresh += 2), 'mapped');
            model[at] = { pblk: fresh, kind: 'mapped' };
          }
        }
      }
      check(map, model);
    }
  });

  it('a file fragmented block by block keeps lookups and sets cheap (16K extents)', () => {
    const map = new ExtentMap();
    for (let b = 0; b < 16384; b++) map.set(b, 1, 100_000 + 2 * b, 'mapped');
    expect(map.count).toBe(16384);
    // Re-map every other block contiguously with its left neighbour: pairs merge.
    for (let b = 1; b < 16384; b += 2) map.set(b, 1, 100_000 + 2 * (b - 1) + 1, 'mapped');
    expect(map.count).toBe(8192);
    expect(map.blocks).toBe(16384);
    expect(map.lookup(16383, 4)).toEqual({ kind: 'mapped', lblk: 16383, count: 1, pblk: 100_000 + 2 * 16382 + 1 });
  });
});
