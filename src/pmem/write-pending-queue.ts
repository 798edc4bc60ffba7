/**
 * WritePendingQueue: one thread's (one handle's) record of what it stored that is not durable.
 *
 * Interface:
 *   stored(l0, l1)                  a cached store is about to hit lines [l0, l1) (call it first)
 *   overwriting(l0, l1)             some other store (loadDurable) is about to hit them
 *   flushed(l0, l1, bytes|null)     CLWB of lines [l0, l1): stage them for write-back
 *   ntStored(offset, src, bytes|null) non-temporal store of src at offset: stage exactly those bytes
 *   drain(write, fromCache?)        SFENCE: hand every staged write-back to `write`, in program
 *                                   order; bytes to be read from the cache go to fromCache(offset,
 *                                   length) instead if given (the device copies short ones without
 *                                   a view)
 *   cleaned(l0, l1)                 lines whose current contents were just made durable (persist)
 *   pending()                       lines holding stores that are not durable yet, ascending
 *   materialize() / isDirty(line)   for startTrace(), which replays this state into a trace
 *
 * Staging is lazy (copy-on-store). An entry is (offset, length) and, at the fence, its bytes
 * are read from the cache, zero-copy. That is right as long as no later store changed them, so
 * a store through the device to a line with a lazy entry first *freezes* the line: it copies
 * the line, as the cache holds it at that moment, aside, and the fence takes the lazy entries'
 * bytes in that line from the copy instead of the cache. A store after the flush thus stays
 * pending, and an ntstore makes durable only its own bytes, as with eager copies. An entry may
 * instead hold its own copy (`bytes` given: the device does that while tracing, since the trace
 * copies the bytes anyway): such an entry is never read from the cache, and does not make its
 * lines LAZY.
 *
 * Stores through a DAX view, and stores by other threads (their own queues), cannot be
 * intercepted: such a store made after a flush and before the fence to a flushed line may become
 * durable at that fence (legal on hardware: a line can be written back at any time, so the media
 * may hold the newer contents).
 *
 * Per line four bits: DIRTY (stored in the cache since its last flush), QUEUED (a write-back is
 * staged), LAZY (a lazy entry reads this line from the cache: a store must freeze it first),
 * FROZEN (the line's copy is in `frozen`). LAZY and FROZEN never go together.
 *
 * Why a freeze needs nothing but the line as it is: a line becomes LAZY with a lazy entry, and
 * the first device store after that freezes it, so at the freeze the cache still holds, on each
 * lazy entry's bytes, the staged value, overlaid only by later ntstores, which are staged after
 * it and write the same bytes again. Later ntstores to a frozen line patch its copy; a later
 * flush supersedes it (the line is staged whole, as it is then, and LAZY again). Lazy entries
 * older than an eager flush of the line are overwritten by that flush at the fence.
 *
 * Invariants: every line with DIRTY is inside a range of `dirty`, every QUEUED one inside
 * `queued` (the lists are candidates: they may also hold clean lines, filtered by the bits).
 * A frozen line is covered by a lazy entry.
 * Costs: per store O(lines touched), with fill() fast paths when nothing queued can be hit;
 * the fence is O(entries + queued ranges). Nothing on these paths allocates in steady state but
 * a freeze (one 64-byte copy) and the typed-array view the fence copies each entry through.
 */
import { LINE, endLine, firstLine } from './geometry.js';
import type { Memory } from './memory.js';
import { RangeList } from './range-list.js';

const CLEAN = 0;
const DIRTY = 1;
const QUEUED = 2;
const LAZY = 4;
const FROZEN = 8;

const FLUSH = 0;
const NT = 1;

export interface Staged {
  kind: 'flush' | 'nt';
  offset: number;
  bytes: Uint8Array;
}

/**
 * bits[l0..l1) = v. TypedArray.prototype.fill is a C++ builtin, entered through a runtime call
 * that costs tens of ns however short the range; a write's record and commit word touch one to
 * three lines, so short ranges are set in a loop and only long ones (a 4 KiB block's 64 lines)
 * take fill(), where the loop measured slower.
 */
