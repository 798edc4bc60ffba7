/**
 * CheckpointStore: writes and reads checkpoint images (format/checkpoint.ts), which bound
 * mount time and let the log start over: the log cleaner of this design (docs/DESIGN.md).
 *
 * Interface:
 *   write(payload, space)  -> true, or false when free space cannot hold the image (the log
 *                             then keeps growing until it is full: ENOSPC for metadata)
 *   read(dev, word)        -> the payload of the current checkpoint (empty for generation 0)
 *   blocks                 the extents the current image owns (marked used at mount)
 *
 * Protocol (gen -> gen+1):
 *   1. payload and header stored into free blocks, flushed; fence
 *   2. slot[(gen+1) % 2] := { gen+1, header, length, crc }, flushed; fence
 *      (that slot belonged to gen-1, which nothing refers to any more)
 *   3. commit word := (gen+1, tail 0); fence   -> COMMIT POINT: the new image is current and
 *      every log record of gen is dead; before it, recovery uses gen and its log as if nothing
 *      happened (the blocks of step 1 are free in that state).
 *   4. the blocks of the gen image are released.
 */
import { fsError } from '../../errno/index.js';
import type { PmemDevice } from '../../pmem/index.js';
import type { BlockSpace, Extent } from '../alloc/index.js';
import {
  BLOCK, CKPT_MAX_EXTENTS, SLOT, crc32c, decodeCheckpointHeader, decodeSlot, encodeCheckpointHeader, encodeSlot,
  slotOffset, type CommitWord,
} from '../format/index.js';
import type { MetaLog } from './meta-log.js';

export class CheckpointStore {
  private readonly dev: PmemDevice;
  /** Header block + payload extents of the current image. */
  blocks: Extent[];

  constructor(dev: PmemDevice, blocks: Extent[]) {
    this.dev = dev;
    this.blocks = blocks;
  }

  get blockCount(): number {
    return this.blocks.reduce((n, e) => n + e.count, 0);
  }

  write(payload: Uint8Array, space: BlockSpace, log: MetaLog): boolean {
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
    const slot = encodeSlot({
      generation, headerBlock: first.pblk, payloadBytes: payload.length, payloadCrc: crc32c(payload),
      extentCount: payloadExtents.length, seq: 0,
    });
    this.dev.write(slotOffset(generation), slot);
    this.dev.persist(slotOffset(generation), SLOT.bytes);
    log.writeCommitWord({ generation, tail: 0 });
    // COMMIT POINT: the new image is current; the old one and the whole log are dead.
    log.restart(generation);
    if (!early) this.releaseBlocks(space);
    this.blocks = got;
    return true;
  }

  private releaseBlocks(space: BlockSpace): void {
    for (const e of this.blocks) space.releaseMeta(e.pblk, e.count);
    this.blocks = [];
  }

  /** Reads the image the commit word names. Throws EFSCORRUPTED / EFSBADCRC. */
  static read(dev: PmemDevice, word: CommitWord): { payload: Uint8Array; blocks: Extent[] } {
    const raw = decodeSlot(dev.read(slotOffset(word.generation), SLOT.bytes));
    if (!raw.ok) throw fsError(raw.code, 'mount', { detail: raw.why });
    const slot = raw.value;
    if (slot.generation !== word.generation) {
      throw fsError('EFSCORRUPTED', 'mount', { detail: `checkpoint slot holds generation ${slot.generation}, commit word names ${word.generation}` });
    }
    if (slot.headerBlock === 0) return { payload: new Uint8Array(0), blocks: [] };
    if (slot.headerBlock * BLOCK + BLOCK > dev.size) throw fsError('EFSCORRUPTED', 'mount', { detail: 'checkpoint header past the end of the device' });
    const head = decodeCheckpointHeader(dev.read(slot.headerBlock * BLOCK, BLOCK), slot.generation);
    if (!head.ok) throw fsError(head.code, 'mount', { detail: head.why });
    const payload = new Uint8Array(slot.payloadBytes);
    let pos = 0;
    for (const e of head.value) {
      if ((e.pblk + e.count) * BLOCK > dev.size) throw fsError('EFSCORRUPTED', 'mount', { detail: 'checkpoint extent past the end of the device' });
      const n = Math.min(payload.length - pos, e.count * BLOCK);
      if (n > 0) dev.readInto(e.pblk * BLOCK, payload.subarray(pos, pos + n));
      pos += Math.max(n, 0);
    }
    if (pos < payload.length) throw fsError('EFSCORRUPTED', 'mount', { detail: 'checkpoint extents shorter than its payload' });
    if (crc32c(payload) !== slot.payloadCrc) throw fsError('EFSBADCRC', 'mount', { detail: 'checkpoint payload checksum mismatch' });
    const blocks = [{ pblk: slot.headerBlock, count: 1 }, ...head.value];
    return { payload, blocks: mergeAdjacent(blocks) };
  }
}

function mergeAdjacent(ex: Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const e of ex) {
    const last = out[out.length - 1];
    if (last !== undefined && last.pblk + last.count === e.pblk) last.count += e.count;
    else out.push({ ...e });
  }
  return out;
}
