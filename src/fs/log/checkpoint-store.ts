/**
 * CheckpointStore: writes and reads checkpoint images (format/checkpoint.ts, format/image.ts),
 * which bound mount time and let the log start over: the log cleaner of this design
 * (docs/DESIGN.md).
 *
 * Interface:
 *   write(payload, top, space, log) -> true, or false when free space cannot hold the image (the
 *                             log then keeps growing until it is full: ENOSPC for metadata)
 *   read(dev, word)        -> the current image (null for generation 0) and the blocks it owns;
 *                             only its top section is read and checked
 *   image                  the current image: its top section, and its inode groups readable
 *                             from the device on demand (CheckpointImage)
 *   blocks                 the extents the current image owns (marked used at mount)
 *
 * Protocol (gen -> gen+1):
 *   1. payload and header stored into free blocks, flushed; fence
 *   2. slot[(gen+1) % 2] := { gen+1, header, length, crc of the top section }, flushed; fence
 *      (that slot belonged to gen-1, which nothing refers to any more)
 *   3. commit word := (gen+1, tail 0); fence   -> COMMIT POINT: the new image is current and
 *      every log record of gen is dead; before it, recovery uses gen and its log as if nothing
 *      happened (the blocks of step 1 are free in that state).
 *   4. the blocks of the gen image are released.
 * The gen image's blocks stay owned until step 4 because inodes not loaded since mount live
 * only there: their groups are copied from it into the new payload before step 1.
 */
import { IGET, fsError } from '../../errno/index.js';
import type { PmemDevice } from '../../pmem/index.js';
import type { BlockSpace, Extent } from '../alloc/index.js';
import {
  BLOCK, CKPT_MAX_EXTENTS, SLOT, TOP, crc32c, decodeCheckpointHeader, decodeSlot, decodeTop, encodeCheckpointHeader,
  encodeSlot, ImageTop, peekTopBytes, slotOffset, type CommitWord,
} from '../format/index.js';
import type { MetaLog } from './meta-log.js';

/**
 * A checkpoint image on the device: the decoded top section, and reads of any payload range
 * (an inode's group) through the device, so the payload is never copied whole into memory.
 */
export class CheckpointImage {
  readonly top: ImageTop;
  readonly payloadBytes: number;
  private readonly dev: PmemDevice;
  private readonly extents: readonly Extent[];
  /** Payload offset at which each extent starts (ascending), for the binary search in read. */
  private readonly starts: number[];

  constructor(dev: PmemDevice, payloadExtents: readonly Extent[], payloadBytes: number, top: ImageTop) {
    this.dev = dev;
    this.extents = payloadExtents;
    this.payloadBytes = payloadBytes;
    this.top = top;
    this.starts = [];
    let at = 0;
    for (const e of payloadExtents) {
      this.starts.push(at);
      at += e.count * BLOCK;
    }
  }

  /** Device byte offset of payload offset `off` (tools and tests that inspect an image). */
  deviceOffset(off: number): number {
    const i = this.extentAt(off);
    return this.extents[i]!.pblk * BLOCK + off - this.starts[i]!;
  }

  /** Payload bytes [off, off + target.length) into target; the range may span extents. */
  readInto(off: number, target: Uint8Array): void {
    const lo = this.extentAt(off);
    let done = 0;
    for (let i = lo; done < target.length; i++) {
      const e = this.extents[i];
      if (e === undefined) throw fsError('EFSCORRUPTED', IGET, { detail: 'checkpoint range past its extents' });
      const from = off + done - this.starts[i]!;
      const n = Math.min(target.length - done, e.count * BLOCK - from);
      this.dev.readInto(e.pblk * BLOCK + from, target.subarray(done, done + n));
      done += n;
    }
  }

  /** The extent holding payload offset `off` (binary search on the extents' starts). */
  private extentAt(off: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  read(off: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.readInto(off, out);
    return out;
  }
}

export class CheckpointStore {
  private readonly dev: PmemDevice;
  /** Header block + payload extents of the current image. */
  blocks: Extent[];
  /** The current image (null: generation 0, the empty filesystem of mkfs). */
  image: CheckpointImage | null;

  constructor(dev: PmemDevice, blocks: Extent[], image: CheckpointImage | null) {
    this.dev = dev;
    this.blocks = blocks;
    this.image = image;
  }

  get blockCount(): number {
    return this.blocks.reduce((n, e) => n + e.count, 0);
  }

