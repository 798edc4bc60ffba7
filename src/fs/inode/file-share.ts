/**
 * Sharing blocks between files: FICLONE / FICLONERANGE (cloneData) and FIDEDUPERANGE
 * (dedupeData). Both build MAP items that point the destination range at the source's blocks;
 * MetaState.apply() takes the extra references, and a later write to either file copies on
 * write (file-io.ts always writes to fresh blocks), so the two stay independent.
 *
 * Linux rules kept: offsets and length block-aligned, except that a range ending at the
 * source's EOF may end unaligned if it also reaches the destination's EOF; length 0 means
 * "to the source's EOF"; overlapping ranges of one file are EINVAL.
 */
import { fsError } from '../../errno/index.js';
import { BLOCK, mapItem } from '../format/index.js';
import type { FsCore } from './fs-core.js';
import { MAX_FILE_SIZE, readData, storeBlocks, zeroStaleTail } from './file-io.js';
import type { Inode } from './inode.js';
import { now } from './inode.js';
import { beforeAll, type MapChange } from './map-guard.js';
import type { Txn } from './txn.js';

export interface ShareRange {
  src: Inode;
  srcOffset: number;
  dst: Inode;
  dstOffset: number;
  length: number;
}

/**
 * Validates and normalises a clone/dedupe range (Linux's generic_remap_checks and
 * generic_remap_check_len); returns the byte length to share, possibly 0.
 * Clone: length 0 means "to the source's EOF"; an unaligned length must end at the source's
 * EOF and may not leave a partial block inside the destination. Dedupe may shorten
 * (REMAP_FILE_CAN_SHORTEN): an unaligned length is rounded down to whole blocks unless both
 * ranges end at their EOFs, and neither range may pass its file's EOF.
 */
export function checkShareRange(txn: Txn, r: ShareRange, path?: string, dedupe = false): number {
  const sys = txn.syscall;
  const bad = (detail: string): never => {
    throw fsError('EINVAL', sys, { path, detail });
  };
  if (r.src.type !== 'file' || r.dst.type !== 'file') throw fsError(r.src.isDir || r.dst.isDir ? 'EISDIR' : 'EINVAL', sys, { path });
  const ok = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!ok(r.srcOffset) || !ok(r.dstOffset) || !ok(r.length)) bad('offsets and length must be non-negative integers');
  const srcSize = txn.attrsOf(r.src).size;
  const dstSize = txn.attrsOf(r.dst).size;
  let length = r.length;
  if (length === 0) {
    if (dedupe || r.srcOffset === srcSize) return 0;
    if (r.srcOffset > srcSize) bad('offset past the end of the source');
    length = srcSize - r.srcOffset;
  }
  if (r.srcOffset % BLOCK !== 0 || r.dstOffset % BLOCK !== 0) bad('offsets must be block-aligned');
  if (r.srcOffset >= srcSize || r.srcOffset + length > srcSize) bad('range past the end of the source');
  if (dedupe && (r.dstOffset >= dstSize || r.dstOffset + length > dstSize)) bad('range past the end of the destination');
  if (r.dstOffset + length > MAX_FILE_SIZE) throw fsError('EFBIG', sys, { path });
  const toEof = r.srcOffset + length === srcSize && (!dedupe || r.dstOffset + length === dstSize);
  if (dedupe && !toEof) length -= length % BLOCK;
  if (!dedupe && !toEof && length % BLOCK !== 0) bad('length must be block-aligned unless the range ends at EOF');
  if (!dedupe && length % BLOCK !== 0 && r.dstOffset + length < dstSize) bad('a partial EOF block may not land inside the destination');
  const span = toEof ? Math.ceil(srcSize / BLOCK) * BLOCK - r.srcOffset : length;
  if (r.src === r.dst && r.srcOffset < r.dstOffset + span && r.dstOffset < r.srcOffset + span) bad('overlapping ranges in one file');
  return length;
}

export function cloneData(txn: Txn, r: ShareRange, path?: string): number {
  const length = checkShareRange(txn, r, path);
  if (length === 0) return 0;
  const a = txn.attrsOf(r.dst);
  const grows = r.dstOffset + length > a.size;
  const changes: Array<[Inode, MapChange]> = [
    [r.src, { kind: 'share', role: 'source', offset: r.srcOffset, length }],
    [r.dst, { kind: 'share', role: 'dest', offset: r.dstOffset, length }],
  ];
  if (grows) changes.push([r.dst, { kind: 'size', from: a.size, to: r.dstOffset + length }]);
  beforeAll(txn.core.guard, changes, txn.syscall);
  if (grows) zeroStaleTail(txn, r.dst, a.size, r.dstOffset + length, path);
  shareBlocks(txn, r, length);
  if (r.dstOffset + length > a.size) a.size = r.dstOffset + length;
  const t = now();
  a.mtime = t;
  a.ctime = t;
  return length;
}

/** Shares the range only if its bytes are equal in both files; returns bytes deduplicated. */
export function dedupeData(txn: Txn, r: ShareRange, path?: string): number {
  const length = checkShareRange(txn, r, path, true);
  if (length === 0) return 0;
  // Seals are asked first: a sealed file is refused whether or not the bytes match.
  beforeAll(txn.core.guard, [
    [r.src, { kind: 'share', role: 'source', offset: r.srcOffset, length }],
    [r.dst, { kind: 'share', role: 'dest', offset: r.dstOffset, length }],
  ], txn.syscall);
  if (!sameBytes(txn.core, r, length)) return 0;
  shareBlocks(txn, r, length);
  return length;
}

/**
 * Points the destination at the source's blocks. Blocks a DAX mapping pins (or that a revoked
 * one may still store into) are copied instead: sharing them would let stores through the view
 * show up in the other file.
 */
function shareBlocks(txn: Txn, r: ShareRange, length: number): void {
  const s0 = r.srcOffset / BLOCK;
  const d0 = r.dstOffset / BLOCK;
  const n = Math.ceil(length / BLOCK);
  const core = txn.core;
  let i = 0;
  while (i < n) {
    const m = r.src.extents.lookup(s0 + i, n - i);
    if (m.kind === 'hole') txn.add(mapItem(r.dst.ino, d0 + i, m.count, 0, 'hole'));
    else if (core.guard.pinned(r.src, (s0 + i) * BLOCK, m.count * BLOCK) || core.space.isQuarantined(m.pblk, m.count)) {
      const from = m.pblk - (d0 + i);
      storeBlocks(txn, r.dst, d0 + i, m.count, (block, lb) => core.dev.readInto((from + lb) * BLOCK, block));
    } else txn.add(mapItem(r.dst.ino, d0 + i, m.count, m.pblk, m.kind));
    i += m.count;
  }
}

function sameBytes(core: FsCore, r: ShareRange, length: number): boolean {
  const chunk = 1 << 20;
  const a = new Uint8Array(Math.min(chunk, length));
  const b = new Uint8Array(a.length);
  for (let off = 0; off < length; off += chunk) {
    const n = Math.min(chunk, length - off);
    const x = a.subarray(0, n);
    const y = b.subarray(0, n);
    x.fill(0);
    y.fill(0);
    readData(core, r.src, x, r.srcOffset + off);
    readData(core, r.dst, y, r.dstOffset + off);
    if (Buffer.compare(x, y) !== 0) return false;
  }
  return true;
}
