/**
 * SealTable: temporary iomap seals (MAP_DIRECT, F_SEAL_IOMAP-style) and the pins of plain DAX
 * mappings, as the filesystem's MapGuard. Never written to the image: gone at unmount or crash.
 *
 * A Pin promises "the offset -> block map of [offset, end) of this inode will not change":
 *   mode 'fail'     conflicting changes are refused with ETXTBSY (MAP_DIRECT v4-v6)
 *   mode 'lease'    a conflicting change breaks it: the holder's onBreak runs, an event is
 *                   emitted, and the change waits up to leaseBreakTime for the holder to let go
 *                   (FL_LAYOUT, v7-v9); then the pin is revoked and the change proceeds
 *   mode 'mapping'  the implicit pin of a plain writable mapping: revoked at once by a
 *                   conflicting change (what Linux's dax_layout_busy_page waits for)
 * A revoked pin's blocks are quarantined (never reallocated) until its holder lets go: a raw
 * Uint8Array view cannot be stopped, so a stray store after revocation must hit nothing else.
 * The file moves to fresh copies of them, except blocks another live pin holds; those move
 * when their last live pin goes (released or revoked), so a revoked view's stores reach the
 * file only where some pin has held the block without a gap since the revocation.
 * A fail-mode seal is asked before any lease breaks (refuse(), then before()): a refused change
 * leaves every holder as it was.
 *
 * State machine of a pin: held -> (break requested) -> released | revoked -> released.
 * Waiting on a lease uses Atomics.wait on the pin's shared state word, so a worker that holds
 * the lease keeps its own event loop and releases by storing RELEASED into that word.
 */
import { fsError } from '../../errno/index.js';
import { BLOCK } from '../format/index.js';
import type { FsCore, Inode, MapChange, MapGuard } from '../inode/index.js';

export type PinMode = 'fail' | 'lease' | 'mapping';

export const PIN_HELD = 0;
export const PIN_BREAKING = 1;
export const PIN_RELEASED = 2;

export interface Pin {
  readonly id: number;
  readonly inode: Inode;
  readonly offset: number;
  /** Infinity for a whole-file seal. */
  readonly end: number;
  readonly mode: PinMode;
  readonly holder: string;
  readonly since: number;
  /** Shared state word (PIN_*), so a worker can release a lease without the main thread. */
  readonly state: Int32Array;
  revoked: boolean;
  onBreak: ((pin: Pin) => void) | null;
  /** Blocks quarantined at revocation, released with the pin. */
  quarantined: Array<{ pblk: number; count: number }>;
}

export interface SealEvents {
  emit(event: 'lease-break' | 'lease-revoked', info: { ino: number; id: number; holder: string }): void;
}

export class SealTable implements MapGuard {
  private readonly core: FsCore;
  private readonly pins = new Map<number, Pin>();
  private nextId = 1;
  leaseBreakTime: number;
  private readonly events: SealEvents;
  /**
   * Moves the file off blocks [lblk, lblk+count) (fresh copies, one commit) so that stores
   * through a revoked view reach only the quarantined old blocks, never the file. Set by the
   * API layer, which owns transactions; returns false when space is short (the file then keeps
   * its blocks, and late stores may still show in it: documented in docs/SEALS.md).
   */
  detach: (inode: Inode, lblk: number, count: number) => boolean = () => false;

  constructor(core: FsCore, leaseBreakTime: number, events: SealEvents) {
    this.core = core;
    this.leaseBreakTime = leaseBreakTime;
    this.events = events;
  }

  get size(): number {
    return this.pins.size;
  }

  all(): Pin[] {
    return [...this.pins.values()];
  }

  add(inode: Inode, offset: number, length: number | null, mode: PinMode, holder: string): Pin {
    const pin: Pin = {
      id: this.nextId++, inode, offset, end: length === null ? Infinity : offset + length, mode, holder,
      since: Date.now(), state: new Int32Array(new SharedArrayBuffer(4)), revoked: false, onBreak: null, quarantined: [],
    };
    this.pins.set(pin.id, pin);
    return pin;
  }

  /** The holder lets go (unseal, unmap, close, exit). Quarantined blocks become reusable. */
  release(pin: Pin): void {
    if (!this.pins.delete(pin.id)) return;
    Atomics.store(pin.state, 0, PIN_RELEASED);
    for (const q of pin.quarantined) this.core.space.unquarantine(q.pblk, q.count);
    pin.quarantined = [];
    if (!pin.revoked) this.detachUnheld(pin);
  }

  pinned(inode: Inode, offset: number, length: number): boolean {
    if (this.pins.size === 0) return false;
    for (const p of this.pins.values()) {
      if (p.inode === inode && !p.revoked && p.offset < offset + length && offset < p.end) return true;
    }
    return false;
  }

  refuse(inode: Inode, change: MapChange, syscall: string): void {
    for (const p of this.hits(inode, change)) {
      if (p.mode === 'fail') throw fsError('ETXTBSY', syscall, { detail: `the block map is sealed (${p.holder})` });
    }
  }

