/**
 * The on-disk format of pmemfs, in one place: device layout, superblock, commit word and
 * checkpoint slots. Records and their items are in items.ts; the checkpoint framing in
 * checkpoint.ts, its payload (top section, inode groups) in image.ts. Version 2: the payload
 * is lazily loadable (version 1's single item stream is not mounted). docs/FORMAT.md is checked against these constants by test/fs/format.test.ts.
 * All integers little-endian; u64 fields hold values up to 2^53 (read as lo + hi * 2^32).
 *
 * Device layout (block = 4096 bytes):
 *   region       first block   blocks       contents
 *   superblock   0             1            static fields, commit word, two checkpoint slots
 *   log          1             logBlocks    metadata records, appended; replayed up to the tail
 *   data         1+logBlocks   the rest     file extents and checkpoint images
 *
 * Superblock (block 0):
 *   off  bytes type  field            meaning
 *   0    8     bytes magic            "PMEMFS\0\1"
 *   8    4     u32   version          FORMAT_VERSION
 *   12   4     u32   blockSize        4096
 *   16   8     u64   blockCount       device size / blockSize
 *   24   4     u32   logStart         first log block (1)
 *   28   4     u32   logBlocks        log region length in blocks
 *   32   4     u32   featCompat       unknown bits: mount anyway
 *   36   4     u32   featRoCompat     unknown bits: mount read-only (EROFS on writes)
 *   40   4     u32   featIncompat     unknown bits: refuse to mount (EFSCORRUPTED)
 *   44   4     u32   reserved         0
 *   48   16    bytes uuid
 *   64   8     u64   mkfsTimeMs
 *   72   32    bytes label            UTF-8, NUL padded
 *   104  20    bytes reserved         0
 *   124  4     u32   crc              CRC32C of bytes 0..124
 *   128  8     u64   COMMIT WORD      hi32 = checkpoint generation, lo32 = log tail in bytes;
 *                                     one aligned 8-byte store: the commit point of everything
 *   192  64          slot[0]          checkpoint slot for even generations
 *   256  64          slot[1]          checkpoint slot for odd generations
 *
 * Checkpoint slot (64 bytes, one cache line):
 *   0  4 u32 generation   8 u64 headerBlock   16 u64 payloadBytes   24 u32 payloadCrc (of the
 *   payload's top section [0, topBytes) only: each inode group has its own, image.ts)
 *   28 4 u32 extentCount  32 u64 seq (transactions since mkfs)     60 u32 crc of 0..60
 *   generation 0 is the empty checkpoint written by mkfs (headerBlock 0, no payload).
 */
import { crc32c } from './crc32c.js';

export const BLOCK = 4096;
export const BLOCK_SHIFT = 12;
export const FORMAT_VERSION = 2;
export const MAGIC = new Uint8Array([0x50, 0x4d, 0x45, 0x4d, 0x46, 0x53, 0x00, 0x01]); // PMEMFS\0\1

/** Feature bits. None are defined yet; the masks say which ones this code understands. */
export const FEAT_COMPAT_KNOWN = 0;
export const FEAT_RO_COMPAT_KNOWN = 0;
export const FEAT_INCOMPAT_KNOWN = 0;

export const SB = {
  magic: 0, version: 8, blockSize: 12, blockCount: 16, logStart: 24, logBlocks: 28,
  featCompat: 32, featRoCompat: 36, featIncompat: 40, uuid: 48, mkfsTimeMs: 64, label: 72,
  crc: 124, staticBytes: 128, commitWord: 128, slot0: 192, slot1: 256,
} as const;

export const SLOT = { generation: 0, headerBlock: 8, payloadBytes: 16, payloadCrc: 24, extentCount: 28, seq: 32, crc: 60, bytes: 64 } as const;

export const LABEL_MAX = 32;

export interface Superblock {
  version: number;
  blockSize: number;
  blockCount: number;
  logStart: number;
  logBlocks: number;
  featCompat: number;
  featRoCompat: number;
  featIncompat: number;
  uuid: Uint8Array;
  mkfsTimeMs: number;
  label: string;
}

export interface CheckpointSlot {
  generation: number;
  headerBlock: number;
  payloadBytes: number;
  payloadCrc: number;
  extentCount: number;
  seq: number;
}

export interface CommitWord {
  generation: number;
  tail: number;
}

export function getU64(v: DataView, off: number): number {
  return v.getUint32(off, true) + v.getUint32(off + 4, true) * 0x1_0000_0000;
}

export function setU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x >>> 0, true);
  v.setUint32(off + 4, Math.floor(x / 0x1_0000_0000), true);
}

export function encodeSuperblock(sb: Superblock): Uint8Array {
  const b = new Uint8Array(SB.staticBytes);
  const v = new DataView(b.buffer);
  b.set(MAGIC, SB.magic);
  v.setUint32(SB.version, sb.version, true);
  v.setUint32(SB.blockSize, sb.blockSize, true);
  setU64(v, SB.blockCount, sb.blockCount);
  v.setUint32(SB.logStart, sb.logStart, true);
  v.setUint32(SB.logBlocks, sb.logBlocks, true);
  v.setUint32(SB.featCompat, sb.featCompat, true);
  v.setUint32(SB.featRoCompat, sb.featRoCompat, true);
  v.setUint32(SB.featIncompat, sb.featIncompat, true);
  b.set(sb.uuid.subarray(0, 16), SB.uuid);
  setU64(v, SB.mkfsTimeMs, sb.mkfsTimeMs);
  b.set(new TextEncoder().encode(sb.label).subarray(0, LABEL_MAX), SB.label);
  v.setUint32(SB.crc, crc32c(b, 0, SB.crc), true);
  return b;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; code: 'EFSCORRUPTED' | 'EFSBADCRC'; why: string };

