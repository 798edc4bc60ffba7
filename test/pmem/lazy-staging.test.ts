/**
 * Copy-on-store staging (write-pending-queue.ts): flush and ntstore record ranges, the fence
 * reads them from the cache, and a store through the device to a staged line first copies the
 * line aside. Device stores must behave exactly as with eager copies: checked case by case and
 * against a small eager reference model on random programs (with tracing switched on and off
 * in the middle, which mixes eager and lazy entries).
 */
import { describe, expect, it } from 'vitest';
import { PmemDevice, TraceReplay, prng } from '../../src/index.js';
import { ChunkedMemory } from '../../src/pmem/memory.js';
import { WritePendingQueue } from '../../src/pmem/write-pending-queue.js';

const MiB = 1 << 20;
const KiB = 1024;
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);
const strict = (dev: PmemDevice, offset: number, length: number): Uint8Array => {
  const c = dev.crash({ kind: 'strict' });
  try {
    return c.read(offset, length);
  } finally {
    c.close();
  }
};

describe('device stores after a flush or an ntstore, before the fence', () => {
  it('a store after a flush of a large range stays pending; the fence makes durable what was flushed', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(64 * KiB, 1));
    dev.flush(0, 64 * KiB);
    dev.write(32 * KiB + 8, bytes(8, 2)); // line 512, after the CLWB
    dev.fence();
    expect(strict(dev, 0, 64 * KiB)).toEqual(bytes(64 * KiB, 1));
    expect(dev.pendingLines()).toEqual([512]);
    expect(dev.crash({ kind: 'all' }).read(32 * KiB, 16)).toEqual(new Uint8Array([...bytes(8, 1), ...bytes(8, 2)]));
  });

  it('a cached store over nt-stored bytes before the fence: the nt bytes become durable, the store stays pending', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.ntstore(8, bytes(16, 2));
    dev.write(0, bytes(16, 3)); // overwrites half of the ntstore
    dev.fence();
    expect(strict(dev, 0, 24)).toEqual(new Uint8Array([...bytes(8, 0), ...bytes(16, 2)]));
    expect(dev.pendingLines()).toEqual([0]);
    expect(dev.crash({ kind: 'all' }).read(0, 24)).toEqual(new Uint8Array([...bytes(16, 3), ...bytes(8, 2)]));
  });

  it('an ntstore to a line changed after its flush: the fence writes the flushed line plus the nt bytes', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(64, 1));
    dev.flush(0, 64);
    dev.write(0, bytes(8, 2)); // after the flush: pending
    dev.ntstore(16, bytes(8, 3));
    dev.write(16, bytes(16, 4)); // over the ntstore too
    dev.fence();
    expect(strict(dev, 0, 40)).toEqual(new Uint8Array([...bytes(16, 1), ...bytes(8, 3), ...bytes(16, 1)]));
    expect(dev.pendingLines()).toEqual([0]);
  });

  it('a second flush after a store supersedes the first; a store after it stays pending', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1));
    dev.flush(0, 8);
    dev.write(0, bytes(8, 2));
    dev.flush(0, 8);
    dev.write(0, bytes(8, 3));
    dev.fence();
    expect(strict(dev, 0, 8)).toEqual(bytes(8, 2));
    expect(dev.pendingLines()).toEqual([0]);
  });

  it('loadDurable over a flushed line does not change what the fence makes durable', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1));
    dev.flush(0, 8);
    dev.loadDurable(0, bytes(8, 5));
    dev.fence();
    expect(strict(dev, 0, 8)).toEqual(bytes(8, 1));
  });

  it('write-backs staged lazily enter a trace started before the fence as staged', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(64, 1));
    dev.flush(0, 64);
    dev.write(0, bytes(8, 2)); // freezes line 0
    dev.ntstore(128, bytes(8, 3));
    dev.startTrace();
    dev.write(128, bytes(8, 4)); // after startTrace: over the ntstore
    dev.fence();
    const want = strict(dev, 0, 192);
    expect(want.slice(0, 8)).toEqual(bytes(8, 1));
    expect(want.slice(128, 136)).toEqual(bytes(8, 3));
    const r = new TraceReplay(dev.stopTrace());
    const [s] = [...r.states(r.points('fence').at(-1)!, { kind: 'strict' })];
    expect(r.materialize(s!).read(0, 192)).toEqual(want);
  });
});

