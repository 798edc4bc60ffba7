/**
 * PmemDevice: an emulated persistent-memory device with x86 persistence semantics.
 *
 * Interface (names fixed by issue #2):
 *   PmemDevice.create({ size, mode?, file?, durability?, overwrite? }) / .open(file, opts) / .attach(shared)
 *   read / readInto / write (cached store) / ntstore / flush / fence (= drain) / persist
 *   view(offset, length)  zero-copy Uint8Array over the cache (DAX)
 *   crash(policy)         a new in-memory device holding one post-crash media state
 *   startTrace / stopTrace, label(text), stats, share(), close()
 *
 * Model (docs/DESIGN.md, "The persistence model"): two memories. The *cache* is what every
 * reader sees; the *media* is what survives a crash. A store writes the cache and marks its
 * lines dirty. flush queues lines for write-back; fence copies the queued lines from the cache
 * to the media (and, with durability 'fence', to the image file), which is the moment they
 * become durable. ntstore = store + queue. In eADR mode the caches are inside the persistence
 * domain: a store writes both memories at once and flush/fence order nothing.
 *
 * Stores through a view() go straight into the cache and are INVISIBLE to the device until a
 * flush covers their lines: flush queues (and the trace records) whatever the lines hold then.
 *
 * Pending-line tracking is per thread, like SFENCE: a fence makes durable what *this* handle
 * flushed. A worker attached with attach(share()) has its own tracking and stats but the same
 * cache, media and image file.
 */
import { fdatasyncSync } from 'node:fs';
import { fsError } from '../errno/index.js';
import { type CrashPolicy, chooseCrashLines } from './crash-policy.js';
import { LINE, checkDeviceSize, checkRange, lineSpan } from './geometry.js';
import { type Durability, ImageFile, writeFileAt } from './image-file.js';
import { ChunkedMemory, type Memory, type SharedMemoryHandle } from './memory.js';
import { RangeList } from './range-list.js';
import { OverlayMemory, type ByteSource } from './snapshot.js';
import type { Trace, TraceEvent } from './trace.js';

export type PmemMode = 'adr' | 'eadr';

export interface CreateOptions {
  size: number;
  mode?: PmemMode;
  file?: string;
  durability?: Durability;
  /** Replace an existing image file (default: EEXIST). */
  overwrite?: boolean;
}

export interface OpenOptions {
  mode?: PmemMode;
  durability?: Durability;
}

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
}

const CLEAN = 0;
const DIRTY = 1;
const QUEUED = 2;

interface Parts {
  size: number;
  mode: PmemMode;
  durability: Durability;
  cache: Memory;
  media: Memory;
  image: ImageFile | null;
  shared: SharedDevice['file'];
  owner: boolean;
}

export class PmemDevice {
  readonly size: number;
  readonly mode: PmemMode;
  readonly durability: Durability;
  readonly file: string | null;
  readonly stats: DeviceStats = { stores: 0, bytesStored: 0, linesFlushed: 0, fences: 0, bytesDurable: 0 };

