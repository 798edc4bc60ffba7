/**
 * Memory: the byte store behind a device's cache or media, and its flat implementation.
 *
 * Interface (Memory):
 *   read(offset, target)        copy bytes out
 *   write(offset, src)          copy bytes in (preserving pages for live snapshots first)
 *   writeFrom(src, offset, n)   the same bytes of another memory copied in (the fence's copy)
 *   peek(offset, length, keep?) zero-copy subarray when possible, else a copy: for reads only;
 *                               `keep`: the caller holds on to it (see below)
 *   view(offset, length)        zero-copy Uint8Array over shared memory (DAX); may not span chunks
 *   snapshot()                  a frozen, copy-before-write image of the current contents
 *   close()                     the owning device closed (an overlay releases its base)
 *
 * ChunkedMemory keeps the bytes in 1 GiB chunks (lazily committed by the OS, so a sparse
 * 16 GiB device costs what it touches). The chunks are *private* ArrayBuffers until the memory
 * is published: the first view() (a DAX view) or handle() (a worker) moves the bytes into
 * SharedArrayBuffers, once, and the memory stays shared from then on. Why: V8 copies to or
 * from shared memory with a relaxed word-by-word loop, and every block the filesystem writes is
 * copied twice (into the cache, then into the media), so private memory makes a 4 KiB write's
 * copies about twice as fast. Nothing can hold a private chunk but this object and peek()
 * subarrays, which is what makes the move safe. Peeks are short-lived, except one a caller
 * keeps (`peek(..., true)`: a mount's checkpoint index); the old chunks go back to the pool
 * unless such a kept peek may still read them.
 *
 * With an image file as its source the memory loads each 1 MiB region on first touch, so
 * opening a 4 GiB image reads nothing up front. The per-region `loaded` and `dirty` flags live
 * in shared memory too, so a worker thread that received the memory via share() agrees on
 * them; loading is claimed with a compare-and-swap, and a thread that finds a region LOADING
 * waits for the loader (a failed load puts the region back to not-loaded, so nobody waits
 * forever).
 *
 * When the device closes its image, detachSource() keeps a read-only descriptor only if live
 * snapshots (crash states, trace bases) may still read regions that were never loaded.
 *
 * Chunks come from and go back to memory-pool.ts (mapped pages are ~50x cheaper to write than
 * fresh ones on a VM). To hand a chunk back zeroed without touching pages it never touched, a
 * memory made by allocate() records which 64 KiB grains it wrote (`touched`). Memory that
 * escaped - shared with a worker (handle()), exposed as a DAX view (view()), or still read by
 * a live snapshot at close - is never pooled: someone may still hold a reference to it.
 *
 * Invariant: a region's bytes are valid only once loaded[region] === LOADED.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { assert } from '../errno/index.js';
import { CHUNK, REGION, eachPiece, eachRun } from './geometry.js';
import * as pool from './memory-pool.js';
import { SnapshotSet, type Snapshot } from './snapshot.js';

export interface Memory {
  readonly size: number;
  read(offset: number, target: Uint8Array): void;
  write(offset: number, src: Uint8Array): void;
  /** write(offset, src.peek(offset, length)), without making a view where that is cheaper. */
  writeFrom(src: Memory, offset: number, length: number): void;
  /** `keep`: the caller holds the bytes beyond the current call (so they are never recycled). */
  peek(offset: number, length: number, keep?: boolean): Uint8Array;
  view(offset: number, length: number): Uint8Array;
  viewable(offset: number, length: number): boolean;
  snapshot(): Snapshot;
  /** Snapshots of this memory still registered: each makes a first write to a page copy it. */
  readonly liveSnapshots: number;
  /** Bytes loaded from an image file so far (0 when there is no file). */
  loadedBytes(): number;
  /** The owning device closed: release what the memory holds (snapshots of it stay readable). */
  close(): void;
}

/** What crosses a postMessage boundary to rebuild the same memory in a worker. */
export interface SharedMemoryHandle {
  size: number;
  chunks: SharedArrayBuffer[];
  flags: SharedArrayBuffer; // Int32 per region: load state | DIRTY bit
  fd: number | null;
}

// Region load states: 0 = not loaded yet, then LOADING, then LOADED.
const LOADING = 1;
const LOADED = 2;
const DIRTY = 4; // or-ed into the region flag: media written since the last write-back
/** Unit of the `touched` record (what close() must zero before pooling a chunk). */
const GRAIN_SHIFT = 16;
/** writeFrom() copies up to this many bytes word by word. */
const SMALL_COPY = 256;

