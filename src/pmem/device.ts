/**
 * PmemDevice: an emulated persistent-memory device with x86 persistence semantics.
 *
 * Interface (names fixed by issue #2):
 *   PmemDevice.create({ size, mode?, file?, durability?, overwrite?, shared? }) / .open(file, opts) / .attach(shared)
 *   read / readInto / write (cached store) / ntstore / flush / fence (= drain) / persist
 *   peek(offset, length)  zero-copy read-only bytes of the cache where possible
 *   view(offset, length)  zero-copy Uint8Array over the cache (DAX; makes the memory shared)
 *   crash(policy)         a new in-memory device holding one post-crash media state
 *   startTrace / stopTrace, label(text), stats, loadedBytes, share(), close()
 *
 * Model (docs/DESIGN.md, "The persistence model"): two memories. The *cache* is what every
 * reader sees; the *media* is what survives a crash. A store writes the cache and marks its
 * lines dirty. flush stages the lines, as they are at that moment, in this handle's
 * write-pending queue; fence writes the staged lines to the media (and, with durability
 * 'fence', to the image file), which is the moment they become durable. ntstore writes the
 * cache and stages exactly its own bytes. In eADR mode the caches are inside the persistence
 * domain: a store writes both memories at once and flush/fence order nothing.
 *
 * Staging is copy-on-store (write-pending-queue.ts): flush and ntstore record ranges, and the
 * fence copies them from the cache, so write+flush+fence costs the two copies a persist does.
 * A later store *through the device* (write, ntstore, loadDurable) to a staged line first
 * copies that line aside, so what the fence makes durable is exactly what was staged. While a
 * trace runs, flush and ntstore stage their own copies (the trace needs them anyway).
 *
 * Stores through a view() go straight into the cache and are INVISIBLE to the device until a
 * flush covers their lines: flush stages (and the trace records) whatever the lines hold then.
 * They cannot be intercepted, so a view store made after a flush and before the fence, to a
 * flushed line, may become durable at that fence (legal on hardware: a line may be written back
 * at any time). The same holds for a store made by another thread (an attached handle) to a
 * line this handle flushed. While a trace runs it does not (the flush staged a copy): the trace
 * and the device agree.
 *
 * Pending-line tracking is per thread, like SFENCE: a fence makes durable what *this* handle
 * flushed. A worker attached with attach(share()) has its own queue and stats but the same
 * cache, media and image file. When the owner closes, attached handles fail with EBADF.
 * A crash() state is isolated from later stores made through *this* handle; take crash states
 * while no other thread is storing to the device.
 */
import { fdatasyncSync } from 'node:fs';
import { fsError } from '../errno/index.js';
import { type CrashPolicy, chooseCrashLines } from './crash-policy.js';
import { LINE, checkDeviceSize, checkRange, endLine, firstLine } from './geometry.js';
import { type Durability, ImageFile, writeFileAt } from './image-file.js';
import { ChunkedMemory, type Memory, type SharedMemoryHandle } from './memory.js';
import { OverlayMemory, type ByteSource } from './snapshot.js';
import type { Trace, TraceEvent } from './trace.js';
import { WritePendingQueue } from './write-pending-queue.js';

export type PmemMode = 'adr' | 'eadr';

export interface CreateOptions {
  size: number;
  mode?: PmemMode;
  file?: string;
  durability?: Durability;
  /** Replace an existing image file (default: EEXIST). */
  overwrite?: boolean;
  /** Start in shared memory (see SHARED_DOC below). Default false. */
  shared?: boolean;
}

export interface OpenOptions {
  mode?: PmemMode;
  durability?: Durability;
  /**
   * Open the image for reading only: stores and fences work in memory, as on any device, but
   * nothing is ever written to the file (not at fences, not at close). Needs only read access,
   * takes no lock, and refuses (EBUSY) an image a live process has open for writing.
   */
  readOnly?: boolean;
  /** Start in shared memory (see SHARED_DOC below). Default false. */
  shared?: boolean;
}