  private readonly cache: Memory;
  private readonly media: Memory;
  private readonly image: ImageFile | null;
  private readonly sharedFile: SharedDevice['file'];
  private readonly owner: boolean;
  /** Per line: CLEAN | DIRTY | QUEUED. Allocated on the first store (ADR only). */
  private lineState: Uint8Array | null = null;
  private readonly dirty = new RangeList();
  private readonly queued = new RangeList();
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
    this.owner = p.owner;
    this.file = p.shared?.path ?? null;
  }

  // --- construction ------------------------------------------------------------------------

  static create(opts: CreateOptions): PmemDevice {
    checkDeviceSize('pmem_create', opts.size);
    const mode = checkMode(opts.mode);
    const durability = checkDurability(opts.durability);
    if (opts.file === undefined) {
      return new PmemDevice({
        size: opts.size, mode, durability, owner: true, image: null, shared: null,
        cache: ChunkedMemory.allocate(opts.size, null), media: ChunkedMemory.allocate(opts.size, null),
      });
    }
    const image = ImageFile.create(opts.file, opts.size, opts.overwrite === true);
    // A new image is all zeros: no need to load anything from it.
    return new PmemDevice({
      size: opts.size, mode, durability, owner: true, image, shared: { path: image.path, fd: image.fd },
      cache: ChunkedMemory.allocate(opts.size, null), media: ChunkedMemory.allocate(opts.size, null),
    });
  }

  static open(file: string, opts: OpenOptions = {}): PmemDevice {
    const mode = checkMode(opts.mode);
    const durability = checkDurability(opts.durability);
    const image = ImageFile.open(file);
    return new PmemDevice({
      size: image.size, mode, durability, owner: true, image, shared: { path: image.path, fd: image.fd },
      cache: ChunkedMemory.allocate(image.size, image.fd), media: ChunkedMemory.allocate(image.size, image.fd),
    });
  }

  /** In a worker: the same device as the one share() was called on. */
  static attach(shared: SharedDevice): PmemDevice {
    if (shared?.kind !== 'pmem-shared') throw fsError('EINVAL', 'pmem_attach', { detail: 'not a shared device handle' });
    return new PmemDevice({
      size: shared.cache.size, mode: shared.mode, durability: shared.durability, owner: false,
      image: null, shared: shared.file,
      cache: new ChunkedMemory(shared.cache), media: new ChunkedMemory(shared.media),
    });
  }

  /** A device over a read-only base (a snapshot): crash states are these. */
  static overlay(base: ByteSource, mode: PmemMode): PmemDevice {
    return new PmemDevice({
      size: base.size, mode, durability: 'close', owner: true, image: null, shared: null,
      cache: new OverlayMemory(base), media: new OverlayMemory(base),
    });
  }

  share(): SharedDevice {
    this.checkOpen('pmem_share');
    if (!(this.cache instanceof ChunkedMemory) || !(this.media instanceof ChunkedMemory)) {
      throw fsError('EINVAL', 'pmem_share', { detail: 'a crash-state device cannot be shared with workers' });
    }
    return { kind: 'pmem-shared', mode: this.mode, durability: this.durability, cache: this.cache.handle(), media: this.media.handle(), file: this.sharedFile };
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

  /** A cached store: visible at once, durable only after flush + fence (ADR). */
  write(offset: number, bytes: Uint8Array): void {
    this.checkOpen('pmem_write');
    checkRange('pmem_write', this.size, offset, bytes.length);
    if (bytes.length === 0) return;
    if (this.trace !== null) this.trace.events.push({ kind: 'store', offset, data: bytes.slice() });
    this.cache.write(offset, bytes);
    this.stats.stores++;
    this.stats.bytesStored += bytes.length;
    if (this.mode === 'eadr') return this.toMedia(offset, bytes);
    const [l0, l1] = lineSpan(offset, bytes.length);
    this.states().fill(DIRTY, l0, l1);
    this.dirty.add(l0, l1);
  }

  /** A non-temporal store: bypasses the cache, durable at the next fence without a flush. */
  ntstore(offset: number, bytes: Uint8Array): void {
    this.checkOpen('pmem_ntstore');
    checkRange('pmem_ntstore', this.size, offset, bytes.length);
    if (bytes.length === 0) return;
    if (this.trace !== null) this.trace.events.push({ kind: 'ntstore', offset, data: bytes.slice() });
    this.cache.write(offset, bytes);
    this.stats.stores++;
    this.stats.bytesStored += bytes.length;
    if (this.mode === 'eadr') return this.toMedia(offset, bytes);
    const [l0, l1] = lineSpan(offset, bytes.length);
    this.states().fill(QUEUED, l0, l1);
    this.queued.add(l0, l1);
  }

  /** CLWB over every line touching the range: queued for write-back with its current contents. */
  flush(offset: number, length: number): void {
    this.checkOpen('pmem_flush');
    checkRange('pmem_flush', this.size, offset, length);
    if (length === 0) return;
    const [l0, l1] = lineSpan(offset, length);
    this.stats.linesFlushed += l1 - l0;
    if (this.trace !== null) this.trace.events.push({ kind: 'flush', offset: l0 * LINE, data: this.cache.peek(l0 * LINE, (l1 - l0) * LINE).slice() });
    if (this.mode === 'eadr') {
      // Nothing to order; but stores made through views become known (and durable) here.
      return this.toMedia(l0 * LINE, this.cache.peek(l0 * LINE, (l1 - l0) * LINE));
    }
    this.states().fill(QUEUED, l0, l1);
    this.queued.add(l0, l1);
  }

  /** SFENCE: every line this handle flushed (or nt-stored) is durable once it returns. */
  fence(): void {
    this.checkOpen('pmem_fence');
    this.stats.fences++;
    if (this.trace !== null) this.trace.events.push({ kind: 'fence' });
    if (this.queued.empty) return;
    const states = this.states();
    this.queued.forEachMerged((l0, l1) => {
      const off = l0 * LINE;
      const len = Math.min(l1 * LINE, this.size) - off;
      // COMMIT POINT (of whatever the caller queued): after this copy the lines are media.
      this.toMedia(off, this.cache.peek(off, len));
      states.fill(CLEAN, l0, l1);
    });
    this.dirty.subtract(this.queued);
    this.queued.clear();
    if (this.durability === 'fence-sync') this.syncFile();
  }

  drain(): void {
    this.fence();
  }

  persist(offset: number, length: number): void {
    this.flush(offset, length);
    this.fence();
  }

  /**
   * A zero-copy view of the cache (DAX). Stores through it are invisible to the device until a
   * flush covers them. A view cannot span a 1 GiB chunk boundary (EINVAL).
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

  /** A new in-memory device holding one post-crash media state. This device is unaffected. */
  crash(policy: CrashPolicy = { kind: 'strict' }): PmemDevice {
    this.checkOpen('pmem_crash');
    const snap = this.media.snapshot();
    const dev = PmemDevice.overlay(snap, this.mode);
    const chosen = chooseCrashLines(policy, this.pendingLines(), (line) => this.lineBytes(this.media, line), (line) => this.lineBytes(this.cache, line));
    for (const [line, bytes] of chosen) dev.loadDurable(line * LINE, bytes);
    return dev;
  }

  /**
   * Sets bytes as already durable (cache and media alike), bypassing the persistence model:
   * only for building crash states and images, never on a path the model must observe.
   */
  loadDurable(offset: number, bytes: Uint8Array): void {
    checkRange('pmem_load', this.size, offset, bytes.length);
    this.cache.write(offset, bytes);
    this.media.write(offset, bytes);
  }

  /** Lines with stores that are not yet durable (this handle's knowledge). */
  pendingLines(): number[] {
    if (this.lineState === null) return [];
    const out: number[] = [];
    const all = new RangeList();
    this.dirty.forEachMerged((a, b) => all.add(a, b));
    this.queued.forEachMerged((a, b) => all.add(a, b));
    all.forEachMerged((a, b) => {
      for (let l = a; l < b; l++) if (this.lineState![l] !== CLEAN) out.push(l);
    });
    return out;
  }

  /** The durable contents of [offset, offset+length): what a strict crash would keep. */
  readDurable(offset: number, length: number): Uint8Array {
    checkRange('pmem_read', this.size, offset, length);
    const out = new Uint8Array(length);
    this.media.read(offset, out);
    return out;
  }

  // --- tracing -----------------------------------------------------------------------------

  startTrace(): void {
    this.checkOpen('pmem_trace');
    const base = this.media.snapshot();
    const events: TraceEvent[] = [];
    // Lines pending now enter the trace as stores of their current contents.
    for (const line of this.pendingLines()) {
      const data = this.lineBytes(this.cache, line);
      events.push({ kind: 'store', offset: line * LINE, data });
      if (this.lineState![line] === QUEUED) events.push({ kind: 'flush', offset: line * LINE, data: data.slice() });
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

  /** Writes what is durable to the image file (durability 'close') and releases it. */
  close(): void {
    if (this.closed) return;
    if (this.image !== null && this.owner) {
      if (this.durability === 'close' && this.media instanceof ChunkedMemory) {
        this.media.takeDirty((off, bytes) => writeFileAt(this.image!.fd, off, bytes));
      }
      if (this.durability !== 'fence') this.image.sync();
      this.image.close();
    }
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // --- internals ---------------------------------------------------------------------------

  private toMedia(offset: number, bytes: Uint8Array): void {
    this.media.write(offset, bytes);
    this.stats.bytesDurable += bytes.length;
    if (this.sharedFile === null) return;
    if (this.durability === 'close') (this.media as ChunkedMemory).markDirty(offset, bytes.length);
    else writeFileAt(this.sharedFile.fd, offset, bytes);
  }

  private syncFile(): void {
    if (this.sharedFile !== null) fdatasyncSync(this.sharedFile.fd);
  }

  private states(): Uint8Array {
    if (this.lineState === null) this.lineState = new Uint8Array(Math.ceil(this.size / LINE));
    return this.lineState;
  }

  private lineBytes(m: Memory, line: number): Uint8Array {
    const out = new Uint8Array(LINE);
    m.read(line * LINE, out);
    return out;
  }

  private checkOpen(op: string): void {
    if (this.closed) throw fsError('EBADF', op, { detail: 'device is closed' });
  }
}

function checkMode(mode: unknown): PmemMode {
  if (mode === undefined || mode === 'adr' || mode === 'eadr') return mode ?? 'adr';
  throw fsError('EINVAL', 'pmem_create', { detail: `mode must be 'adr' or 'eadr', not ${JSON.stringify(mode)}` });
}

function checkDurability(d: unknown): Durability {
  if (d === undefined || d === 'fence' || d === 'fence-sync' || d === 'close') return d ?? 'fence';
  throw fsError('EINVAL', 'pmem_create', { detail: `durability must be 'fence', 'fence-sync' or 'close', not ${JSON.stringify(d)}` });
}
