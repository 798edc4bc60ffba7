import { describe, expect, it } from 'vitest';
import { PmemDevice, TraceReplay, isFsError, type CrashState } from '../../src/index.js';

const MiB = 1 << 20;
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('persistence model (ADR)', () => {
  it('an unflushed store is gone after a strict crash, kept by "all"', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(128, bytes(16, 7));
    expect(dev.read(128, 16)).toEqual(bytes(16, 7)); // visible at once
    expect(dev.crash({ kind: 'strict' }).read(128, 16)).toEqual(bytes(16, 0));
    expect(dev.crash({ kind: 'all' }).read(128, 16)).toEqual(bytes(16, 7));
  });

  it('a flushed but unfenced store is not durable yet; fenced is always there', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(64, 1));
    dev.flush(0, 64);
    expect(dev.crash({ kind: 'strict' }).read(0, 64)).toEqual(bytes(64, 0));
    dev.fence();
    for (const p of [{ kind: 'strict' }, { kind: 'all' }, { kind: 'random', seed: 3 }] as const) {
      expect(dev.crash(p).read(0, 64)).toEqual(bytes(64, 1));
    }
  });

  it('flush covers every line touching the range', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(60, bytes(8, 9)); // straddles lines 0 and 1
    dev.persist(63, 1); // touches line 0 only
    expect(dev.crash({ kind: 'strict' }).read(60, 8)).toEqual(new Uint8Array([9, 9, 9, 9, 0, 0, 0, 0]));
    dev.persist(63, 2); // touches lines 0 and 1
    expect(dev.crash({ kind: 'strict' }).read(60, 8)).toEqual(bytes(8, 9));
  });

  it('a non-temporal store is durable after the next fence, with no flush', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.ntstore(4096, bytes(100, 5));
    expect(dev.crash({ kind: 'strict' }).read(4096, 100)).toEqual(bytes(100, 0));
    dev.fence();
    expect(dev.crash({ kind: 'strict' }).read(4096, 100)).toEqual(bytes(100, 5));
  });

  it('fence makes durable only what was flushed', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(64, 1));
    dev.write(1024, bytes(64, 2));
    dev.flush(0, 64);
    dev.fence();
    const c = dev.crash({ kind: 'strict' });
    expect(c.read(0, 64)).toEqual(bytes(64, 1));
    expect(c.read(1024, 64)).toEqual(bytes(64, 0));
    expect(dev.pendingLines()).toEqual([16]);
  });

  it('a random crash keeps only in-order 8-byte-granular prefixes of a line', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(64, 0xaa));
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const line = dev.crash({ kind: 'random', seed }).read(0, 64);
      const k = line.findIndex((b) => b !== 0xaa);
      const prefix = k === -1 ? 64 : k;
      expect(prefix % 8).toBe(0);
      expect([...line.subarray(prefix)].every((b) => b === 0)).toBe(true);
      seen.add(String(prefix));
    }
    expect(seen.size).toBeGreaterThan(4); // it does explore
  });

  it('crash states are independent of the device and of each other', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1));
    dev.persist(0, 8);
    const c = dev.crash({ kind: 'strict' });
    dev.write(0, bytes(8, 2));
    dev.persist(0, 8);
    expect(c.read(0, 8)).toEqual(bytes(8, 1));
    c.write(0, bytes(8, 3));
    expect(dev.read(0, 8)).toEqual(bytes(8, 2));
  });

  it('stores through a view are invisible until a flush covers them', () => {
    const dev = PmemDevice.create({ size: MiB });
    const v = dev.view(8192, 4096);
    v.fill(4, 0, 128);
    expect(dev.read(8192, 4)).toEqual(bytes(4, 4)); // loads see them (same memory)
    expect(dev.crash({ kind: 'strict' }).read(8192, 128)).toEqual(bytes(128, 0));
    dev.persist(8192, 128);
    expect(dev.crash({ kind: 'strict' }).read(8192, 128)).toEqual(bytes(128, 4));
  });

  it('a store after the flush is not made durable by the fence: it stays pending', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1));
    dev.flush(0, 8);
    dev.write(8, bytes(8, 2)); // same line, after the CLWB
    dev.fence();
    expect(dev.crash({ kind: 'strict' }).read(0, 16)).toEqual(new Uint8Array([...bytes(8, 1), ...bytes(8, 0)]));
    expect(dev.crash({ kind: 'all' }).read(0, 16)).toEqual(new Uint8Array([...bytes(8, 1), ...bytes(8, 2)]));
    expect(dev.pendingLines()).toEqual([0]);
    dev.persist(8, 8);
    expect(dev.crash({ kind: 'strict' }).read(8, 8)).toEqual(bytes(8, 2));
    expect(dev.pendingLines()).toEqual([]);
  });

  it('a store through a view after the flush may become durable at the fence (views cannot be intercepted)', () => {
    const dev = PmemDevice.create({ size: MiB });
    const v = dev.view(0, 64);
    v.fill(1, 0, 8);
    dev.flush(0, 8);
    v.fill(2, 8, 16);
    dev.fence();
    const got = dev.crash({ kind: 'strict' }).read(0, 16);
    expect(got.slice(0, 8)).toEqual(bytes(8, 1)); // what was flushed is durable
    expect([bytes(8, 0), bytes(8, 2)]).toContainEqual(got.slice(8, 16)); // legal: the line may be written back later
  });

  it('while tracing, a view store after the flush is not made durable by the fence, as in the trace', () => {
    const dev = PmemDevice.create({ size: MiB });
    const v = dev.view(0, 64);
    dev.startTrace();
    v.fill(1, 0, 8);
    dev.flush(0, 8);
    v.fill(2, 8, 16);
    dev.fence();
    const want = new Uint8Array([...bytes(8, 1), ...bytes(8, 0)]);
    expect(dev.crash({ kind: 'strict' }).read(0, 16)).toEqual(want);
    const r = new TraceReplay(dev.stopTrace());
    const [s] = [...r.states(r.points('fence').at(-1)!, { kind: 'strict' })];
    expect(r.materialize(s!).read(0, 16)).toEqual(want);
  });

  it('the flushed contents are a copy: a line flushed twice before one fence keeps the later flush', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1));
    dev.flush(0, 8);
    dev.write(0, bytes(8, 2));
    dev.flush(0, 8);
    dev.fence();
    expect(dev.crash({ kind: 'strict' }).read(0, 8)).toEqual(bytes(8, 2));
    expect(dev.pendingLines()).toEqual([]);
  });

  it('an ntstore makes durable only its own bytes, not the unflushed rest of its line', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1)); // cached, never flushed
    const src = bytes(8, 2);
    dev.ntstore(8, src);
    src.fill(9); // the caller reuses its buffer before the fence
    dev.fence();
    expect(dev.crash({ kind: 'strict' }).read(0, 16)).toEqual(new Uint8Array([...bytes(8, 0), ...bytes(8, 2)]));
    expect(dev.pendingLines()).toEqual([0]); // the cached store is still pending
    expect(dev.crash({ kind: 'all' }).read(0, 16)).toEqual(new Uint8Array([...bytes(8, 1), ...bytes(8, 2)]));
  });

  it('a trace started with write-backs staged replays them faithfully', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1));
    dev.flush(0, 8);
    dev.write(8, bytes(8, 2)); // after the flush: pending across the fence
    dev.ntstore(64, bytes(8, 3));
    dev.startTrace();
    dev.fence();
    const r = new TraceReplay(dev.stopTrace());
    const end = r.points('fence').at(-1)!;
    const [strict] = [...r.states(end, { kind: 'strict' })];
    const c = r.materialize(strict!);
    expect(c.read(0, 16)).toEqual(dev.crash({ kind: 'strict' }).read(0, 16));
    expect(c.read(0, 16)).toEqual(new Uint8Array([...bytes(8, 1), ...bytes(8, 0)]));
    expect(c.read(64, 8)).toEqual(bytes(8, 3));
  });

  it('stats count stores, flushed lines, fences and durable bytes', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(100, 1));
    dev.persist(0, 100);
    expect(dev.stats).toEqual({ stores: 1, bytesStored: 100, linesFlushed: 2, fences: 1, bytesDurable: 128 });
  });
});