describe('what staging copies', () => {
  const queue = () => {
    const cache = ChunkedMemory.allocate(MiB, null);
    return { cache, q: new WritePendingQueue(MiB, cache) };
  };

  it('a flush copies nothing; a store to a flushed line copies that one line; the fence reads the rest from the cache', () => {
    const { cache, q } = queue();
    q.stored(0, 1024);
    cache.write(0, bytes(64 * KiB, 1));
    q.flushed(0, 1024, null);
    expect(q.frozenLines).toBe(0);
    q.stored(512, 513);
    cache.write(512 * 64, bytes(8, 2));
    expect(q.frozenLines).toBe(1);
    q.stored(513, 515); // a second store: one more line each, never the same line twice
    cache.write(513 * 64, bytes(128, 2));
    q.stored(512, 513);
    expect(q.frozenLines).toBe(3);
    const pieces: Array<[number, number, number]> = [];
    q.drain((off, b) => pieces.push([off, b.length, b[0]!]));
    // The cache up to line 512, the three frozen lines (still the flushed 1s), the cache after.
    expect(pieces).toEqual([[0, 512 * 64, 1], [512 * 64, 64, 1], [513 * 64, 64, 1], [514 * 64, 64, 1], [515 * 64, 509 * 64, 1]]);
    expect(q.pending()).toEqual([512, 513, 514]);
    expect(q.frozenLines).toBe(0);
  });

  it('an ntstore stages its range only; the fence reads it back from the cache', () => {
    const { cache, q } = queue();
    const src = bytes(100, 7);
    cache.write(10, src);
    q.ntStored(10, src, null);
    src.fill(9); // the caller reuses its buffer: nothing was kept from it
    const pieces: Array<[number, Uint8Array]> = [];
    q.drain((off, b) => pieces.push([off, b.slice()]));
    expect(pieces).toEqual([[10, bytes(100, 7)]]);
    expect(q.frozenLines).toBe(0);
  });
});

/** The eager model the device had before copy-on-store: copies at flush and ntstore. */
class EagerModel {
  readonly cache: Uint8Array;
  readonly media: Uint8Array;
  private queue: Array<{ off: number; data: Uint8Array }> = [];
  private readonly dirty = new Set<number>();
  private readonly queued = new Set<number>();

  constructor(size: number) {
    this.cache = new Uint8Array(size);
    this.media = new Uint8Array(size);
  }

  write(off: number, b: Uint8Array): void {
    this.cache.set(b, off);
    for (let l = Math.floor(off / 64); l <= Math.floor((off + b.length - 1) / 64); l++) this.dirty.add(l);
  }

  ntstore(off: number, b: Uint8Array): void {
    this.cache.set(b, off);
    this.queue.push({ off, data: b.slice() });
    for (let l = Math.floor(off / 64); l <= Math.floor((off + b.length - 1) / 64); l++) this.queued.add(l);
  }

  flush(off: number, len: number): void {
    const l0 = Math.floor(off / 64);
    const l1 = Math.floor((off + len - 1) / 64) + 1;
    for (let l = l0; l < l1; l++) {
      this.dirty.delete(l);
      this.queued.add(l);
    }
    this.queue.push({ off: l0 * 64, data: this.cache.slice(l0 * 64, l1 * 64) });
  }

  fence(): void {
    for (const e of this.queue) this.media.set(e.data, e.off);
    this.queue = [];
    this.queued.clear();
  }

  persist(off: number, len: number): void {
    this.fence();
    const l0 = Math.floor(off / 64);
    const l1 = Math.floor((off + len - 1) / 64) + 1;
    this.media.set(this.cache.subarray(l0 * 64, l1 * 64), l0 * 64);
    for (let l = l0; l < l1; l++) this.dirty.delete(l);
  }

  loadDurable(off: number, b: Uint8Array): void {
    this.cache.set(b, off);
    this.media.set(b, off);
  }

  pending(): number[] {
    return [...new Set([...this.dirty, ...this.queued])].sort((a, b) => a - b);
  }
}

describe('copy-on-store agrees with eager copies on random programs of device stores', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('seed %i', (seed) => {
    const r = prng(seed);
    const span = 1024; // 16 lines: stores keep landing on staged lines
    const dev = PmemDevice.create({ size: MiB });
    const model = new EagerModel(span);
    for (let i = 0; i < 400; i++) {
      const off = r.int(span - 200);
      const len = 1 + (r.int(4) === 0 ? r.int(200) : r.int(24));
      const data = Uint8Array.from({ length: len }, () => 1 + r.int(255));
      const op = r.int(20);
      if (op < 6) {
        dev.write(off, data);
        model.write(off, data);
      } else if (op < 10) {
        dev.ntstore(off, data);
        data.fill(0); // the caller reuses its buffer before the fence
        model.ntstore(off, dev.read(off, len));
      } else if (op < 14) {
        dev.flush(off, len);
        model.flush(off, len);
      } else if (op < 17) {
        dev.fence();
        model.fence();
      } else if (op < 18) {
        dev.persist(off, len);
        model.persist(off, len);
      } else if (op < 19) {
        dev.loadDurable(off, data);
        model.loadDurable(off, data);
      } else if (dev.tracing) dev.stopTrace();
      else dev.startTrace();
      expect(dev.pendingLines()).toEqual(model.pending());
      if (op >= 14 && op < 18) expect(strict(dev, 0, span)).toEqual(model.media);
    }
    dev.fence();
    model.fence();
    expect(strict(dev, 0, span)).toEqual(model.media);
    expect(dev.read(0, span)).toEqual(model.cache);
  });
});