function setBits(bits: Uint8Array, v: number, l0: number, l1: number): void {
  if (l1 - l0 > SHORT_FILL) {
    bits.fill(v, l0, l1);
    return;
  }
  for (let l = l0; l < l1; l++) bits[l] = v;
}
const SHORT_FILL = 8;

/** Cleared line-bit arrays of released queues, by length (see release()). */
const spareBits = new Map<number, Uint8Array[]>();
const SPARE_BITS_PER_SIZE = 4;

/** Dirty candidate ranges kept before they are filtered by the bits (then twice the survivors). */
const DIRTY_LIST_MIN = 64;
/** A store checks up to this many candidate ranges for an overlap before going line by line. */
const SCAN = 8;

export class WritePendingQueue {
  private readonly lineCount: number;
  private readonly cache: Pick<Memory, 'read' | 'peek'>;
  /** Per line: DIRTY | QUEUED | LAZY | FROZEN. Allocated on the first store. */
  private bits: Uint8Array | null = null;
  /** Lines [lo, hi) are the only ones whose bits may be non-zero. */
  private lo = Infinity;
  private hi = 0;
  private readonly dirty = new RangeList();
  private dirtyLimit = DIRTY_LIST_MIN;
  private readonly queued = new RangeList();
  // Staged write-backs in program order, as parallel arrays (no object per entry): entries
  // [0, n). The arrays keep their capacity across fences.
  private n = 0;
  private readonly kind: number[] = [];
  private readonly off: number[] = [];
  private readonly len: number[] = [];
  /** The entry's own copy, or null: read from the cache at the fence. */
  private readonly own: Array<Uint8Array | null> = [];
  /** Frozen lines: line -> its contents when frozen, read by the fence instead of the cache. */
  private readonly frozen = new Map<number, Uint8Array>();
  /** Some line may carry DIRTY and QUEUED: drain() must keep DIRTY line by line. */
  private mixed = false;

  constructor(deviceSize: number, cache: Pick<Memory, 'read' | 'peek'>) {
    this.lineCount = Math.ceil(deviceSize / LINE);
    this.cache = cache;
  }

  get empty(): boolean {
    return this.n === 0;
  }

  /** Lines frozen since the last fence (for tests: a store after a flush copied one line). */
  get frozenLines(): number {
    return this.frozen.size;
  }

  /** Ranges in the dirty candidate list (for tests: it stays bounded). */
  get dirtyRanges(): number {
    return this.dirty.count;
  }

  /** A cached store to lines [l0, l1) is about to happen. */
  stored(l0: number, l1: number): void {
    const bits = this.lineBits(l0, l1);
    if (this.n === 0 || !this.queued.mayOverlap(l0, l1, SCAN)) {
      setBits(bits, DIRTY, l0, l1); // no queued line in range: no other bit to keep
    } else {
      for (let l = l0; l < l1; l++) {
        let b = bits[l]!;
        if (b & LAZY) b = this.freeze(l);
        if (b & QUEUED) this.mixed = true;
        bits[l] = b | DIRTY;
      }
    }
    this.dirty.add(l0, l1);
    if (this.dirty.count > this.dirtyLimit) this.compactDirty();
  }

  /** A store that is not a cached store (loadDurable) is about to hit lines [l0, l1). */
  overwriting(l0: number, l1: number): void {
    if (this.n === 0 || !this.queued.mayOverlap(l0, l1, SCAN)) return;
    const bits = this.lineBits(l0, l1);
    for (let l = l0; l < l1; l++) if (bits[l]! & LAZY) this.freeze(l);
  }

