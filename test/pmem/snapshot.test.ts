/**
 * Snapshots and copy-on-write overlays (crash states): isolation, cost, DAX views on a crash
 * state, which promote one 1 GiB chunk, never the whole device, and the release of a crash
 * state's snapshot when it is closed (so the live device stops copying pages for it).
 */
import { describe, expect, it } from 'vitest';
import { CHUNK, PmemDevice, TraceReplay } from '../../src/index.js';
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

describe('releasing snapshots', () => {
  const MiB = 1 << 20;

  it("closing an overlay releases its base snapshot: the memory's later writes preserve nothing for it", () => {
    const mem = ChunkedMemory.allocate(MiB, null);
    const keep = mem.snapshot(); // a control that stays alive
    const snap = mem.snapshot();
    const o = new OverlayMemory(snap, () => snap.release());
    o.write(0, bytes(8, 5));
    mem.write(0, bytes(8, 1));
    expect(snap.preservedPages).toBe(1);
    expect(mem.liveSnapshots).toBe(2);
    o.close();
    expect(snap.released).toBe(true);
    expect(o.privatePages).toBe(0); // its private pages are dropped too
    expect(mem.liveSnapshots).toBe(1);
    mem.write(8192, bytes(8, 2));
    mem.write(16384, bytes(8, 2));
    expect(snap.preservedPages).toBe(0);
    expect(keep.preservedPages).toBe(3);
  });

  it('a closed crash state no longer costs the device: 500 crash states closed in one job leave none live', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(64, 1));
    dev.persist(0, 64);
    expect(dev.liveSnapshots).toBe(0);
    const kept = dev.crash({ kind: 'strict' });
    for (let i = 0; i < 500; i++) dev.crash({ kind: 'all' }).close();
    expect(dev.liveSnapshots).toBe(1); // only the one still open
    dev.write(0, bytes(64, 2));
    dev.persist(0, 64);
    expect(kept.read(0, 64)).toEqual(bytes(64, 1));
    kept.close();
    expect(dev.liveSnapshots).toBe(0);
    expect(() => kept.read(0, 1)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('a crash state closed while a crash state of it is alive keeps its snapshot until that one closes', () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.write(0, bytes(8, 1));
    dev.persist(0, 8);
    const c = dev.crash({ kind: 'strict' });
    c.write(8, bytes(8, 2));
    c.persist(8, 8);
    const cc = c.crash({ kind: 'strict' });
    c.close();
    expect(dev.liveSnapshots).toBe(1); // cc still reads through c
    dev.write(0, bytes(16, 9));
    dev.persist(0, 16);
    expect(cc.read(0, 16)).toEqual(new Uint8Array([...bytes(8, 1), ...bytes(8, 2)]));
    cc.close();
    expect(dev.liveSnapshots).toBe(0);
  });

  it("closing a state materialized from a trace does not release the trace's base", () => {
    const dev = PmemDevice.create({ size: MiB });
    dev.startTrace();
    dev.write(0, bytes(8, 1));
    dev.persist(0, 8);
    const trace = dev.stopTrace();
    expect(dev.liveSnapshots).toBe(1); // the trace's base
    const r = new TraceReplay(trace);
    const [s] = [...r.states(r.points('fence').at(-1)!, { kind: 'strict' })];
    r.materialize(s!).close();
    expect(dev.liveSnapshots).toBe(1);
    expect(r.materialize(s!).read(0, 8)).toEqual(bytes(8, 1));
    trace.base.release();
    expect(dev.liveSnapshots).toBe(0);
  });
});
