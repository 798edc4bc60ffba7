/**
 * Trace replay (crash-states.ts): where crash points sit, non-temporal stores, and agreement
 * with the live device's own crash() on random programs.
 */
import { describe, expect, it } from 'vitest';
import { PmemDevice, TraceReplay, prng } from '../../src/index.js';

const MiB = 1 << 20;
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

function traced(fn: (d: PmemDevice) => void): TraceReplay {
  const dev = PmemDevice.create({ size: MiB });
  dev.startTrace();
  fn(dev);
  return new TraceReplay(dev.stopTrace());
}

describe('crash points', () => {
  it("'fence' points sit just before each fence, where its lines are in flight, plus the end", () => {
    const r = traced((d) => {
      d.label('op 1');
      d.write(0, bytes(8, 1));
      d.flush(0, 8);
      d.fence();
      d.label('op 2');
      d.write(64, bytes(8, 2));
      d.persist(64, 8);
    });
    const pts = r.points('fence');
    expect(pts.map((p) => [p.index, p.label])).toEqual([[3, 'op 1'], [7, 'op 2'], [8, 'op 2']]);
    // Before each fence, chipmunk explores the fenced line present or not.
    for (const [i, line] of [[0, 0], [1, 64]] as const) {
      const states = [...r.states(pts[i]!, { kind: 'chipmunk', bound: 1 })];
      expect(states.map((s) => s.choice)).toEqual(['strict', expect.stringMatching(new RegExp(`^in-flight stores \\d+ \\(lines ${line / 64}\\)$`))]);
    }
    expect([...r.states(pts[2]!, { kind: 'chipmunk', bound: 1 })].length).toBe(1); // all durable
  });

  it('chipmunk explores in-flight stores as units: all lines of one store together', () => {
    const r = traced((d) => {
      d.write(0, bytes(256, 1)); // one store over four lines
      d.write(1024, bytes(8, 2)); // another store
      d.flush(0, 2048);
      d.fence();
    });
    const [p] = r.points('fence');
    const states = [...r.states(p!, { kind: 'chipmunk', bound: 2 })];
    // strict, store A, store B, A+B: never a part of store A's four lines
    expect(states.length).toBe(4);
    for (const s of states) expect([0, 4]).toContain([...s.lines.keys()].filter((l) => l < 4).length);
  });

  it("'store' points add one after each store; a store right before a fence shares its point", () => {
    const r = traced((d) => {
      d.write(0, bytes(8, 1));
      d.ntstore(64, bytes(8, 2));
      d.fence();
    });
    expect(r.points('store').map((p) => p.index)).toEqual([1, 2, 3]);
  });
});

describe('non-temporal stores in a trace', () => {
  it('an ntstore makes durable only its own bytes, not the unflushed rest of its line', () => {
    const r = traced((d) => {
      d.write(0, bytes(8, 1));
      d.ntstore(8, bytes(8, 2));
      d.fence();
    });
    const [before, end] = r.points('fence');
    const inFlight = [...r.states(before!, { kind: 'chipmunk', bound: 1 })].map((s) => [...r.materialize(s).read(0, 16)]);
    expect(inFlight).toContainEqual([...bytes(8, 0), ...bytes(8, 2)]);
    expect(inFlight).not.toContainEqual([...bytes(8, 1), ...bytes(8, 2)]);
    const [strict] = [...r.states(end!, { kind: 'strict' })];
    expect(r.materialize(strict!).read(0, 16)).toEqual(new Uint8Array([...bytes(8, 0), ...bytes(8, 2)]));
    expect(r.pendingLines).toBe(1); // the cached store: may or may not reach the media
  });

  it('after the fence an older cached store can never show through a newer ntstore', () => {
    const r = traced((d) => {
      d.write(0, bytes(16, 1));
      d.ntstore(0, bytes(8, 2));
      d.fence();
    });
    const end = r.points('fence').at(-1)!;
    const seen = [...r.states(end, { kind: 'prefix' })].map((s) => [...r.materialize(s).read(0, 16)].join(','));
    expect(seen.sort()).toEqual([
      [...bytes(8, 2), ...bytes(8, 0)].join(','),
      [...bytes(8, 2), ...bytes(8, 1)].join(','),
    ].sort());
  });
});

describe('replay agrees with the live device', () => {
  /** Random programs over 4 lines; after every fence the live strict crash = replay's. */
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i', (seed) => {
    const r = prng(seed);
    const dev = PmemDevice.create({ size: MiB });
    dev.startTrace();
    const afterFence: Uint8Array[] = [];
    const span = 256;
    for (let i = 0; i < 60; i++) {
      const off = r.int(span - 16);
      const len = 1 + r.int(16);
      const v = 1 + r.int(250);
      switch (r.int(6)) {
        case 0:
        case 1:
          dev.write(off, bytes(len, v));
          break;
        case 2:
          dev.ntstore(off, bytes(len, v));
          break;
        case 3:
          dev.view(off, len).fill(v);
          break;
        case 4:
          dev.flush(off, len);
          break;
        default:
          dev.fence();
          afterFence.push(dev.crash({ kind: 'strict' }).read(0, span));
      }
    }
    const final = dev.crash({ kind: 'strict' }).read(0, span);
    const replay = new TraceReplay(dev.stopTrace());
    const pts = replay.points('fence');
    // Point k+1 is just before fence k+1: its strict state is what fence k left.
    afterFence.forEach((want, k) => {
      const p = pts[k + 1]!;
      const [s] = [...replay.states(p, { kind: 'strict' })];
      expect(replay.materialize(s!).read(0, span)).toEqual(want);
    });
    const end = pts.at(-1)!;
    const [s] = [...replay.states(end, { kind: 'strict' })];
    expect(replay.materialize(s!).read(0, span)).toEqual(final);
  });
});