export function decodeSuperblock(b: Uint8Array): Decoded<Superblock> {
  for (let i = 0; i < MAGIC.length; i++) {
    if (b[i] !== MAGIC[i]) return { ok: false, code: 'EFSCORRUPTED', why: 'no pmemfs superblock (bad magic)' };
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(SB.crc, true) !== crc32c(b, 0, SB.crc)) return { ok: false, code: 'EFSBADCRC', why: 'superblock checksum mismatch' };
  const sb: Superblock = {
    version: v.getUint32(SB.version, true),
    blockSize: v.getUint32(SB.blockSize, true),
    blockCount: getU64(v, SB.blockCount),
    logStart: v.getUint32(SB.logStart, true),
    logBlocks: v.getUint32(SB.logBlocks, true),
    featCompat: v.getUint32(SB.featCompat, true),
    featRoCompat: v.getUint32(SB.featRoCompat, true),
    featIncompat: v.getUint32(SB.featIncompat, true),
    uuid: b.slice(SB.uuid, SB.uuid + 16),
    mkfsTimeMs: getU64(v, SB.mkfsTimeMs),
    label: new TextDecoder().decode(b.subarray(SB.label, SB.label + LABEL_MAX)).replace(/\0+$/, ''),
  };
  if (sb.version !== FORMAT_VERSION) return { ok: false, code: 'EFSCORRUPTED', why: `unsupported format version ${sb.version}` };
  if (sb.blockSize !== BLOCK) return { ok: false, code: 'EFSCORRUPTED', why: `unsupported block size ${sb.blockSize}` };
  if (sb.logStart !== 1 || sb.logBlocks < 1 || sb.logStart + sb.logBlocks >= sb.blockCount) {
    return { ok: false, code: 'EFSCORRUPTED', why: 'log region out of bounds' };
  }
  if ((sb.featIncompat & ~FEAT_INCOMPAT_KNOWN) !== 0) return { ok: false, code: 'EFSCORRUPTED', why: `unknown incompatible features 0x${sb.featIncompat.toString(16)}` };
  return { ok: true, value: sb };
}

/** Encodes into `out` (8 bytes) when given: the commit path reuses one buffer. */
export function encodeCommitWord(w: CommitWord, out: Uint8Array = new Uint8Array(8)): Uint8Array {
  // Byte by byte, little-endian: no DataView per commit.
  for (let i = 0; i < 4; i++) {
    out[i] = (w.tail >>> (8 * i)) & 0xff;
    out[4 + i] = (w.generation >>> (8 * i)) & 0xff;
  }
  return out;
}

export function decodeCommitWord(b: Uint8Array): CommitWord {
  const v = new DataView(b.buffer, b.byteOffset, 8);
  return { tail: v.getUint32(0, true), generation: v.getUint32(4, true) };
}

export function encodeSlot(s: CheckpointSlot): Uint8Array {
  const b = new Uint8Array(SLOT.bytes);
  const v = new DataView(b.buffer);
  v.setUint32(SLOT.generation, s.generation, true);
  setU64(v, SLOT.headerBlock, s.headerBlock);
  setU64(v, SLOT.payloadBytes, s.payloadBytes);
  v.setUint32(SLOT.payloadCrc, s.payloadCrc, true);
  v.setUint32(SLOT.extentCount, s.extentCount, true);
  setU64(v, SLOT.seq, s.seq);
  v.setUint32(SLOT.crc, crc32c(b, 0, SLOT.crc), true);
  return b;
}

export function decodeSlot(b: Uint8Array): Decoded<CheckpointSlot> {
  const v = new DataView(b.buffer, b.byteOffset, SLOT.bytes);
  if (v.getUint32(SLOT.crc, true) !== crc32c(b, 0, SLOT.crc)) return { ok: false, code: 'EFSBADCRC', why: 'checkpoint slot checksum mismatch' };
  return {
    ok: true,
    value: {
      generation: v.getUint32(SLOT.generation, true),
      headerBlock: getU64(v, SLOT.headerBlock),
      payloadBytes: getU64(v, SLOT.payloadBytes),
      payloadCrc: v.getUint32(SLOT.payloadCrc, true),
      extentCount: v.getUint32(SLOT.extentCount, true),
      seq: getU64(v, SLOT.seq),
    },
  };
}

/** Byte offset of the slot a generation uses. */
export function slotOffset(generation: number): number {
  return generation % 2 === 0 ? SB.slot0 : SB.slot1;
}

/** Log size for a device: 1/32 of it, between 256 KiB and 64 MiB, in blocks. */
export function defaultLogBlocks(blockCount: number): number {
  const want = Math.floor(blockCount / 32);
  return Math.max(64, Math.min(16384, want));
}