/*
 * SHARED_DOC. Device memory is private (an ArrayBuffer) until the first view() or share()
 * publishes it: that copies every byte written so far into shared memory, once (memory.ts).
 * Private memory makes stores and fences about twice as fast, but the copy is a pause at the
 * first DAX mapping that grows with what was written (0.9-1.3 s per 256 MiB on this VM, mostly
 * page faults). `shared: true` starts shared: no pause, slower stores, and the memory is not
 * pooled when the device closes.
 */

export interface DeviceStats {
  stores: number;
  bytesStored: number;
  linesFlushed: number;
  fences: number;
  bytesDurable: number;
}

/** What share() returns: post it to a worker and call PmemDevice.attach() there. */
export interface SharedDevice {
  kind: 'pmem-shared';
  mode: PmemMode;
  durability: Durability;
  cache: SharedMemoryHandle;
  media: SharedMemoryHandle;
  file: { path: string; fd: number } | null;
  /** The image file is open for reading only: fences never write it. */
  readOnly: boolean;
  /** Int32[1]: 0 while the owner has the device open, 1 once it closed it. */
  life: SharedArrayBuffer;
}

interface Parts {
  size: number;
  mode: PmemMode;
  durability: Durability;
  cache: Memory;
  media: Memory;
  image: ImageFile | null;
  shared: SharedDevice['file'];
  readOnly: boolean;
  owner: boolean;
  /** Shared with workers, except a crash state's (never shared: a plain buffer is cheaper). */
  life: SharedArrayBuffer | ArrayBuffer;
}

export class PmemDevice {
  readonly size: number;
  readonly mode: PmemMode;
  readonly durability: Durability;
  readonly file: string | null;
  /** Opened with readOnly: the image file is never written. */
  readonly readOnly: boolean;
  readonly stats: DeviceStats = { stores: 0, bytesStored: 0, linesFlushed: 0, fences: 0, bytesDurable: 0 };

  private readonly cache: Memory;
  private readonly media: Memory;
  private readonly image: ImageFile | null;
  private readonly sharedFile: SharedDevice['file'];
  private readonly owner: boolean;
  private readonly life: Int32Array;
  /** This handle's stores that are not durable yet, and its staged write-backs (ADR only). */
  private readonly wpq: WritePendingQueue;
  /** The fence's sink, made once (no closure per fence). */
  private readonly writeMedia = (offset: number, bytes: Uint8Array): void => this.toMedia(offset, bytes);
  private readonly cacheToMedia = (offset: number, length: number): void => this.fromCache(offset, length);
  /**
   * Where durable bytes go besides the media, fixed at construction (checked at every fence):
   * to the image file at once (durability 'fence' and 'fence-sync'), or marked for the
   * write-back at close (durability 'close'). Neither for a read-only image or no image.
   */
  private readonly writesThrough: boolean;
  private readonly writesBack: boolean;
  /** The image file was written since the last fdatasync (durability 'fence-sync'). */
  private unsynced = false;
  private trace: { events: TraceEvent[]; base: Trace['base'] } | null = null;
  private closed = false;

  private constructor(p: Parts) {
    this.size = p.size;
    this.mode = p.mode;
    this.durability = p.durability;
    this.cache = p.cache;
    this.media = p.media;
    this.image = p.image;
    this.sharedFile = p.shared;
    this.readOnly = p.readOnly;
    const toFile = p.shared !== null && !p.readOnly;
    this.writesThrough = toFile && p.durability !== 'close';
    this.writesBack = toFile && p.durability === 'close';
    this.owner = p.owner;
    this.life = new Int32Array(p.life);
    this.file = p.shared?.path ?? null;
    this.wpq = new WritePendingQueue(p.size, p.cache);
  }

  // --- construction ------------------------------------------------------------------------

  static create(opts: CreateOptions): PmemDevice {
    checkDeviceSize('pmem_create', opts.size);
    const mode = checkMode(opts.mode);
    const durability = checkDurability(opts.durability);
    // A new image is all zeros: no need to load anything from it.
    const image = opts.file === undefined ? null : ImageFile.create(opts.file, opts.size, opts.overwrite === true);
    const shared = opts.shared === true;
    return new PmemDevice({
      size: opts.size, mode, durability, owner: true, image, shared: image === null ? null : { path: image.path, fd: image.fd }, readOnly: false, life: newLife(),
      cache: ChunkedMemory.allocate(opts.size, null, shared), media: ChunkedMemory.allocate(opts.size, null, shared),
    });
  }