describe('persistence model (eADR)', () => {
  it('keeps every completed store with no flush or fence', () => {
    const dev = PmemDevice.create({ size: MiB, mode: 'eadr' });
    dev.write(0, bytes(64, 3));
    dev.ntstore(64, bytes(8, 4));
    expect(dev.crash({ kind: 'strict' }).read(0, 72)).toEqual(new Uint8Array([...bytes(64, 3), ...bytes(8, 4)]));
    expect(dev.pendingLines()).toEqual([]);
  });

  it('view stores are still invisible until a flush covers them', () => {
    const dev = PmemDevice.create({ size: MiB, mode: 'eadr' });
    dev.view(0, 64).fill(5, 0, 8);
    expect(dev.crash({ kind: 'strict' }).read(0, 8)).toEqual(bytes(8, 0));
    dev.flush(0, 8);
    expect(dev.crash({ kind: 'strict' }).read(0, 8)).toEqual(bytes(8, 5));
  });
});

describe('trace-driven crash states', () => {
  function traced(fn: (d: PmemDevice) => void) {
    const dev = PmemDevice.create({ size: MiB });
    dev.startTrace();
    fn(dev);
    return new TraceReplay(dev.stopTrace());
  }
  const all = (r: TraceReplay, policy: Parameters<TraceReplay['states']>[1]) => {
    const out: Array<{ s: CrashState; bytes: Uint8Array }> = [];
    for (const p of r.points('store')) for (const s of r.states(p, policy)) out.push({ s, bytes: r.materialize(s).read(0, 64) });
    return out;
  };

  it('a 16-byte store can tear at 8 bytes; an aligned 8-byte store never tears', () => {
    const r = traced((d) => {
      d.write(0, bytes(16, 1));
      d.write(16, bytes(8, 2));
      d.flush(0, 64);
    });
    const states = all(r, { kind: 'prefix' }).map((x) => [...x.bytes.subarray(0, 24)].join(','));
    const torn = [...bytes(8, 1), ...bytes(16, 0)].join(',');
    expect(states).toContain(torn);
    for (const s of states) {
      const w = s.split(',').slice(16, 24);
      expect(new Set(w).size).toBe(1); // the 8-byte store is all or nothing
    }
  });

  it('per-line prefixes only: a later store never survives without an earlier one', () => {
    const r = traced((d) => {
      d.write(0, bytes(8, 1));
      d.write(8, bytes(8, 2));
      d.flush(0, 16);
    });
    for (const policy of [{ kind: 'prefix' }, { kind: 'random', count: 50, seed: 1 }] as const) {
      for (const { bytes: b } of all(r, policy)) expect(!(b[8] === 2 && b[0] !== 1)).toBe(true);
    }
  });

  it('chipmunk explores flushed-but-unfenced lines as subsets, fenced lines always present', () => {
    const r = traced((d) => {
      d.write(0, bytes(8, 1));
      d.persist(0, 8);
      d.write(64, bytes(8, 2));
      d.write(128, bytes(8, 3));
      d.flush(64, 128);
    });
    const pts = r.points('fence');
    const last = pts[pts.length - 1]!;
    const states = [...r.states(last, { kind: 'chipmunk', bound: 2 })];
    expect(states.length).toBe(4); // {}, {64}, {128}, {64,128}
    for (const s of states) expect(r.materialize(s).read(0, 8)).toEqual(bytes(8, 1));
  });

  it('deduplicates identical media states', () => {
    const r = traced((d) => {
      d.write(0, bytes(8, 0)); // a store of what is already there
      d.flush(0, 8);
    });
    const last = r.points('fence').at(-1)!;
    expect([...r.states(last, { kind: 'chipmunk', bound: 2 })].length).toBe(1);
  });

  it('a view store enters the trace at the flush that covers it', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.startTrace();
    dev.view(0, 64).fill(9, 0, 8);
    dev.persist(0, 8);
    const r = new TraceReplay(dev.stopTrace());
    const last = r.points('fence').at(-1)!;
    const [s] = [...r.states(last, { kind: 'strict' })];
    expect(r.materialize(s!).read(0, 8)).toEqual(bytes(8, 9));
  });

  it('a crash state costs what changed, not the device size', () => {
    const dev = PmemDevice.create({ size: 1 << 30 });
    dev.startTrace();
    dev.write(0, bytes(4096, 1));
    dev.persist(0, 4096);
    const r = new TraceReplay(dev.stopTrace());
    const last = r.points('fence').at(-1)!;
    const [s] = [...r.states(last, { kind: 'strict' })];
    const c = r.materialize(s!);
    expect(c.read(0, 8)).toEqual(bytes(8, 1));
    expect(c.read((1 << 30) - 8, 8)).toEqual(bytes(8, 0));
  });
});

describe('argument errors', () => {
  const dev = PmemDevice.create({ size: MiB });
  it.each([
    ['write past the end', () => dev.write(MiB - 4, bytes(8, 1))],
    ['negative offset', () => dev.read(-1, 4)],
    ['fractional length', () => dev.flush(0, 1.5)],
    ['bad size', () => PmemDevice.create({ size: 1000 })],
    ['bad mode', () => PmemDevice.create({ size: MiB, mode: 'x' as 'adr' })],
    ['attach of something that is not a share() handle', () => PmemDevice.attach({ kind: 'pmem-shared' } as never)],
  ])('%s is EINVAL', (_n, fn) => {
    expect(() => fn()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    try {
      fn();
    } catch (e) {
      expect(isFsError(e)).toBe(true);
    }
  });

  it('a closed device is EBADF', () => {
    const d = PmemDevice.create({ size: MiB });
    d.close();
    expect(() => d.read(0, 1)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => d.readDurable(0, 1)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => d.persist(0, 1)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