  write(payload: Uint8Array, top: ImageTop, space: BlockSpace, log: MetaLog): boolean {
    const need = 1 + Math.ceil(payload.length / BLOCK);
    // Injected bug 'early-free-checkpoint' (crash campaigns): the current image's blocks are
    // released before the new image is written, so the new one may overwrite the only valid one.
    const early = log.faults.has('early-free-checkpoint');
    if (early) this.releaseBlocks(space);
    if (space.free.freeBlocks < need) return false;
    const got: Extent[] = [];
    let left = need;
    while (left > 0 && got.length <= CKPT_MAX_EXTENTS) {
      const e = space.free.alloc(left);
      if (e === null) break;
      got.push(e);
      left -= e.count;
    }
    if (left > 0 || got.length > CKPT_MAX_EXTENTS) {
      for (const e of got) space.free.free(e.pblk, e.count);
      return false;
    }
    const generation = log.generation + 1;
    // The header takes the first block of the first extent; the payload follows in order.
    const first = got[0]!;
    const payloadExtents: Extent[] = [];
    if (first.count > 1) payloadExtents.push({ pblk: first.pblk + 1, count: first.count - 1 });
    payloadExtents.push(...got.slice(1));
    let pos = 0;
    for (const e of payloadExtents) {
      const n = Math.min(payload.length - pos, e.count * BLOCK);
      if (n <= 0) break;
      this.dev.ntstore(e.pblk * BLOCK, payload.subarray(pos, pos + n));
      pos += n;
    }
    this.dev.ntstore(first.pblk * BLOCK, encodeCheckpointHeader(generation, payloadExtents));
    this.dev.fence();
    // The slot's checksum covers the top section only: each group carries its own, checked
    // when its inode is loaded, so mount never reads the groups.
    const slot = encodeSlot({
      generation, headerBlock: first.pblk, payloadBytes: payload.length, payloadCrc: crc32c(payload, 0, top.topBytes),
      extentCount: payloadExtents.length, seq: 0,
    });
    this.dev.write(slotOffset(generation), slot);
    this.dev.persist(slotOffset(generation), SLOT.bytes);
    log.writeCommitWord({ generation, tail: 0 });
    // COMMIT POINT: the new image is current; the old one and the whole log are dead.
    log.restart(generation);
    if (!early) this.releaseBlocks(space);
    this.blocks = got;
    this.image = new CheckpointImage(this.dev, payloadExtents, payload.length, top);
    return true;
  }

  private releaseBlocks(space: BlockSpace): void {
    for (const e of this.blocks) space.releaseMeta(e.pblk, e.count);
    this.blocks = [];
  }

  /**
   * Reads the image the commit word names: slot, header and top section (checksummed), never
   * the inode groups. Throws EFSCORRUPTED / EFSBADCRC.
   */
  static read(dev: PmemDevice, word: CommitWord): { image: CheckpointImage | null; blocks: Extent[] } {
    const raw = decodeSlot(dev.read(slotOffset(word.generation), SLOT.bytes));
    if (!raw.ok) throw fsError(raw.code, 'mount', { detail: raw.why });
    const slot = raw.value;
    if (slot.generation !== word.generation) {
      throw fsError('EFSCORRUPTED', 'mount', { detail: `checkpoint slot holds generation ${slot.generation}, commit word names ${word.generation}` });
    }
    if (slot.headerBlock === 0) return { image: null, blocks: [] };
    if (slot.headerBlock * BLOCK + BLOCK > dev.size) throw fsError('EFSCORRUPTED', 'mount', { detail: 'checkpoint header past the end of the device' });
    const head = decodeCheckpointHeader(dev.read(slot.headerBlock * BLOCK, BLOCK), slot.generation);
    if (!head.ok) throw fsError(head.code, 'mount', { detail: head.why });
    let room = 0;
    for (const e of head.value) {
      if ((e.pblk + e.count) * BLOCK > dev.size) throw fsError('EFSCORRUPTED', 'mount', { detail: 'checkpoint extent past the end of the device' });
      room += e.count * BLOCK;
    }
    if (room < slot.payloadBytes || slot.payloadBytes < TOP.table) throw fsError('EFSCORRUPTED', 'mount', { detail: 'checkpoint extents shorter than its payload' });
    const reader = (top: ImageTop) => new CheckpointImage(dev, head.value, slot.payloadBytes, top);
    const probe = reader(ImageTop.EMPTY);
    const topBytes = peekTopBytes(probe.read(0, TOP.table), slot.payloadBytes);
    if (!topBytes.ok) throw fsError(topBytes.code, 'mount', { detail: topBytes.why });
    const bytes = topSection(dev, head.value[0]!, topBytes.value) ?? probe.read(0, topBytes.value);
    if (crc32c(bytes) !== slot.payloadCrc) throw fsError('EFSBADCRC', 'mount', { detail: 'checkpoint top section checksum mismatch' });
    const top = decodeTop(bytes, slot.payloadBytes);
    if (!top.ok) throw fsError(top.code, 'mount', { detail: top.why });
    const blocks = [{ pblk: slot.headerBlock, count: 1 }, ...head.value];
    return { image: reader(top.value), blocks: mergeAdjacent(blocks) };
  }
}

/**
 * A large top section is not copied: decodeTop's index then reads the device's cache in place
 * (peek), which stays valid because the image's blocks are owned (never written) until the next
 * checkpoint replaces this image, index included. A small one is copied. Null: copy it.
 */
function topSection(dev: PmemDevice, first: Extent, topBytes: number): Uint8Array | null {
  if (topBytes < IN_PLACE_MIN || topBytes > first.count * BLOCK) return null;
  return dev.peek(first.pblk * BLOCK, topBytes);
}

const IN_PLACE_MIN = 1 << 20;

function mergeAdjacent(ex: Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const e of ex) {
    const last = out[out.length - 1];
    if (last !== undefined && last.pblk + last.count === e.pblk) last.count += e.count;
    else out.push({ ...e });
  }
  return out;
}
