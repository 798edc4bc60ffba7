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
 * view cannot span two chunks. Nothing in the crash harness needs views. close() drops the
 * private pages and lets the owner release the base (a crash state's own snapshot), so a closed
 * crash state stops costing the live device a page copy per first write.
 *
 * Invariant: a preserved page holds the bytes of the live memory at snapshot time. Preserved
 * pages are never written, so one copy is shared by every snapshot that needs it.
 */
import { assert } from '../errno/index.js';
import { CHUNK, PAGE, eachPiece } from './geometry.js';
import type { Memory } from './memory.js';

/** Anything a snapshot or overlay can read its base bytes from. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, target: Uint8Array): void;
}

/**
 * The live snapshots of one memory. The memory calls preserve() before every write while
 * `live` is true. A snapshot leaves the set when it is released (Snapshot.release(): a crash
 * state's device does it on close()) or, as a fallback, once it has been garbage-collected (it
 * is held by a WeakRef; note a WeakRef target stays alive at least until the current job ends,
 * so a loop that drops crash states without closing them pays for each until then).
 */
/**
 * Reads [offset, offset+target.length) page by page: from `pageOf(p)` where it has the page,
 * else from `base`. The one read path of every copy-on-write image (snapshots, overlays, and
 * the crash harness's durable images).
 */
export function readPaged(offset: number, target: Uint8Array, pageOf: (p: number) => Uint8Array | undefined, base: ByteSource): void {
  eachPiece(offset, target.length, PAGE, (p, at, pos, n) => {
    const own = pageOf(p);
    if (own !== undefined) target.set(own.subarray(at, at + n), pos);
    else base.read(offset + pos, target.subarray(pos, pos + n));
  });
}

export class SnapshotSet {
  /** Live snapshots (weakly held), in no particular order; ids[i] names refs[i]. */
  private readonly refs: Array<WeakRef<Snapshot>> = [];
  private readonly ids: number[] = [];
  private nextId = 0;
  /** Called when the last snapshot leaves the set (see OverlayMemory.close()). */
  onEmpty: (() => void) | null = null;

  get live(): boolean {
    return this.refs.length > 0;
  }

  /** Snapshots still registered (released ones are gone at once, collected ones at the next prune). */
  get size(): number {
    return this.refs.length;
  }

  take(memory: ByteSource): Snapshot {
    const id = this.nextId++;
    const s = new Snapshot(memory, this, id);
    this.refs.push(new WeakRef(s));
    this.ids.push(id);
    return s;
  }

  forget(id: number): void {
    const i = this.ids.indexOf(id);
    if (i >= 0) this.removeAt(i);
  }

  /** Drops the snapshots that were garbage-collected. */
  prune(): void {
    for (let i = this.refs.length - 1; i >= 0; i--) if (this.refs[i]!.deref() === undefined) this.removeAt(i);
  }

  preserve(offset: number, length: number): void {
    this.prune();
    const n = this.refs.length;
    if (n === 0) return;
    const first = Math.floor(offset / PAGE);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / PAGE);
    for (let p = first; p <= last; p++) {
      let copy: Uint8Array | null = null;
      for (let i = 0; i < n; i++) copy = this.refs[i]!.deref()!.preservePage(p, copy);
    }
  }

  private removeAt(i: number): void {
    const lastI = this.refs.length - 1;
    this.refs[i] = this.refs[lastI]!;
    this.ids[i] = this.ids[lastI]!;
    this.refs.pop();
    this.ids.pop();
    if (this.refs.length === 0) this.onEmpty?.();
  }
}

export class Snapshot implements ByteSource {
  readonly size: number;
  private readonly saved = new Map<number, Uint8Array>();
  private live: ByteSource | null;
  private readonly owner: SnapshotSet;
  private readonly id: number;

  constructor(live: ByteSource, owner: SnapshotSet, id: number) {
    this.live = live;
    this.owner = owner;
    this.id = id;
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
    readPaged(offset, target, (p) => this.saved.get(p), this.live);
  }

  get released(): boolean {
    return this.live === null;
  }

  /** Stop tracking (the live memory no longer copies pages for it); later reads are a bug. Idempotent. */
  release(): void {
    if (this.live === null) return;
    this.live = null;
    this.saved.clear();
    this.owner.forget(this.id);
  }
}

export class OverlayMemory implements Memory {
  readonly size: number;
  private readonly base: ByteSource;
  /** Private pages, copied from the base on first write. */
  private readonly pages = new Map<number, Uint8Array>();
  /** Chunks promoted by view() to one shared buffer each, by chunk index. */
  private readonly flat = new Map<number, Uint8Array>();
  private readonly snapshots = new SnapshotSet();
  /** Called once the memory is closed and nothing reads through it any more. */
  private onDispose: (() => void) | null;
  private closed = false;

  constructor(base: ByteSource, onDispose: (() => void) | null = null) {
    this.base = base;
    this.size = base.size;
    this.onDispose = onDispose;
    this.snapshots.onEmpty = () => {
      if (this.closed) this.dispose();
    };
  }

  /**
   * The owner is done with this memory: drop the private pages and call onDispose (which
   * releases the base snapshot of a crash state). If snapshots of this memory are still alive
   * (crash states of a crash state) they read through it: that waits until the last of them is
   * released, or is left to the garbage collector.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.snapshots.prune();
    if (!this.snapshots.live) this.dispose();
  }

  get privatePages(): number {
    let n = this.pages.size;
    for (const f of this.flat.values()) n += f.length / PAGE;
    return n;
  }

  read(offset: number, target: Uint8Array): void {
    readPaged(offset, target, (p) => this.ownPage(p), this.base);
  }

  write(offset: number, src: Uint8Array): void {
    if (this.snapshots.live) this.snapshots.preserve(offset, src.length);
    eachPiece(offset, src.length, PAGE, (p, at, pos, n) => this.writablePage(p).set(src.subarray(pos, pos + n), at));
  }

  writeFrom(src: Memory, offset: number, length: number): void {
    this.write(offset, src.peek(offset, length));
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

  get liveSnapshots(): number {
    return this.snapshots.size;
  }

  loadedBytes(): number {
    return 0;
  }

  private dispose(): void {
    this.pages.clear();
    this.flat.clear();
    const done = this.onDispose;
    this.onDispose = null;
    done?.();
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
