/**
 * Checkpoint image framing. A checkpoint is the whole metadata state: a top section (orphans,
 * inode index, space map) and one group of items (items.ts) per inode, laid out in image.ts.
 * It lives in data-area blocks: a header block that lists the extents holding the payload,
 * then the payload itself.
 *
 * Header block:
 *   off  bytes type field        meaning
 *   0    4     u32  magic        0x504b4350 ("PCKP")
 *   4    4     u32  generation   must equal the slot's
 *   8    4     u32  extentCount  at most CKPT_MAX_EXTENTS
 *   12   4     u32  reserved     0
 *   16   16*n       extents      { 0:u64 pblk, 8:u32 blockCount, 12:u32 0 }, in payload order
 *   4092 4     u32  crc          CRC32C of bytes 0..4092
 * The payload's length and the CRC of its top section are in the checkpoint slot (layout.ts).
 */
import { crc32c } from './crc32c.js';
import { BLOCK, getU64, setU64, type Decoded } from './layout.js';

export const CKPT_MAGIC = 0x504b4350;
export const CKPT_MAX_EXTENTS = Math.floor((BLOCK - 20) / 16);

export interface BlockExtent {
  pblk: number;
  count: number;
}

export function encodeCheckpointHeader(generation: number, extents: readonly BlockExtent[]): Uint8Array {
  const b = new Uint8Array(BLOCK);
  const v = new DataView(b.buffer);
  v.setUint32(0, CKPT_MAGIC, true);
  v.setUint32(4, generation, true);
  v.setUint32(8, extents.length, true);
  extents.forEach((e, i) => {
    setU64(v, 16 + 16 * i, e.pblk);
    v.setUint32(24 + 16 * i, e.count, true);
  });
  v.setUint32(BLOCK - 4, crc32c(b, 0, BLOCK - 4), true);
  return b;
}

export function decodeCheckpointHeader(b: Uint8Array, generation: number): Decoded<BlockExtent[]> {
  const v = new DataView(b.buffer, b.byteOffset, BLOCK);
  if (v.getUint32(0, true) !== CKPT_MAGIC) return { ok: false, code: 'EFSCORRUPTED', why: 'checkpoint header has bad magic' };
  if (v.getUint32(BLOCK - 4, true) !== crc32c(b, 0, BLOCK - 4)) return { ok: false, code: 'EFSBADCRC', why: 'checkpoint header checksum mismatch' };
  if (v.getUint32(4, true) !== generation) return { ok: false, code: 'EFSCORRUPTED', why: 'checkpoint header is from another generation' };
  const n = v.getUint32(8, true);
  if (n > CKPT_MAX_EXTENTS) return { ok: false, code: 'EFSCORRUPTED', why: 'checkpoint header lists too many extents' };
  const out: BlockExtent[] = [];
  for (let i = 0; i < n; i++) out.push({ pblk: getU64(v, 16 + 16 * i), count: v.getUint32(24 + 16 * i, true) });
  return { ok: true, value: out };
}
