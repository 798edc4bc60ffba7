/**
 * ChunkedMemory: 1 GiB chunks (a 16 GiB device), accesses across a chunk boundary, views that
 * may not span one, private memory that a view or a worker handle publishes, and lazy loading
 * that recovers from a failed read.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK, PmemDevice } from '../../src/index.js';
import { ChunkedMemory } from '../../src/pmem/memory.js';

const GiB = 1 << 30;
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('1 GiB chunks', () => {
  it('a 16 GiB in-memory device can be created and written at its last byte, durably', () => {
    const size = 16 * GiB;
    const dev = PmemDevice.create({ size });
    expect(dev.size).toBe(size);
    dev.write(size - 1, new Uint8Array([0xab]));
    dev.persist(size - 1, 1);
    expect(dev.read(size - 1, 1)).toEqual(new Uint8Array([0xab]));
    expect(dev.crash({ kind: 'strict' }).read(size - 8, 8)).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0xab]));
    expect(dev.view(size - 4096, 4096)[4095]).toBe(0xab);
  });

  it('reads, writes, flushes and crashes spanning a chunk boundary work', () => {
    const dev = PmemDevice.create({ size: 2 * GiB + 64 * 1024 });
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    const at = CHUNK - 100; // 100 bytes in chunk 0, 156 in chunk 1
    dev.write(at, data);
    expect(dev.read(at, 256)).toEqual(data);
    const into = new Uint8Array(256);
    dev.readInto(at, into);
    expect(into).toEqual(data);
    expect(dev.crash({ kind: 'strict' }).read(at, 256)).toEqual(bytes(256, 0));
    dev.persist(at, 256);
    expect(dev.crash({ kind: 'strict' }).read(at, 256)).toEqual(data);
    dev.ntstore(at + 50, bytes(100, 7));
    dev.fence();
    expect(dev.crash({ kind: 'strict' }).read(at + 50, 100)).toEqual(bytes(100, 7));
  });

  it('a view up to a chunk boundary is fine; one across it is EINVAL', () => {
    const dev = PmemDevice.create({ size: 2 * GiB });
    expect(dev.view(CHUNK - 4096, 4096).length).toBe(4096);
    expect(dev.view(CHUNK, 4096).length).toBe(4096);
    expect(dev.viewable(CHUNK - 64, 128)).toBe(false);
    expect(() => dev.view(CHUNK - 64, 128)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('chunk boundary') }));
  });
});

describe('private until published', () => {
  const MiB = 1 << 20;

  it('a view moves the bytes into shared memory once: the cache, the media and later stores all carry over', () => {
    const dev = PmemDevice.create({ size: 4 * MiB });
    dev.write(0, bytes(4096, 1));
    dev.persist(0, 4096); // durable
    dev.write(2 * MiB, bytes(4096, 2)); // cached only
    dev.write(3 * MiB + 64, bytes(64, 3));
    dev.flush(3 * MiB + 64, 64); // staged, not fenced
    expect(dev.peek(0, 4096).buffer).toBeInstanceOf(ArrayBuffer); // peek does not publish
    const v = dev.view(2 * MiB, 4096);
    expect(v.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(v).toEqual(bytes(4096, 2));
    expect(dev.peek(0, 4096).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(dev.read(0, 4096)).toEqual(bytes(4096, 1));
    // The media was not published by a view (workers need share()), and it is unchanged.
    const strict = dev.crash({ kind: 'strict' });
    expect(strict.read(0, 4096)).toEqual(bytes(4096, 1));
    expect(strict.read(2 * MiB, 4096)).toEqual(bytes(4096, 0));
    expect(strict.read(3 * MiB + 64, 64)).toEqual(bytes(64, 0));
    strict.close();
    dev.fence(); // the staged line, staged before the move, still reaches the media
    expect(dev.readDurable(3 * MiB + 64, 64)).toEqual(bytes(64, 3));
    // The view and the device see one memory now, both ways.
    v.fill(7, 0, 64);
    expect(dev.read(2 * MiB, 64)).toEqual(bytes(64, 7));
    dev.write(2 * MiB + 64, bytes(64, 8));
    expect(v.subarray(64, 128)).toEqual(bytes(64, 8));
    dev.persist(2 * MiB, 128);
    expect(dev.readDurable(2 * MiB, 128)).toEqual(new Uint8Array([...bytes(64, 7), ...bytes(64, 8)]));
    const again = dev.view(0, 64);
    expect(again.buffer).toBe(v.buffer); // published once
    dev.close();
  });

  it('the private chunks a publish leaves go back to the pool, unless a kept peek still reads them', async () => {
    const { poolBytes } = await import('../../src/pmem/memory-pool.js');
    const size = 5 * MiB + 65536; // a size no other test uses: its pool list is this test's
    for (const kept of [false, true]) {
      const dev = PmemDevice.create({ size });
      dev.write(MiB, bytes(64, 5)); // one 64 KiB grain of the cache
      const peeked = kept ? dev.peek(MiB, 64) : null;
      const before = poolBytes();
      dev.view(0, 4096);
      expect(poolBytes() - before, `kept ${kept}`).toBe(kept ? 0 : 65536);
      if (peeked !== null) expect(peeked).toEqual(bytes(64, 5)); // still the bytes it peeked
      dev.close();
    }
    const again = PmemDevice.create({ size }); // takes the pooled chunk: zeroed where it was written
    expect(again.read(MiB, 64)).toEqual(bytes(64, 0));
    again.close();
  });

  it('a device created shared starts in shared memory: no publish, and it is not pooled', async () => {
    const { poolBytes } = await import('../../src/pmem/memory-pool.js');
    const dev = PmemDevice.create({ size: 4 * MiB, shared: true });
    dev.write(0, bytes(64, 6));
    dev.persist(0, 64);
    expect(dev.peek(0, 64).buffer).toBeInstanceOf(SharedArrayBuffer);
    const v = dev.view(0, 64);
    expect(v.buffer).toBe(dev.peek(0, 64).buffer);
    expect(v).toEqual(bytes(64, 6));
    expect(dev.readDurable(0, 64)).toEqual(bytes(64, 6));
    const before = poolBytes();
    dev.close();
    expect(poolBytes()).toBe(before);
  });

  it('an image opened lazily publishes what it loaded and loads the rest into shared memory later', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmem-pub-'));
    try {
      const file = join(dir, 'img');
      const image = new Uint8Array(8 * MiB);
      for (let r = 0; r < 8; r++) image.fill(r + 1, r * MiB, (r + 1) * MiB);
      writeFileSync(file, image);
      const dev = PmemDevice.open(file);
      expect(dev.read(MiB, 8)).toEqual(bytes(8, 2)); // region 1 loaded while private
      expect(dev.loadedBytes).toBe(MiB); // the cache's region 1 only
      const v = dev.view(5 * MiB, 4096); // region 5 loads into the published chunk
      expect(v).toEqual(bytes(4096, 6));
      expect(dev.read(MiB, 8)).toEqual(bytes(8, 2)); // carried over
      expect(dev.read(7 * MiB, 8)).toEqual(bytes(8, 8)); // never loaded before: loads now
      expect(dev.readDurable(3 * MiB, 8)).toEqual(bytes(8, 4));
      dev.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lazy loading', () => {
  it('a region whose load failed is not left "loading" forever: the next touch retries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmem-mem-'));
    const fd = openSync(dir, 'r'); // reading a directory fails with EISDIR
    try {
      const mem = ChunkedMemory.allocate(1 << 20, fd);
      const flags = new Int32Array(mem.handle().flags);
      expect(() => mem.read(0, new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'EISDIR' }));
      expect(flags[0]! & 3).toBe(0); // back to "not loaded", not stuck at LOADING
      expect(() => mem.read(0, new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the memory pool', () => {
  // Sizes no other test uses, so the pool's lists for them are this test's alone.
  const SIZE = 3 * (1 << 20) + 65536;

  it('a closed device hands its buffers on, zeroed exactly where it wrote', async () => {
    const { poolBytes } = await import('../../src/pmem/memory-pool.js');
    const a = PmemDevice.create({ size: SIZE });
    a.write(0, bytes(10, 1));
    a.write(65530, bytes(20, 2)); // straddles two 64 KiB grains
    a.ntstore(SIZE - 100, bytes(100, 3));
    a.fence();
    a.write(1 << 20, bytes(4096, 4)); // never flushed: the cache differs from the media
    const before = poolBytes();
    a.close();
    // The pool counts resident bytes: the 64 KiB grains written, 4 in the cache (0, 1, 16 and
    // the last) and 1 in the media (the fenced ntstore), not the buffers' 2 x SIZE.
    expect(poolBytes()).toBe(before + 5 * 65536);
    const b = PmemDevice.create({ size: SIZE });
    expect(poolBytes()).toBe(before);
    expect(b.read(0, SIZE).every((x) => x === 0)).toBe(true);
    expect(b.readDurable(0, SIZE).every((x) => x === 0)).toBe(true);
    b.close();
  });

  it('memory that escaped is never pooled: a view, a worker handle, a live crash state', async () => {
    const { poolBytes } = await import('../../src/pmem/memory-pool.js');
    const size = SIZE + 65536;
    for (const escape of ['view', 'share', 'crash'] as const) {
      const dev = PmemDevice.create({ size });
      dev.write(4096, bytes(64, 9));
      dev.persist(4096, 64);
      let view: Uint8Array | null = null;
      let crashed: PmemDevice | null = null;
      if (escape === 'view') view = dev.view(4096, 64);
      if (escape === 'share') dev.share();
      if (escape === 'crash') crashed = dev.crash();
      const before = poolBytes();
      dev.close();
      // The cache escaped through a view or a handle; the media is still read by the crash state.
      expect(poolBytes() - before, escape).toBe(escape === 'share' ? 0 : 65536); // one grain written in each memory
      if (view !== null) expect(view[0]).toBe(9); // still the old device's bytes
      if (crashed !== null) {
        expect(crashed.read(4096, 64)).toEqual(bytes(64, 9));
        crashed.close();
      }
    }
  });
});
