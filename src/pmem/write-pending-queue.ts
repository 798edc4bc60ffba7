/**
 * WritePendingQueue: one thread's (one handle's) record of what it stored that is not durable.
 *
 * Interface:
 *   stored(l0, l1)                 cached stores hit lines [l0, l1)
 *   flushed(l0, l1, offset, bytes) CLWB: stage the lines' contents *as of now* for write-back
 *   ntStored(l0, l1, offset, bytes) non-temporal store: stage exactly these bytes
 *   drain(write)                   SFENCE: hand every staged write-back to `write`, in program order
 *   cleaned(l0, l1)                lines whose current contents were just made durable (persist)
 *   pending()                      lines holding stores that are not durable yet, ascending
 *   staged() / isDirty(line)       for startTrace(), which replays this state into a trace
 *
 * Per line two bits: DIRTY (stored in the cache since its last flush) and QUEUED (a write-back
 * is staged). The staged bytes are copies taken when the flush or ntstore happened: a store
 * made after the flush (even through a DAX view) is *not* made durable by the next fence, and
 * an ntstore makes durable only its own bytes, never the rest of the line. This is what lets a
 * strict crash catch "stored after the flush" and "forgot to flush the line it shares".
 *
 * Invariant: a line's bits are non-zero iff it is in `dirty` or `queued` (those may also hold
 * lines that have since become clean: they are candidate lists, filtered by the bits).
 */
import { LINE } from './geometry.js';
import { RangeList } from './range-list.js';

const CLEAN = 0;
const DIRTY = 1;
const QUEUED = 2;

export interface Staged {
  kind: 'flush' | 'nt';
  offset: number;
  bytes: Uint8Array;
}

export class WritePendingQueue {
  private readonly lineCount: number;
  /** Per line: DIRTY | QUEUED bits. Allocated on the first store. */
  private bits: Uint8Array | null = null;
  private readonly dirty = new RangeList();
  private readonly queued = new RangeList();
  private entries: Staged[] = [];
  /** Some line may carry both bits: drain() must look line by line. */
  private mixed = false;

  constructor(deviceSize: number) {
    this.lineCount = Math.ceil(deviceSize / LINE);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  stored(l0: number, l1: number): void {
    const bits = this.lineBits();
    if (this.entries.length === 0) bits.fill(DIRTY, l0, l1); // nothing queued: no bit to keep
    else {
      for (let l = l0; l < l1; l++) {
        if (bits[l]! & QUEUED) this.mixed = true;
        bits[l]! |= DIRTY;
      }
    }
    this.dirty.add(l0, l1);
  }

  /** `bytes` must be a private copy of lines [l0, l1) starting at `offset` = l0 * LINE. */
  flushed(l0: number, l1: number, offset: number, bytes: Uint8Array): void {
    this.lineBits().fill(QUEUED, l0, l1); // the flush captured every earlier store: not DIRTY
    this.queued.add(l0, l1);
    this.entries.push({ kind: 'flush', offset, bytes });
  }

  /** `bytes` must be a private copy of the stored bytes. */
  ntStored(l0: number, l1: number, offset: number, bytes: Uint8Array): void {
    const bits = this.lineBits();
    for (let l = l0; l < l1; l++) {
      if (bits[l]! & DIRTY) this.mixed = true; // earlier cached stores in the line stay pending
      bits[l]! |= QUEUED;
    }
    this.queued.add(l0, l1);
    this.entries.push({ kind: 'nt', offset, bytes });
  }

  /** The fence: every staged write-back, oldest first; then the lines' bits drop QUEUED. */
  drain(write: (offset: number, bytes: Uint8Array) => void): void {
    if (this.entries.length === 0) return;
    for (const e of this.entries) write(e.offset, e.bytes);
    this.entries = [];
    const bits = this.lineBits();
    const stillDirty = new RangeList();
    this.queued.forEachMerged((l0, l1) => {
      if (!this.mixed) return void bits.fill(CLEAN, l0, l1);
      for (let l = l0; l < l1; l++) {
        const b = bits[l]! & ~QUEUED;
        bits[l] = b;
        if (b !== CLEAN) stillDirty.add(l, l + 1);
      }
    });
    this.dirty.subtract(this.queued);
    stillDirty.forEachMerged((a, b) => this.dirty.add(a, b));
    this.queued.clear();
    this.mixed = false;
  }

  /** persist() after drain(): lines [l0, l1) went to the media with their current contents. */
  cleaned(l0: number, l1: number): void {
    if (this.bits === null) return;
    this.bits.fill(CLEAN, l0, l1);
    const cut = new RangeList();
    cut.add(l0, l1);
    this.dirty.subtract(cut);
  }

  pending(): number[] {
    const bits = this.bits;
    if (bits === null) return [];
    const all = new RangeList();
    this.dirty.forEachMerged((a, b) => all.add(a, b));
    this.queued.forEachMerged((a, b) => all.add(a, b));
    const out: number[] = [];
    all.forEachMerged((a, b) => {
      for (let l = a; l < b; l++) if (bits[l] !== CLEAN) out.push(l);
    });
    return out;
  }

  staged(): readonly Staged[] {
    return this.entries;
  }

  isDirty(line: number): boolean {
    return this.bits !== null && (this.bits[line]! & DIRTY) !== 0;
  }

  private lineBits(): Uint8Array {
    if (this.bits === null) this.bits = new Uint8Array(this.lineCount);
    return this.bits;
  }
}
