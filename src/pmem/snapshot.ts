/**
 * Snapshot and OverlayMemory: frozen images and copy-on-write devices built on them.
 *
 * A Snapshot is the contents of a memory at the moment snapshot() was called. It copies
 * nothing up front: the live memory calls preservePage(p) before it first overwrites page p,
 * so the cost of a snapshot is the pages written after it, never the device size.
 *
 * An OverlayMemory is a private, writable memory over any read source (a Snapshot): pages are
 * copied into it on first write. Crash states are OverlayMemory devices. view() on an overlay
 * has to hand out one contiguous shared buffer, so it first promotes the 1 GiB chunk holding
 * the range to a private SharedArrayBuffer (cost: that chunk, once); as on a live device a
 * view cannot span two chunks. Nothing in the crash harness needs views.
 *
 * Invariant: a preserved page holds the bytes of the live memory at snapshot time. Preserved
 * pages are never written, so one copy is shared by every snapshot that needs it.
 */
import { assert } from '../errno/index.js';
import { CHUNK, PAGE } from './geometry.js';

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
    const live: Snapshot[] = [];
    for (const ref of this.refs) {
      const s = ref.deref();
      if (s === undefined) this.refs.delete(ref);
      else live.push(s);
    }
    for (let p = first; p <= last; p++) {
      let copy: Uint8Array | null = null;
      for (const s of live) copy = s.preservePage(p, copy);
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

  /**
   * Before the live memory overwrites page p for the first time, keep its old bytes. `copy`,
   * when given, already holds them (another snapshot of the same memory read them); returns
   * the copy for the next snapshot.
   */
  preservePage(p: number, copy: Uint8Array | null): Uint8Array | null {
    if (this.saved.has(p)) return copy;
    if (copy === null) {
      const off = p * PAGE;
      copy = new Uint8Array(Math.min(PAGE, this.size - off));
      this.live!.read(off, copy);
    }
    this.saved.set(p, copy);
    return copy;
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
  /** Private pages, copied from the base on first write. */
  private readonly pages = new Map<number, Uint8Array>();
  /** Chunks promoted by view() to one shared buffer each, by chunk index. */
  private readonly flat = new Map<number, Uint8Array>();
  private readonly snapshots = new SnapshotSet();

  constructor(base: ByteSource) {
    this.base = base;
    this.size = base.size;
  }

  get privatePages(): number {
    let n = this.pages.size;
    for (const f of this.flat.values()) n += f.length / PAGE;
    return n;
  }

  read(offset: number, target: Uint8Array): void {
    let pos = 0;
    while (pos < target.length) {
      const abs = offset + pos;
      const p = Math.floor(abs / PAGE);
      const at = abs - p * PAGE;
      const n = Math.min(target.length - pos, PAGE - at);
      const own = this.ownPage(p);
      if (own !== undefined) target.set(own.subarray(at, at + n), pos);
      else this.base.read(abs, target.subarray(pos, pos + n));
      pos += n;
    }
  }

  write(offset: number, src: Uint8Array): void {
    if (this.snapshots.live) this.snapshots.preserve(offset, src.length);
    let pos = 0;
    while (pos < src.length) {
      const abs = offset + pos;
      const p = Math.floor(abs / PAGE);
      const at = abs - p * PAGE;
      const n = Math.min(src.length - pos, PAGE - at);
      this.writablePage(p).set(src.subarray(pos, pos + n), at);
      pos += n;
    }
  }

  peek(offset: number, length: number): Uint8Array {
    const p = Math.floor(offset / PAGE);
    const at = offset - p * PAGE;
    const own = this.ownPage(p);
    if (own !== undefined && at + length <= PAGE) return own.subarray(at, at + length);
    const out = new Uint8Array(length);
    this.read(offset, out);
    return out;
  }

  view(offset: number, length: number): Uint8Array {
    assert(this.viewable(offset, length), 'view spans a chunk boundary (caller checks)');
    const ci = Math.floor(offset / CHUNK);
    let flat = this.flat.get(ci);
    if (flat === undefined) {
      // Promote the chunk: one contiguous shared buffer, so views are real zero-copy DAX views.
      const start = ci * CHUNK;
      flat = new Uint8Array(new SharedArrayBuffer(Math.min(CHUNK, this.size - start)));
      this.read(start, flat);
      for (const p of this.pages.keys()) if (Math.floor((p * PAGE) / CHUNK) === ci) this.pages.delete(p);
      this.flat.set(ci, flat);
    }
    const at = offset - ci * CHUNK;
    return flat.subarray(at, at + length);
  }

  viewable(offset: number, length: number): boolean {
    return Math.floor(offset / CHUNK) === Math.floor((offset + Math.max(length, 1) - 1) / CHUNK);
  }

  snapshot(): Snapshot {
    return this.snapshots.take(this);
  }

  loadedBytes(): number {
    return 0;
  }

  /** Page p of a promoted chunk, or a private page, or undefined (still the base's). */
  private ownPage(p: number): Uint8Array | undefined {
    if (this.flat.size > 0) {
      const abs = p * PAGE;
      const ci = Math.floor(abs / CHUNK);
      const f = this.flat.get(ci);
      if (f !== undefined) return f.subarray(abs - ci * CHUNK, abs - ci * CHUNK + PAGE);
    }
    return this.pages.get(p);
  }

  private writablePage(p: number): Uint8Array {
    let page = this.ownPage(p);
    if (page === undefined) {
      const off = p * PAGE;
      page = new Uint8Array(Math.min(PAGE, this.size - off));
      this.base.read(off, page);
      this.pages.set(p, page);
    }
    return page;
  }
}