export class ChunkedMemory implements Memory {
  readonly size: number;
  /** The bytes: ArrayBuffers until publish(), SharedArrayBuffers after. */
  private readonly chunks: Uint8Array[];
  private shared: boolean;
  /** A kept peek() may still read a private chunk: publish() must not pool them. */
  private lent = false;
  /** Int32 views of the chunks, for writeFrom(). */
  private readonly words: Array<Int32Array | undefined> = [];
  private readonly flags: Int32Array;
  private fd: number | null;
  /** Loads from a file (so loadedBytes() counts). */
  private readonly lazy: boolean;
  /** Live copy-before-write snapshots (crash states, trace bases). */
  private readonly snapshots = new SnapshotSet();
  /**
   * Per chunk, the 64 KiB grains written so far; null for shared memory (published, shared
   * from the start, or a worker's handle onto another thread's memory): close() pools only
   * memory that has it.
   */
  private touched: Array<Uint8Array | null> | null;

  /**
   * Own memory from allocate() (private chunks, or shared ones), or a worker's handle onto
   * another thread's published memory (shared chunks).
   */
  constructor(handle: { size: number; chunks: Array<ArrayBuffer | SharedArrayBuffer>; flags: SharedArrayBuffer; fd: number | null }) {
    this.size = handle.size;
    this.chunks = handle.chunks.map((b) => new Uint8Array(b));
    this.shared = handle.chunks.every((b) => b instanceof SharedArrayBuffer);
    this.flags = new Int32Array(handle.flags);
    this.fd = handle.fd;
    this.lazy = handle.fd !== null;
    // Only private memory is ever pooled, so only it records what it wrote: shared memory
    // (a worker's handle, or `shared: true`) is as escaped as a published one. Per-chunk
    // records are made on a chunk's first write: opening a 4 GiB image to read one block
    // should not allocate (and fault in) a record for every chunk.
    this.touched = this.shared ? null : this.chunks.map(() => null);
  }

  /**
   * New zeroed memory, or memory that loads itself lazily from `fd`: private until published,
   * or `shared` from the start (fresh SharedArrayBuffers: the pool holds private chunks only).
   */
  static allocate(size: number, fd: number | null, shared = false): ChunkedMemory {
    const chunks: Array<ArrayBuffer | SharedArrayBuffer> = [];
    for (let off = 0; off < size; off += CHUNK) {
      const bytes = Math.min(CHUNK, size - off);
      chunks.push(shared ? new SharedArrayBuffer(bytes) : pool.take(bytes) ?? new ArrayBuffer(bytes));
    }
    const regions = Math.ceil(size / REGION);
    const flags = new SharedArrayBuffer(4 * regions);
    // With no source, everything is already "loaded" (zero).
    if (fd === null) new Int32Array(flags).fill(LOADED);
    return new ChunkedMemory({ size, chunks, flags, fd });
  }

  handle(): SharedMemoryHandle {
    this.publish();
    this.touched = null; // another thread may keep it past close(): never pool it
    return { size: this.size, chunks: this.chunks.map((c) => c.buffer as SharedArrayBuffer), flags: this.flags.buffer as SharedArrayBuffer, fd: this.fd };
  }