  /** CLWB of lines [l0, l1). `bytes`: a private copy of those lines, or null (read at the fence). */
  flushed(l0: number, l1: number, bytes: Uint8Array | null): void {
    const bits = this.lineBits(l0, l1);
    // A frozen copy is superseded: the flush stages the whole line as it is now.
    if (this.frozen.size > 0) for (const l of this.frozen.keys()) if (l >= l0 && l < l1) this.frozen.delete(l);
    // The flush captured every earlier store: not DIRTY. An own copy needs no freezing: not LAZY.
    setBits(bits, bytes === null ? QUEUED | LAZY : QUEUED, l0, l1);
    this.dirty.trimTail(l0, l1);
    this.queued.add(l0, l1);
    this.push(FLUSH, l0 * LINE, (l1 - l0) * LINE, bytes);
  }

  /**
   * A non-temporal store of `src` at `offset` (already in the cache). `bytes`: a private copy
   * of src, or null (read from the cache at the fence).
   */
  ntStored(offset: number, src: Uint8Array, bytes: Uint8Array | null): void {
    const l0 = firstLine(offset);
    const l1 = endLine(offset, src.length);
    const bits = this.lineBits(l0, l1);
    const lazy = bytes === null ? LAZY : 0;
    if (this.frozen.size === 0 && !this.dirty.mayOverlap(l0, l1, SCAN) && !this.queued.mayOverlap(l0, l1, SCAN)) {
      setBits(bits, QUEUED | lazy, l0, l1); // every line in range is clean
    } else {
      for (let l = l0; l < l1; l++) {
        let b = bits[l]!;
        if (b & DIRTY) this.mixed = true; // earlier cached stores in the line stay pending
        if (b & FROZEN) this.patchFrozen(l, offset, src); // its copy must include these bytes
        else b |= lazy;
        bits[l] = b | QUEUED;
      }
    }
    this.queued.add(l0, l1);
    this.push(NT, offset, src.length, bytes);
  }

  /** The fence: every staged write-back, oldest first; then the lines drop their queue bits. */
  drain(write: (offset: number, bytes: Uint8Array) => void, fromCache?: (offset: number, length: number) => void): void {
    const n = this.n;
    if (n === 0) return;
    for (let i = 0; i < n; i++) {
      this.pieces(i, write, fromCache);
      this.own[i] = null; // do not keep a copy alive
    }
    this.n = 0;
    if (this.frozen.size > 0) this.frozen.clear();
    const bits = this.bits!;
    const q = this.queued;
    for (let i = 0; i < q.count; i++) {
      const s = q.start(i);
      const e = q.end(i);
      if (!this.mixed) setBits(bits, CLEAN, s, e);
      else for (let l = s; l < e; l++) bits[l]! &= DIRTY;
    }
    this.queued.clear();
    this.mixed = false;
  }

  /** persist() after drain(): lines [l0, l1) went to the media with their current contents. */
  cleaned(l0: number, l1: number): void {
    if (this.bits === null) return;
    setBits(this.bits, CLEAN, l0, l1);
    this.dirty.trimTail(l0, l1);
  }

  pending(): number[] {
    const bits = this.bits;
    if (bits === null) return [];
    const all = new RangeList();
    for (const list of [this.dirty, this.queued]) for (let i = 0; i < list.count; i++) all.add(list.start(i), list.end(i));
    const m = all.sortedMerged();
    const out: number[] = [];
    for (let i = 0; i < m.length; i += 2) {
      for (let l = m[i]!; l < m[i + 1]!; l++) if (bits[l] !== CLEAN) out.push(l);
    }
    return out;
  }

  /**
   * The staged write-backs with their bytes, oldest first (startTrace). Every entry gets its own
   * copy of what the fence would write for it, so from here on nothing reads the cache.
   */
  materialize(): Staged[] {
    const out: Staged[] = [];
    for (let i = 0; i < this.n; i++) {
      let bytes = this.own[i]!;
      if (bytes === null) {
        const copy = new Uint8Array(this.len[i]!);
        const base = this.off[i]!;
        this.pieces(i, (o, b) => copy.set(b, o - base));
        this.own[i] = bytes = copy;
      }
      out.push({ kind: this.kind[i] === FLUSH ? 'flush' : 'nt', offset: this.off[i]!, bytes });
    }
    if (this.bits !== null) {
      const bits = this.bits;
      const q = this.queued;
      for (let i = 0; i < q.count; i++) for (let l = q.start(i); l < q.end(i); l++) bits[l]! &= ~(LAZY | FROZEN);
    }
    this.frozen.clear(); // baked into the copies
    return out;
  }

