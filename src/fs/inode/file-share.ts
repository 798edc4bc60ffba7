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
import { BLOCK } from '../format/index.js';
import type { FsCore } from './fs-core.js';
import { MAX_FILE_SIZE, readData } from './file-io.js';
import type { Inode } from './inode.js';
import { now } from './inode.js';
import type { Txn } from './txn.js';

export interface ShareRange {
  src: Inode;
  srcOffset: number;
  dst: Inode;
  dstOffset: number;
  length: number;
}

/** Validates and normalises a clone/dedupe range; returns the byte length to share. */
export function checkShareRange(txn: Txn, r: ShareRange, path?: string): number {
  const sys = txn.syscall;
  if (r.src.type !== 'file' || r.dst.type !== 'file') throw fsError(r.src.isDir || r.dst.isDir ? 'EISDIR' : 'EINVAL', sys, { path });
  const ok = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!ok(r.srcOffset) || !ok(r.dstOffset) || !ok(r.length)) throw fsError('EINVAL', sys, { path });
  const srcSize = txn.attrsOf(r.src).size;
  const dstSize = txn.attrsOf(r.dst).size;
  const length = r.length === 0 ? Math.max(0, srcSize - r.srcOffset) : r.length;
  if (r.srcOffset + length > srcSize) throw fsError('EINVAL', sys, { path, detail: 'range past the end of the source' });
  if (r.dstOffset + length > MAX_FILE_SIZE) throw fsError('EFBIG', sys, { path });
  if (r.srcOffset % BLOCK !== 0 || r.dstOffset % BLOCK !== 0) throw fsError('EINVAL', sys, { path, detail: 'offsets must be block-aligned' });
  if (length % BLOCK !== 0) {
    const toSrcEof = r.srcOffset + length === srcSize;
    if (!toSrcEof || r.dstOffset + length < dstSize) throw fsError('EINVAL', sys, { path, detail: 'length must be block-aligned unless the range ends at EOF' });
  }
  if (r.src === r.dst && r.srcOffset < r.dstOffset + length && r.dstOffset < r.srcOffset + length) {
    throw fsError('EINVAL', sys, { path, detail: 'overlapping ranges in one file' });
  }
  return length;
}

export function cloneData(txn: Txn, r: ShareRange, path?: string): number {
  const length = checkShareRange(txn, r, path);
  if (length === 0) return 0;
  const guard = txn.core.guard;
  guard.before(r.src, { kind: 'share', role: 'source', offset: r.srcOffset, length }, txn.syscall);
  guard.before(r.dst, { kind: 'share', role: 'dest', offset: r.dstOffset, length }, txn.syscall);
  shareBlocks(txn, r, length);
  const a = txn.attrsOf(r.dst);
  if (r.dstOffset + length > a.size) a.size = r.dstOffset + length;
  const t = now();
  a.mtime = t;
  a.ctime = t;
  return length;
}

/** Shares the range only if its bytes are equal in both files; returns bytes deduplicated. */
export function dedupeData(txn: Txn, r: ShareRange, path?: string): number {
  const length = checkShareRange(txn, r, path);
  if (length === 0) return 0;
  // Seals are asked first: a sealed file is refused whether or not the bytes match.
  const guard = txn.core.guard;
  guard.before(r.src, { kind: 'share', role: 'source', offset: r.srcOffset, length }, txn.syscall);
  guard.before(r.dst, { kind: 'share', role: 'dest', offset: r.dstOffset, length }, txn.syscall);
  if (!sameBytes(txn.core, r, length)) return 0;
  shareBlocks(txn, r, length);
  return length;
}

function shareBlocks(txn: Txn, r: ShareRange, length: number): void {
  const s0 = r.srcOffset / BLOCK;
  const d0 = r.dstOffset / BLOCK;
  const n = Math.ceil(length / BLOCK);
  let i = 0;
  while (i < n) {
    const m = r.src.extents.lookup(s0 + i, n - i);
    txn.add(m.kind === 'hole'
      ? { t: 'map', ino: r.dst.ino, lblk: d0 + i, count: m.count, pblk: 0, kind: 'hole' }
      : { t: 'map', ino: r.dst.ino, lblk: d0 + i, count: m.count, pblk: m.pblk, kind: m.kind });
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
