/**
 * Mapping: a DAX mapping of a file range: zero-copy Uint8Array views over the device's
 * SharedArrayBuffer, one per physically contiguous piece (`segments`), and `view` when the
 * range is one piece.
 *
 * Interface:
 *   segments / view            the views; stores through them go straight to "persistent memory"
 *   persist(offset, length)    flush + fence of the covered lines (offsets relative to the map)
 *   unmap()                    releases the pin (and a MAP_DIRECT seal) and the inode
 *   share()                    a postable handle: a worker attaches the device and persists itself
 *   revoked                    true once a lease break revoked it: stores still land in the
 *                              (quarantined) blocks but are no longer part of the file
 * Stores through a view are invisible to the device until persist() (or any flush) covers them.
 */
import { fsError } from '../../errno/index.js';
import type { PmemDevice, SharedDevice } from '../../pmem/index.js';
import type { Pin } from './seal-table.js';

export interface Segment {
  /** File offset of the segment's first byte. */
  fileOffset: number;
  /** Device offset of the segment's first byte. */
  deviceOffset: number;
  view: Uint8Array;
}

export interface SharedMapping {
  device: SharedDevice;
  offset: number;
  length: number;
  segments: Array<{ fileOffset: number; deviceOffset: number; length: number }>;
  /** The pin's state word: PIN_BREAKING asks the holder to let go; store PIN_RELEASED to do so. */
  leaseState: Int32Array;
}

export class Mapping {
  readonly offset: number;
  readonly length: number;
  readonly segments: readonly Segment[];
  private readonly dev: PmemDevice;
  private readonly pins: Pin[];
  private readonly onUnmap: (m: Mapping) => void;
  private unmapped = false;

  constructor(dev: PmemDevice, offset: number, length: number, segments: Segment[], pins: Pin[], onUnmap: (m: Mapping) => void) {
    this.dev = dev;
    this.offset = offset;
    this.length = length;
    this.segments = segments;
    this.pins = pins;
    this.onUnmap = onUnmap;
  }

  /** The whole range as one view, when it is one physical piece. */
  get view(): Uint8Array | undefined {
    return this.segments.length === 1 ? this.segments[0]!.view : undefined;
  }

  get revoked(): boolean {
    return this.pins.some((p) => p.revoked);
  }

  get isMapped(): boolean {
    return !this.unmapped;
  }

  /** Makes stores in [offset, offset+length) of the mapping durable (flush + one fence). */
  persist(offset = 0, length = this.length - offset): void {
    if (this.unmapped) throw fsError('EINVAL', 'msync', { detail: 'mapping is unmapped' });
    if (offset < 0 || length < 0 || offset + length > this.length) throw fsError('EINVAL', 'msync', { detail: 'range outside the mapping' });
    const from = this.offset + offset;
    const to = from + length;
    for (const s of this.segments) {
      const a = Math.max(from, s.fileOffset);
      const b = Math.min(to, s.fileOffset + s.view.length);
      if (b > a) this.dev.flush(s.deviceOffset + (a - s.fileOffset), b - a);
    }
    this.dev.fence();
  }

  unmap(): void {
    if (this.unmapped) return;
    this.unmapped = true;
    this.onUnmap(this);
  }

  share(): SharedMapping {
    return {
      device: this.dev.share(),
      offset: this.offset,
      length: this.length,
      segments: this.segments.map((s) => ({ fileOffset: s.fileOffset, deviceOffset: s.deviceOffset, length: s.view.length })),
      leaseState: this.pins[0]?.state ?? new Int32Array(new SharedArrayBuffer(4)),
    };
  }

  /** Pins this mapping holds (seal table bookkeeping). */
  heldPins(): readonly Pin[] {
    return this.pins;
  }
}