  /**
   * Moves the bytes into shared memory (see the file comment), copying only the 64 KiB grains
   * written so far: a fresh shared chunk is all zero, and untouched grains are zero (or not
   * loaded from the file yet, which the shared load flags still say). Runs on the owner's
   * thread before any other thread can see the memory, so nothing races with the copy. The
   * private chunks go back to the pool (a process that maps many devices would otherwise
   * allocate a new one per device) unless a kept peek may still read them.
   */
  private publish(): void {
    if (this.shared) return;
    const touched = this.touched;
    assert(touched !== null, 'private memory is always owned and tracked');
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const old = this.chunks[ci]!;
      const next = new Uint8Array(new SharedArrayBuffer(old.length)); // fresh: all zero
      const grains = touched[ci];
      if (grains !== null && grains !== undefined) {
        eachRun(grains, (g0, g1) => next.set(old.subarray(g0 << GRAIN_SHIFT, Math.min(old.length, g1 << GRAIN_SHIFT)), g0 << GRAIN_SHIFT));
      }
      this.chunks[ci] = next;
      if (!this.lent) pool.give(old.buffer as ArrayBuffer, grains ?? null, 1 << GRAIN_SHIFT);
    }
    this.words.length = 0;
    this.shared = true;
  }

  read(offset: number, target: Uint8Array): void {
    this.ensureLoaded(offset, target.length);
    if (offset + target.length <= CHUNK) {
      target.set(this.chunks[0]!.subarray(offset, offset + target.length));
      return;
    }
    this.readAcross(offset, target);
  }

  write(offset: number, src: Uint8Array): void {
    if (this.fd !== null && src.length >= REGION) this.claimCovered(offset, src.length);
    this.ensureLoaded(offset, src.length);
    if (this.snapshots.live) this.snapshots.preserve(offset, src.length);
    if (offset + src.length <= CHUNK) {
      this.chunks[0]!.set(src, offset);
      if (this.touched !== null) this.touch(0, offset, src.length);
    } else {
      this.writeAcross(offset, src);
    }
  }

  /**
   * Short, word-aligned ranges within a chunk are copied word by word: a typed-array view per
   * copy was a tenth of a 4 KiB write's garbage (the fence copies the record and the commit
   * word's line this way), and a loop of 64 words costs about what the view and set() did.
   */
  writeFrom(src: Memory, offset: number, length: number): void {
    const ci = Math.floor(offset / CHUNK);
    const at = offset - ci * CHUNK;
    if (length > SMALL_COPY || at + length > CHUNK || (at | length) % 4 !== 0 || !(src instanceof ChunkedMemory)) {
      this.write(offset, src.peek(offset, length));
      return;
    }
    src.ensureLoaded(offset, length);
    this.ensureLoaded(offset, length);
    if (this.snapshots.live) this.snapshots.preserve(offset, length);
    const from = src.wordsOf(ci);
    const to = this.wordsOf(ci);
    for (let w = at >>> 2, end = (at + length) >>> 2; w < end; w++) to[w] = from[w]!;
    if (this.touched !== null) this.touch(ci, at, length);
  }

  peek(offset: number, length: number, keep?: boolean): Uint8Array {
    const ci = Math.floor(offset / CHUNK);
    const at = offset - ci * CHUNK;
    if (at + length <= CHUNK) {
      this.ensureLoaded(offset, length);
      if (keep === true) this.lent = true;
      return this.chunks[ci]!.subarray(at, at + length);
    }
    const out = new Uint8Array(length);
    this.read(offset, out);
    return out;
  }

  view(offset: number, length: number): Uint8Array {
    const ci = Math.floor(offset / CHUNK);
    const at = offset - ci * CHUNK;
    assert(at + length <= CHUNK, 'view spans a chunk boundary (caller checks)');
    this.ensureLoaded(offset, length);
    this.publish();
    this.touched = null; // stores through the view are untracked, and it may outlive close()
    return new Uint8Array(this.chunks[ci]!.buffer, at, length);
  }

  /** True when [offset, offset+length) lies inside one chunk, so view() can serve it. */
  viewable(offset: number, length: number): boolean {
    return Math.floor(offset / CHUNK) === Math.floor((offset + Math.max(length, 1) - 1) / CHUNK);
  }

  snapshot(): Snapshot {
    return this.snapshots.take(this);
  }

  get liveSnapshots(): number {
    return this.snapshots.size;
  }

  /**
   * Pools the chunks (zeroing what was written) unless the memory escaped or a live snapshot
   * still reads through it; then the buffers go with their last reference.
   */
  close(): void {
    const touched = this.touched;
    this.touched = null;
    if (touched === null) return;
    this.snapshots.prune();
    if (this.snapshots.live) return;
    // Private chunks only: touched is null for shared memory, published or shared from the start.
    this.chunks.forEach((c, i) => pool.give(c.buffer as ArrayBuffer, touched[i] ?? null, 1 << GRAIN_SHIFT));
    // A use after close now fails loudly instead of writing into the next device's memory.
    this.chunks.length = 0;
    this.words.length = 0;
  }

  loadedBytes(): number {
    if (!this.lazy) return 0;
    let n = 0;
    for (let r = 0; r < this.flags.length; r++) {
      if ((Atomics.load(this.flags, r) & 3) === LOADED) n += Math.min(REGION, this.size - r * REGION);
    }
    return n;
  }

  /**
   * The owner is closing the image (its fd is about to be closed). Live snapshots may still
   * read regions never loaded: they get a private read-only descriptor to `path`, closed when
   * this memory is garbage-collected. Otherwise lazy loading stops here.
   */
  detachSource(path: string | null): void {
    if (this.fd === null) return;
    this.fd = null;
    if (path === null || !this.snapshots.live || !this.hasUnloaded()) return;
    const fd = openSync(path, 'r');
    this.fd = fd;
    readOnlyFds.register(this, fd);
  }

  private hasUnloaded(): boolean {
    for (let r = 0; r < this.flags.length; r++) if ((Atomics.load(this.flags, r) & 3) !== LOADED) return true;
    return false;
  }

  // --- write-back bookkeeping (media only) -------------------------------------------------

  markDirty(offset: number, length: number): void {
    const last = regionOf(offset + Math.max(length, 1) - 1);
    for (let r = regionOf(offset); r <= last; r++) {
      if ((Atomics.load(this.flags, r) & DIRTY) === 0) Atomics.or(this.flags, r, DIRTY);
    }
  }

  /** Calls fn for each dirty region (clearing its bit) - the write-back at close. */
  takeDirty(fn: (offset: number, bytes: Uint8Array) => void): void {
    for (let r = 0; r < this.flags.length; r++) {
      if ((Atomics.load(this.flags, r) & DIRTY) === 0) continue;
      Atomics.and(this.flags, r, ~DIRTY);
      const off = r * REGION;
      fn(off, this.peek(off, Math.min(REGION, this.size - off)));
    }
  }

  // --- internals --------------------------------------------------------------------------

  /** Chunk ci as 32-bit words (made once per chunk). */
  private wordsOf(ci: number): Int32Array {
    return (this.words[ci] ??= new Int32Array(this.chunks[ci]!.buffer));
  }

  /** Records that [at, at+n) of chunk ci may be non-zero. */
  private touch(ci: number, at: number, n: number): void {
    const t = (this.touched![ci] ??= new Uint8Array(Math.ceil(this.chunks[ci]!.length / (1 << GRAIN_SHIFT))));
    const last = (at + n - 1) >>> GRAIN_SHIFT;
    for (let g = at >>> GRAIN_SHIFT; g <= last; g++) t[g] = 1;
  }

  // The piecewise paths of read() and write() live apart from the fast paths: a closure in
  // read()/write() would make V8 allocate a context on every call, fast path or not.

  private readAcross(offset: number, target: Uint8Array): void {
    eachPiece(offset, target.length, CHUNK, (ci, at, pos, n) => target.set(this.chunks[ci]!.subarray(at, at + n), pos));
  }

  private writeAcross(offset: number, src: Uint8Array): void {
    eachPiece(offset, src.length, CHUNK, (ci, at, pos, n) => {
      this.chunks[ci]!.set(src.subarray(pos, pos + n), at);
      if (this.touched !== null) this.touch(ci, at, n);
    });
  }




  /**
   * Regions a store covers whole need not be read from the file first: they are claimed as
   * loaded (from exactly not-loaded, so a concurrent loader wins) and the store fills them.
   * Not while a snapshot lives: it must keep the old bytes, which are in the file.
   */
  private claimCovered(offset: number, length: number): void {
    this.snapshots.prune();
    if (this.snapshots.live) return;
    const end = Math.floor((offset + length) / REGION);
    for (let r = Math.ceil(offset / REGION); r < end; r++) Atomics.compareExchange(this.flags, r, 0, LOADED);
  }

  /** Loads every region of the range from the image file that is not loaded yet. */
  ensureLoaded(offset: number, length: number): void {
    if (this.fd === null) return;
    const last = regionOf(offset + Math.max(length, 1) - 1);
    for (let r = regionOf(offset); r <= last; r++) {
      if ((Atomics.load(this.flags, r) & 3) === LOADED) continue;
      this.loadRegion(r);
    }
  }

  private loadRegion(r: number): void {
    for (;;) {
      const f = Atomics.load(this.flags, r);
      const state = f & 3;
      if (state === LOADED) return;
      if (state === LOADING) {
        Atomics.wait(this.flags, r, f, 10);
        continue;
      }
      if (Atomics.compareExchange(this.flags, r, f, (f & ~3) | LOADING) !== f) continue;
      try {
        this.readRegion(r);
      } catch (e) {
        Atomics.and(this.flags, r, ~3); // back to not-loaded: another toucher may retry
        Atomics.notify(this.flags, r);
        throw e;
      }
      // LOADING (1) -> LOADED (2) without losing a concurrent change to the other bits.
      Atomics.xor(this.flags, r, LOADING | LOADED);
      Atomics.notify(this.flags, r);
      return;
    }
  }

  private readRegion(r: number): void {
    const off = r * REGION;
    const n = Math.min(REGION, this.size - off);
    const ci = Math.floor(off / CHUNK);
    const target = this.chunks[ci]!.subarray(off - ci * CHUNK, off - ci * CHUNK + n);
    if (this.touched !== null) this.touch(ci, off - ci * CHUNK, n);
    let done = 0;
    while (done < n) {
      const got = readSync(this.fd!, target, done, n - done, off + done);
      if (got === 0) break; // past the end of a short file: stays zero
      done += got;
    }
  }
}

/** Region index of a byte offset. Not `>>`: offsets pass 2^31 on devices over 2 GiB. */
function regionOf(offset: number): number {
  return Math.floor(offset / REGION);
}

/** Descriptors opened by detachSource(), closed when their memory is collected. */
const readOnlyFds = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
});