  static open(file: string, opts: OpenOptions = {}): PmemDevice {
    const mode = checkMode(opts.mode);
    const durability = checkDurability(opts.durability);
    const readOnly = opts.readOnly === true;
    const image = ImageFile.open(file, readOnly);
    const shared = opts.shared === true;
    return new PmemDevice({
      size: image.size, mode, durability, owner: true, image, shared: { path: image.path, fd: image.fd }, readOnly, life: newLife(),
      cache: ChunkedMemory.allocate(image.size, image.fd, shared), media: ChunkedMemory.allocate(image.size, image.fd, shared),
    });
  }

  /** In a worker: the same device as the one share() was called on. */
  static attach(shared: SharedDevice): PmemDevice {
    if (shared?.kind !== 'pmem-shared' || !(shared.life instanceof SharedArrayBuffer)) {
      throw fsError('EINVAL', 'pmem_attach', { detail: 'not a shared device handle (from share() of this version)' });
    }
    return new PmemDevice({
      size: shared.cache.size, mode: shared.mode, durability: shared.durability, owner: false,
      image: null, shared: shared.file, readOnly: shared.readOnly === true, life: shared.life,
      cache: new ChunkedMemory(shared.cache), media: new ChunkedMemory(shared.media),
    });
  }

  /**
   * A device over a read-only base (a snapshot): crash states are these. `release`, if given,
   * is called once the device is closed and nothing reads through its memories any more (crash
   * states pass their private snapshot's release, so closing one stops the parent device from
   * copying pages into it). A shared base (a trace's) is not released.
   */
  static overlay(base: ByteSource, mode: PmemMode, release: (() => void) | null = null): PmemDevice {
    let holders = 2; // the cache and the media overlay
    const done = release === null ? null : (): void => {
      if (--holders === 0) release();
    };
    return new PmemDevice({
      size: base.size, mode, durability: 'close', owner: true, image: null, shared: null, readOnly: false, life: new ArrayBuffer(4),
      cache: new OverlayMemory(base, done), media: new OverlayMemory(base, done),
    });
  }

  share(): SharedDevice {
    this.checkOpen('pmem_share');
    if (!(this.cache instanceof ChunkedMemory) || !(this.media instanceof ChunkedMemory)) {
      throw fsError('EINVAL', 'pmem_share', { detail: 'a crash-state device cannot be shared with workers' });
    }
    return { kind: 'pmem-shared', mode: this.mode, durability: this.durability, cache: this.cache.handle(), media: this.media.handle(), file: this.sharedFile, readOnly: this.readOnly, life: this.life.buffer as SharedArrayBuffer };
  }