  isDirty(line: number): boolean {
    return this.bits !== null && (this.bits[line]! & DIRTY) !== 0;
  }

  // --- internals ---------------------------------------------------------------------------

  private push(kind: number, offset: number, length: number, bytes: Uint8Array | null): void {
    const i = this.n++;
    this.kind[i] = kind;
    this.off[i] = offset;
    this.len[i] = length;
    this.own[i] = bytes;
  }

  /**
   * Entry i's write-back, in one or more pieces: its own copy, or the cache (zero-copy) except
   * on frozen lines, which come from their frozen copies.
   */
  private pieces(i: number, write: (offset: number, bytes: Uint8Array) => void, fromCache?: (offset: number, length: number) => void): void {
    const off = this.off[i]!;
    const len = this.len[i]!;
    const own = this.own[i]!;
    if (own !== null) return write(off, own);
    if (this.frozen.size === 0) return fromCache !== undefined ? fromCache(off, len) : write(off, this.cache.peek(off, len));
    const bits = this.bits!;
    const end = off + len;
    let from = off;
    const last = Math.floor((end - 1) / LINE);
    for (let l = Math.floor(off / LINE); l <= last; l++) {
      if ((bits[l]! & FROZEN) === 0) continue;
      const ls = Math.max(l * LINE, off);
      const le = Math.min((l + 1) * LINE, end);
      if (ls > from) write(from, this.cache.peek(from, ls - from));
      write(ls, this.frozen.get(l)!.subarray(ls - l * LINE, le - l * LINE));
      from = le;
    }
    if (end > from) write(from, this.cache.peek(from, end - from));
  }

  /** A store is about to change LAZY line l: copy it aside first. Returns its new bits. */
  private freeze(l: number): number {
    const copy = new Uint8Array(LINE);
    this.cache.read(l * LINE, copy);
    this.frozen.set(l, copy);
    const bits = this.bits!;
    bits[l] = (bits[l]! & ~LAZY) | FROZEN;
    return bits[l]!;
  }

  /** An ntstore of src at offset reaches frozen line l: its frozen copy takes those bytes. */
  private patchFrozen(l: number, offset: number, src: Uint8Array): void {
    const base = l * LINE;
    const s = Math.max(offset, base);
    const e = Math.min(offset + src.length, base + LINE);
    this.frozen.get(l)!.set(src.subarray(s - offset, e - offset), s - base);
  }

  /** Drop dirty candidates whose lines are no longer DIRTY (amortised: the limit doubles). */
  private compactDirty(): void {
    const bits = this.bits!;
    this.dirty.retain((l) => (bits[l]! & DIRTY) !== 0);
    this.dirtyLimit = Math.max(DIRTY_LIST_MIN, 2 * this.dirty.count);
  }

  /** The line bits, about to be set on lines [l0, l1): they widen the range release() clears. */
  private lineBits(l0: number, l1: number): Uint8Array {
    if (l0 < this.lo) this.lo = l0;
    if (l1 > this.hi) this.hi = l1;
    return (this.bits ??= spareBits.get(this.lineCount)?.pop() ?? new Uint8Array(this.lineCount));
  }

  /**
   * The handle closed: its line bits go back, cleared, for the next queue of the same device
   * size. A 1 GiB device has 16 MiB of them; fresh, every page of them costs a page fault on
   * first use (crash campaigns make a queue per crash state).
   */
  release(): void {
    const bits = this.bits;
    this.bits = null;
    if (bits === null) return;
    bits.fill(CLEAN, this.lo, this.hi);
    this.lo = Infinity;
    this.hi = 0;
    let list = spareBits.get(bits.length);
    if (list === undefined) spareBits.set(bits.length, (list = []));
    if (list.length < SPARE_BITS_PER_SIZE) list.push(bits);
  }
}
