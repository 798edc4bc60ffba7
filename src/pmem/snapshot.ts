/**
 * Snapshot and OverlayMemory: frozen images and copy-on-write devices built on them.
 *
 * A Snapshot is the contents of a memory at the moment snapshot() was called. It copies
 * nothing up front: the live memory calls preservePage(p) before it first overwrites page p,
 * so the cost of a snapshot is the pages written after it, never the device size.
 *
 * An OverlayMemory is a private, writable memory over any read source (a Snapshot): pages are
 * copied into it on first write. Crash states are OverlayMemory devices. view() on an overlay
 * has to hand out one contiguous buffer, so it first promotes the overlay to a flat private
 * copy (cost: the device size, once); nothing in the crash harness needs views.
 *
 * Invariant: a preserved page holds the bytes of the live memory at snapshot time.
 */
import { assert } from '../errno/index.js';
import { PAGE } from './geometry.js';

/** Anything a snapshot or overlay can read its base bytes from. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, target: Uint8Array): void;
}

/**
 * The live snapshots of one memory. The memory calls preserve() before every write while
 * `live` is true; snapshots are held weakly, so one the caller dropped costs nothing.
 */
export class SnapshotSet {
  private readonly refs = new Set<WeakRef<Snapshot>>();

  get live(): boolean {
    return this.refs.size > 0;
  }

  take(memory: ByteSource): Snapshot {
    const s = new Snapshot(memory, this);
    this.refs.add(new WeakRef(s));
    return s;
  }

  forget(s: Snapshot): void {
    for (const ref of this.refs) {
      const t = ref.deref();
      if (t === s || t === undefined) this.refs.delete(ref);
    }
  }

  preserve(offset: number, length: number): void {
    const first = Math.floor(offset / PAGE);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / PAGE);
    for (const ref of this.refs) {
      const s = ref.deref();
      if (s === undefined) {
        this.refs.delete(ref);
        continue;
      }
      for (let p = first; p <= last; p++) s.preservePage(p);
    }
  }
}

export class Snapshot implements ByteSource {
  readonly size: number;
  private readonly saved = new Map<number, Uint8Array>();
  private live: ByteSource | null;
  private readonly owner: SnapshotSet;

  constructor(live: ByteSource, owner: SnapshotSet) {
    this.live = live;
    this.owner = owner;
    this.size = live.size;
  }

  /** Before the live memory overwrites page p for the first time, keep its old bytes. */
  preservePage(p: number): void {
    if (this.saved.has(p)) return;
    const off = p * PAGE;
    const copy = new Uint8Array(Math.min(PAGE, this.size - off));
    this.live!.read(off, copy);
    this.saved.set(p, copy);
  }

  get preservedPages(): number {
    return this.saved.size;
  }

  read(offset: number, target: Uint8Array): void {
    assert(this.live !== null, 'read of a released snapshot');
    let pos = 0;
    while (pos < target.length) {
      const abs = offset + pos;
      const p = Math.floor(abs / PAGE);
      const at = abs - p * PAGE;
      const n = Math.min(target.length - pos, PAGE - at);
      const page = this.saved.get(p);
      if (page !== undefined) target.set(page.subarray(at, at + n), pos);
      else this.live.read(abs, target.subarray(pos, pos + n));
      pos += n;
    }
  }

  /** Stop tracking; later reads are a bug. */
  release(): void {
    this.owner.forget(this);
    this.live = null;
    this.saved.clear();
  }
}

export class OverlayMemory implements ByteSource {
  readonly size: number;
  private readonly base: ByteSource;
  private pages = new Map<number, Uint8Array>();
  private flat: Uint8Array | null = null;
  private readonly snapshots = new SnapshotSet();

  constructor(base: ByteSource) {
    this.base = base;
    this.size = base.size;
  }

  get privatePages(): number {
    return this.flat === null ? this.pages.size : Math.ceil(this.size / PAGE);
  }

  read(offset: number, target: Uint8Array): void {
    if (this.flat !== null) {
      target.set(this.flat.subarray(offset, offset + target.length));
      return;
    }
    let pos = 0;
    while (pos < target.length) {
      const abs = offset + pos;
      const p = Math.floor(abs / PAGE);
      const at = abs - p * PAGE;
      const n = Math.min(target.length - pos, PAGE - at);
      const page = this.pages.get(p);
      if (page !== undefined) target.set(page.subarray(at, at + n), pos);
      else this.base.read(abs, target.subarray(pos, pos + n));
      pos += n;
    }
  }

  write(offset: number, src: Uint8Array): void {
    if (this.snapshots.live) this.snapshots.preserve(offset, src.length);
    if (this.flat !== null) {
      this.flat.set(src, offset);
      return;
    }
    let pos = 0;
    while (pos < src.length) {
      const abs = offset + pos;
      const p = Math.floor(abs / PAGE);
      const at = abs - p * PAGE;
      const n = Math.min(src.length - pos, PAGE - at);
      this.page(p).set(src.subarray(pos, pos + n), at);
      pos += n;
    }
  }

  peek(offset: number, length: number): Uint8Array {
    if (this.flat !== null) return this.flat.subarray(offset, offset + length);
    const p = Math.floor(offset / PAGE);
    const at = offset - p * PAGE;
    const page = this.pages.get(p);
    if (page !== undefined && at + length <= PAGE) return page.subarray(at, at + length);
    const out = new Uint8Array(length);
    this.read(offset, out);
    return out;
  }

  view(offset: number, length: number): Uint8Array {
    if (this.flat === null) {
      // Promote: one contiguous shared buffer, so views are real zero-copy DAX views.
      const flat = new Uint8Array(new SharedArrayBuffer(this.size));
      this.read(0, flat);
      this.flat = flat;
      this.pages = new Map();
    }
    return this.flat.subarray(offset, offset + length);
  }

  viewable(_offset: number, _length: number): boolean {
    return true;
  }

  snapshot(): Snapshot {
    return this.snapshots.take(this);
  }

  private page(p: number): Uint8Array {
    let page = this.pages.get(p);
    if (page === undefined) {
      const off = p * PAGE;
      page = new Uint8Array(Math.min(PAGE, this.size - off));
      this.base.read(off, page);
      this.pages.set(p, page);
    }
    return page;
  }
}