  // --- loads and stores --------------------------------------------------------------------

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.readInto(offset, out);
    return out;
  }

  readInto(offset: number, target: Uint8Array): void {
    this.checkOpen('pmem_read');
    checkRange('pmem_read', this.size, offset, target.length);
    this.cache.read(offset, target);
  }

  /**
   * The cache's bytes without a copy where one piece of memory holds them (else a copy): for
   * reading only, and valid until the range is next stored to. Unlike view() it does not make
   * the memory shared (see memory.ts), so a mount can read a large checkpoint in place.
   */
  peek(offset: number, length: number): Uint8Array {
    this.checkOpen('pmem_read');
    checkRange('pmem_read', this.size, offset, length);
    return this.cache.peek(offset, length, true);
  }

  /** A cached store: visible at once, durable only after flush + fence (ADR). */
  write(offset: number, bytes: Uint8Array): void {
    this.checkOpen('pmem_write');
    checkRange('pmem_write', this.size, offset, bytes.length);
    if (bytes.length === 0) return;
    if (this.trace !== null) this.trace.events.push({ kind: 'store', offset, data: bytes.slice() });
    // Bookkeeping first: a line still staged by a flush must be copied aside before the store.
    if (this.mode === 'adr') this.wpq.stored(firstLine(offset), endLine(offset, bytes.length));
    this.cache.write(offset, bytes);
    this.stats.stores++;
    this.stats.bytesStored += bytes.length;
    if (this.mode === 'eadr') this.toMedia(offset, bytes);
  }

  /**
   * A non-temporal store: bypasses the cache, durable at the next fence without a flush.
   * Only these bytes: earlier unflushed stores to the same lines stay pending. Nothing is
   * copied but the store itself: the fence reads the bytes back from the cache (the caller may
   * reuse its buffer at once), unless a store through the device overwrites them first.
   */
  ntstore(offset: number, bytes: Uint8Array): void {
    this.checkOpen('pmem_ntstore');
    checkRange('pmem_ntstore', this.size, offset, bytes.length);
    if (bytes.length === 0) return;
    let copy: Uint8Array | null = null;
    if (this.trace !== null) this.trace.events.push({ kind: 'ntstore', offset, data: (copy = bytes.slice()) });
    this.cache.write(offset, bytes);
    this.stats.stores++;
    this.stats.bytesStored += bytes.length;
    if (this.mode === 'eadr') return this.toMedia(offset, bytes);
    this.wpq.ntStored(offset, bytes, copy);
  }

  /**
   * CLWB over every line touching the range: the lines are queued for write-back with their
   * contents as of now. Stores made later through the device are not included (they stay
   * pending); stores made later through a view may be (see the class comment).
   */
  flush(offset: number, length: number): void {
    this.checkOpen('pmem_flush');
    checkRange('pmem_flush', this.size, offset, length);
    if (length === 0) return;
    const l0 = firstLine(offset);
    const l1 = endLine(offset, length);
    const off = l0 * LINE;
    this.stats.linesFlushed += l1 - l0;
    if (this.mode === 'eadr') {
      // Nothing to order; but stores made through views become known (and durable) here.
      const now = this.cache.peek(off, (l1 - l0) * LINE);
      if (this.trace !== null) this.trace.events.push({ kind: 'flush', offset: off, data: now.slice() });
      return this.toMedia(off, now);
    }
    let copy: Uint8Array | null = null; // staged lazily, unless the trace copies anyway
    if (this.trace !== null) this.trace.events.push({ kind: 'flush', offset: off, data: (copy = this.cache.peek(off, (l1 - l0) * LINE).slice()) });
    this.wpq.flushed(l0, l1, copy);
  }

  /** SFENCE: every line this handle flushed (or nt-stored) is durable once it returns. */
  fence(): void {
    this.checkOpen('pmem_fence');
    this.stats.fences++;
    if (this.trace !== null) this.trace.events.push({ kind: 'fence' });
    // COMMIT POINT (of whatever this handle flushed or nt-stored): before it a crash may keep
    // any in-order prefix of those lines' stores; after it every staged write-back is media.
    this.wpq.drain(this.writeMedia, this.cacheToMedia);
    this.syncIfNeeded();
  }

  drain(): void {
    this.fence();
  }

  /** flush + fence (libpmem's pmem_persist). Nothing runs between the two, so nothing is staged. */
  persist(offset: number, length: number): void {
    if (this.mode === 'eadr' || length === 0) {
      this.flush(offset, length);
      return this.fence();
    }
    this.checkOpen('pmem_persist');
    checkRange('pmem_persist', this.size, offset, length);
    const l0 = firstLine(offset);
    const l1 = endLine(offset, length);
    const off = l0 * LINE;
    const len = (l1 - l0) * LINE;
    this.stats.linesFlushed += l1 - l0;
    this.stats.fences++;
    if (this.trace !== null) this.trace.events.push({ kind: 'flush', offset: off, data: this.cache.peek(off, len).slice() }, { kind: 'fence' });
    // COMMIT POINT: as fence(); earlier staged write-backs first, in program order.
    this.wpq.drain(this.writeMedia, this.cacheToMedia);
    this.fromCache(off, len);
    this.wpq.cleaned(l0, l1);
    this.syncIfNeeded();
  }

  /**
   * A zero-copy view of the cache (DAX). Stores through it are invisible to the device until a
   * flush covers them; one made after a flush of its line and before the fence may become
   * durable at that fence. A view cannot span a 1 GiB chunk boundary (EINVAL).
   */
  view(offset: number, length: number): Uint8Array {
    this.checkOpen('pmem_view');
    checkRange('pmem_view', this.size, offset, length);
    if (!this.cache.viewable(offset, length)) {
      throw fsError('EINVAL', 'pmem_view', { detail: `range ${offset}+${length} spans a 1 GiB chunk boundary` });
    }
    return this.cache.view(offset, length);
  }

  /** True when view() can serve the range as one piece. */
  viewable(offset: number, length: number): boolean {
    return this.cache.viewable(offset, length);
  }

  // --- crash states ------------------------------------------------------------------------

  /**
   * A new in-memory device holding one post-crash media state. This device is unaffected. Until
   * the crash state is closed (or collected), each first write to a page of this device's media
   * copies the page for it: close crash states when done with them.
   */
  crash(policy: CrashPolicy = { kind: 'strict' }): PmemDevice {
    this.checkOpen('pmem_crash');
    const snap = this.media.snapshot();
    const dev = PmemDevice.overlay(snap, this.mode, () => snap.release());
    const chosen = chooseCrashLines(policy, this.pendingLines(), (line) => this.lineBytes(this.media, line), (line) => this.lineBytes(this.cache, line));
    for (const [line, bytes] of chosen) dev.loadDurable(line * LINE, bytes);
    return dev;
  }

  /**
   * Sets bytes as already durable (cache and media alike), bypassing the persistence model:
   * only for building crash states and images, never on a path the model must observe.
   */
  loadDurable(offset: number, bytes: Uint8Array): void {
    this.checkOpen('pmem_load');
    checkRange('pmem_load', this.size, offset, bytes.length);
    if (bytes.length === 0) return;
    if (this.mode === 'adr') this.wpq.overwriting(firstLine(offset), endLine(offset, bytes.length));
    this.cache.write(offset, bytes);
    this.media.write(offset, bytes);
  }

  /** Lines with stores that are not yet durable (this handle's knowledge), ascending. */
  pendingLines(): number[] {
    return this.wpq.pending();
  }

  /** The durable contents of [offset, offset+length): what a strict crash would keep. */
  readDurable(offset: number, length: number): Uint8Array {
    this.checkOpen('pmem_read');
    checkRange('pmem_read', this.size, offset, length);
    const out = new Uint8Array(length);
    this.media.read(offset, out);
    return out;
  }

  // --- tracing -----------------------------------------------------------------------------

  startTrace(): void {
    this.checkOpen('pmem_trace');
    const base = this.media.snapshot();
    // What is pending now enters the trace first: staged write-backs in order, then the
    // current contents of lines stored to since their last flush.
    const events: TraceEvent[] = [];
    for (const s of this.wpq.materialize()) {
      if (s.kind === 'nt') events.push({ kind: 'ntstore', offset: s.offset, data: s.bytes });
      else events.push({ kind: 'store', offset: s.offset, data: s.bytes }, { kind: 'flush', offset: s.offset, data: s.bytes });
    }
    for (const line of this.pendingLines()) {
      if (this.wpq.isDirty(line)) events.push({ kind: 'store', offset: line * LINE, data: this.lineBytes(this.cache, line) });
    }
    this.trace = { events, base };
  }

  stopTrace(): Trace {
    if (this.trace === null) throw fsError('EINVAL', 'pmem_trace', { detail: 'no trace is running' });
    const t: Trace = { size: this.size, mode: this.mode, base: this.trace.base, events: this.trace.events };
    this.trace = null;
    return t;
  }

  get tracing(): boolean {
    return this.trace !== null;
  }

  /** A caller label in the trace (the filesystem names its operations). No-op when not tracing. */
  label(text: string): void {
    if (this.trace !== null) this.trace.events.push({ kind: 'label', text });
  }

  // --- lifecycle ---------------------------------------------------------------------------

  /**
   * Bytes read from the image file into memory so far (the cache and the media copy each count,
   * 1 MiB regions, loaded on first touch). 0 for in-memory devices. Opening an image reads
   * nothing up front; reading one block loads one region.
   */
  get loadedBytes(): number {
    return this.cache.loadedBytes() + this.media.loadedBytes();
  }

  /**
   * Snapshots of the media still alive: crash states not closed yet and trace bases. Each makes
   * the first later write to a page of the media copy that page for it.
   */
  get liveSnapshots(): number {
    return this.media.liveSnapshots;
  }

  /**
   * Writes what is durable to the image file (durability 'close'), syncs it (unless 'fence'),
   * and releases it. Attached worker handles fail with EBADF from then on. Crash states taken
   * earlier stay readable. A crash state's close() releases its snapshot of the device it came
   * from (once no crash state of its own still reads through it).
   */
  close(): void {
    if (this.closed) return;
    try {
      if (this.owner && this.image !== null && !this.readOnly) this.writeBack(this.image);
    } finally {
      this.closed = true;
      this.wpq.release();
      if (this.owner) {
        Atomics.store(this.life, 0, 1);
        this.releaseImage();
        this.cache.close();
        this.media.close();
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // --- internals ---------------------------------------------------------------------------

  private toMedia(offset: number, bytes: Uint8Array): void {
    this.media.write(offset, bytes);
    this.wroteMedia(offset, bytes.length);
    if (this.writesThrough) {
      writeFileAt(this.sharedFile!.fd, offset, bytes);
      this.unsynced = true;
    }
  }

  /** The cache's bytes [offset, offset+length) become durable (a lazily staged write-back). */
  private fromCache(offset: number, length: number): void {
    // Writing through to the image file needs the bytes as an array; otherwise the memories
    // copy between themselves (short ranges without a view: see ChunkedMemory.writeFrom).
    if (this.writesThrough) return this.toMedia(offset, this.cache.peek(offset, length));
    this.media.writeFrom(this.cache, offset, length);
    this.wroteMedia(offset, length);
  }

  /** Bookkeeping of bytes just written to the media: stats, and what close() writes back. */
  private wroteMedia(offset: number, length: number): void {
    this.stats.bytesDurable += length;
    if (this.writesBack) (this.media as ChunkedMemory).markDirty(offset, length);
  }

  /** 'fence-sync': a fence is not done until what it wrote is on the host's disk (eADR too). */
  private syncIfNeeded(): void {
    if (this.durability !== 'fence-sync' || !this.unsynced || this.sharedFile === null) return;
    fdatasyncSync(this.sharedFile.fd);
    this.unsynced = false;
  }

  private writeBack(image: ImageFile): void {
    if (this.durability === 'close' && this.media instanceof ChunkedMemory) {
      this.media.takeDirty((off, bytes) => writeFileAt(image.fd, off, bytes));
    }
    if (this.durability !== 'fence') image.sync();
  }

  /** Close the image; live crash states of the media keep a read-only way to its bytes. */
  private releaseImage(): void {
    if (this.image === null) return;
    if (this.media instanceof ChunkedMemory) this.media.detachSource(this.image.path);
    if (this.cache instanceof ChunkedMemory) this.cache.detachSource(null);
    this.image.close();
  }

  private lineBytes(m: Memory, line: number): Uint8Array {
    const out = new Uint8Array(LINE);
    m.read(line * LINE, out);
    return out;
  }

  /**
   * Every load, store, flush and fence starts here. Only the owner's close() sets `life`, and it
   * sets its own `closed` first, so only attached handles read the shared word (an atomic load
   * is a builtin call, about 1% of a 4 KiB write at seven device calls per write).
   */
  private checkOpen(op: string): void {
    if (this.closed || (!this.owner && Atomics.load(this.life, 0) !== 0)) throw fsError('EBADF', op, { detail: 'device is closed' });
  }
}

function newLife(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

function checkMode(mode: unknown): PmemMode {
  if (mode === undefined || mode === 'adr' || mode === 'eadr') return mode ?? 'adr';
  throw fsError('EINVAL', 'pmem_create', { detail: `mode must be 'adr' or 'eadr', not ${JSON.stringify(mode)}` });
}

function checkDurability(d: unknown): Durability {
  if (d === undefined || d === 'fence' || d === 'fence-sync' || d === 'close') return d ?? 'fence';
  throw fsError('EINVAL', 'pmem_create', { detail: `durability must be 'fence', 'fence-sync' or 'close', not ${JSON.stringify(d)}` });
}