  before(inode: Inode, change: MapChange, syscall: string): void {
    if (this.pins.size === 0) return;
    // Every fail-mode seal is asked before any lease breaks: a refused change must leave the
    // other holders (and the file's blocks) exactly as they were.
    this.refuse(inode, change, syscall);
    for (const p of this.hits(inode, change)) if (this.pins.has(p.id) && !p.revoked) this.breakPin(p);
  }

  /** Live pins of the inode that the change conflicts with. */
  private hits(inode: Inode, change: MapChange): Pin[] {
    if (this.pins.size === 0) return [];
    return [...this.pins.values()].filter((p) => p.inode === inode && !p.revoked && conflicts(p, change));
  }

  /** Lease break: notify, wait up to leaseBreakTime for release, else revoke. */
  private breakPin(p: Pin): void {
    if (p.mode === 'lease') {
      Atomics.store(p.state, 0, PIN_BREAKING);
      this.events.emit('lease-break', { ino: p.inode.ino, id: p.id, holder: p.holder });
      p.onBreak?.(p);
      const deadline = Date.now() + this.leaseBreakTime;
      while (Atomics.load(p.state, 0) !== PIN_RELEASED && Date.now() < deadline) {
        Atomics.wait(p.state, 0, PIN_BREAKING, Math.min(50, Math.max(1, deadline - Date.now())));
      }
      if (Atomics.load(p.state, 0) === PIN_RELEASED) {
        this.release(p);
        return;
      }
    }
    this.revoke(p);
  }

  private revoke(p: Pin): void {
    p.revoked = true;
    const first = Math.floor(p.offset / BLOCK);
    const last = p.end === Infinity ? Math.ceil(p.inode.attrs.size / BLOCK) : Math.ceil(p.end / BLOCK);
    let lb = first;
    while (lb < last) {
      const m = p.inode.extents.lookup(lb, last - lb);
      if (m.kind !== 'hole') {
        this.core.space.quarantine(m.pblk, m.count);
        p.quarantined.push({ pblk: m.pblk, count: m.count });
      }
      lb += m.count;
    }
    // Quarantined first, so the blocks the file lets go of are held, not freed. Blocks another
    // live pin holds stay where they are (stores through the revoked view still reach them).
    let run = first;
    for (let b = first; b <= last; b++) {
      if (b < last && !this.pinnedByOthers(p, b)) continue;
      if (b > run) this.detach(p.inode, run, b - run);
      run = b + 1;
    }
    if (p.mode === 'lease') this.events.emit('lease-revoked', { ino: p.inode.ino, id: p.id, holder: p.holder });
  }

  /**
   * A live pin let go: blocks it held that are still quarantined (a revoked view stores into
   * them: the file kept them at the revocation only because this pin held them) and that no
   * other live pin holds now get what the revocation gave the rest of the range: the file moves
   * to fresh copies, so late stores through the revoked view stop reaching it.
   */
  private detachUnheld(p: Pin): void {
    const extents = p.inode.extents;
    if (this.core.space.quarantinedBlocks === 0 || extents.count === 0) return;
    const first = Math.floor(p.offset / BLOCK);
    const last = Math.min(extents.endBlock, p.end === Infinity ? Infinity : Math.ceil(p.end / BLOCK));
    const aliased = (lb: number) => {
      const m = extents.lookup(lb, 1);
      return m.kind !== 'hole' && this.core.space.isQuarantined(m.pblk, 1) && !this.pinnedByOthers(p, lb);
    };
    let run = first;
    for (let b = first; b <= last; b++) {
      if (b < last && aliased(b)) continue;
      if (b > run) this.detach(p.inode, run, b - run);
      run = b + 1;
    }
  }

  /** Another live pin on the file holds block `lb` in place. */
  private pinnedByOthers(p: Pin, lb: number): boolean {
    for (const q of this.pins.values()) {
      if (q !== p && q.inode === p.inode && !q.revoked && q.offset < (lb + 1) * BLOCK && lb * BLOCK < q.end) return true;
    }
    return false;
  }
}

/** Does a change touch what the pin holds? Whole-file pins also forbid any size change. */
function conflicts(p: Pin, c: MapChange): boolean {
  const whole = p.end === Infinity;
  const overlaps = (off: number, end: number) => p.offset < end && off < p.end;
  switch (c.kind) {
    case 'size':
      // A size change moves EOF across [min, max): it conflicts where that crosses the range.
      return whole || overlaps(Math.min(c.from, c.to), Math.max(c.from, c.to));
    case 'fallocate': {
      const shifts = c.mode === 'collapse-range' || c.mode === 'insert-range';
      return whole || overlaps(c.offset, shifts ? Infinity : c.offset + c.length);
    }
    case 'share':
      // A plain mapping on the *source* stays: shareBlocks copies pinned blocks instead.
      if (p.mode === 'mapping' && c.role === 'source') return false;
      return whole || overlaps(c.offset, c.offset + c.length);
    case 'move':
      return overlaps(c.offset, c.offset + c.length);
  }
}
