/**
 * Snapshots and copy-on-write overlays (crash states): isolation, cost, and DAX views on a
 * crash state, which promote one 1 GiB chunk, never the whole device.
 */
import { describe, expect, it } from 'vitest';
import { CHUNK, PmemDevice } from '../../src/index.js';
import { ChunkedMemory } from '../../src/pmem/memory.js';
import { OverlayMemory } from '../../src/pmem/snapshot.js';

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('overlays', () => {
  it('a crash state of a device over 4 GiB can hand out a view (one chunk is promoted)', () => {
    const size = 4 * CHUNK + 64 * 1024;
    const dev = PmemDevice.create({ size });
    dev.write(4 * CHUNK + 8, bytes(8, 1));
    dev.persist(4 * CHUNK + 8, 8);
    const c = dev.crash({ kind: 'strict' });
    const v = c.view(4 * CHUNK, 4096);
    expect(v.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(v.subarray(8, 16)).toEqual(bytes(8, 1));
    v.fill(2, 0, 8);
    expect(c.read(4 * CHUNK, 16)).toEqual(new Uint8Array([...bytes(8, 2), ...bytes(8, 1)]));
    expect(c.crash({ kind: 'strict' }).read(4 * CHUNK, 8)).toEqual(bytes(8, 0)); // a view store, unflushed
    c.persist(4 * CHUNK, 8);
    expect(c.crash({ kind: 'strict' }).read(4 * CHUNK, 8)).toEqual(bytes(8, 2));
    expect(() => c.view(4 * CHUNK - 64, 128)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(dev.read(4 * CHUNK, 8)).toEqual(bytes(8, 0)); // the crash state is private
  });

  it('promotion copies one chunk and keeps the private pages it already had', () => {
    const base = ChunkedMemory.allocate(2 * 1024 * 1024, null);
    base.write(0, bytes(16, 3));
    const o = new OverlayMemory(base.snapshot());
    o.write(4096, bytes(8, 4)); // a private page
    expect(o.privatePages).toBe(1);
    const v = o.view(0, 8192);
    expect(o.privatePages).toBe(512); // the whole (2 MiB) chunk, and nothing else
    expect(v.subarray(0, 16)).toEqual(bytes(16, 3));
    expect(v.subarray(4096, 4104)).toEqual(bytes(8, 4));
    base.write(0, bytes(16, 9)); // the base moves on; the overlay does not
    expect(o.peek(0, 16)).toEqual(bytes(16, 3));
  });

  it('snapshots of one memory share the preserved copy of a page', () => {
    const mem = ChunkedMemory.allocate(1 << 20, null);
    mem.write(0, bytes(8, 1));
    const a = mem.snapshot();
    const b = mem.snapshot();
    mem.write(0, bytes(8, 2));
    const ra = new Uint8Array(8);
    const rb = new Uint8Array(8);
    a.read(0, ra);
    b.read(0, rb);
    expect(ra).toEqual(bytes(8, 1));
    expect(rb).toEqual(bytes(8, 1));
    expect(a.preservedPages).toBe(1);
    expect(b.preservedPages).toBe(1);
  });
});
