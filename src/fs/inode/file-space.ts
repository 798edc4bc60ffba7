/**
 * File space: size changes and fallocate(2) modes, built into a Txn.
 *
 * Interface:
 *   truncateData(txn, inode, size)                    shrink (unmap, zero the partial tail block
 *                                                      copy-on-write) or grow (a hole)
 *   fallocateData(txn, inode, mode, offset, length)   Linux modes and errors (FALLOC_FL_*)
 * Each asks the MapGuard first. Collapse and insert shift extents with MAP items only:
 * the range is unmapped and every moved extent is mapped at its new place in the same record;
 * MetaState.apply() drops references only after the last item, so nothing moved is freed.
 */
import { fsError } from '../../errno/index.js';
import { BLOCK, mapItem } from '../format/index.js';
import { MAX_FILE_SIZE, readBlock, storeBlocks, zeroBlockRange, zeroStaleTail } from './file-io.js';
import type { Inode } from './inode.js';
import { now } from './inode.js';
import { beforeAll, type MapChange } from './map-guard.js';
import type { Txn } from './txn.js';

export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_NO_HIDE_STALE = 0x04;
export const FALLOC_FL_COLLAPSE_RANGE = 0x08;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const FALLOC_FL_INSERT_RANGE = 0x20;
export const FALLOC_FL_UNSHARE_RANGE = 0x40;
const KNOWN = 0x7f;

export function truncateData(txn: Txn, inode: Inode, size: number, path?: string): void {
  const a = txn.attrsOf(inode);
  if (size > MAX_FILE_SIZE) throw fsError('EFBIG', txn.syscall, { path });
  if (size !== a.size) txn.core.guard.before(inode, { kind: 'size', from: a.size, to: size }, txn.syscall);
  if (size < a.size) {
    const keep = Math.ceil(size / BLOCK);
    const end = inode.extents.endBlock;
    if (end > keep) txn.add(mapItem(inode.ino, keep, end - keep, 0, 'hole'));
  }
  zeroStaleTail(txn, inode, a.size, size, path);
  a.size = size;
  const t = now();
  a.mtime = t;
  a.ctime = t;
}

export function fallocateData(txn: Txn, inode: Inode, mode: number, offset: number, length: number, path?: string): void {
  const sys = txn.syscall;
  if (!Number.isSafeInteger(mode) || (mode & ~KNOWN) !== 0) throw fsError('EOPNOTSUPP', sys, { path });
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) throw fsError('EINVAL', sys, { path });
  const punch = (mode & FALLOC_FL_PUNCH_HOLE) !== 0;
  const keep = (mode & FALLOC_FL_KEEP_SIZE) !== 0;
  const collapse = (mode & FALLOC_FL_COLLAPSE_RANGE) !== 0;
  const zero = (mode & FALLOC_FL_ZERO_RANGE) !== 0;
  const insert = (mode & FALLOC_FL_INSERT_RANGE) !== 0;
  const unshare = (mode & FALLOC_FL_UNSHARE_RANGE) !== 0;
  if (punch && !keep) throw fsError('EOPNOTSUPP', sys, { path });
  if (punch && (collapse || zero || insert)) throw fsError('EINVAL', sys, { path });
  if ((collapse || insert) && (mode & ~(collapse ? FALLOC_FL_COLLAPSE_RANGE : FALLOC_FL_INSERT_RANGE)) !== 0) throw fsError('EINVAL', sys, { path });
  if (zero && unshare) throw fsError('EINVAL', sys, { path });
  if (offset + length > MAX_FILE_SIZE) throw fsError('EFBIG', sys, { path });
  const a = txn.attrsOf(inode);
  const name = punch ? 'punch-hole' : collapse ? 'collapse-range' : insert ? 'insert-range' : zero ? 'zero-range' : unshare ? 'unshare-range' : 'allocate';
  if ((collapse || insert) && (offset % BLOCK !== 0 || length % BLOCK !== 0)) throw fsError('EINVAL', sys, { path });
  if (collapse && offset + length >= a.size) throw fsError('EINVAL', sys, { path });
  if (insert && offset >= a.size) throw fsError('EINVAL', sys, { path });
  if (insert && a.size + length > MAX_FILE_SIZE) throw fsError('EFBIG', sys, { path });
  const grows = !keep && !punch && !collapse && !insert && offset + length > a.size;
  const changes: Array<[Inode, MapChange]> = [[inode, { kind: 'fallocate', mode: name, offset, length }]];
  if (grows) changes.push([inode, { kind: 'size', from: a.size, to: offset + length }]);
  beforeAll(txn.core.guard, changes, sys);
  if (grows) zeroStaleTail(txn, inode, a.size, offset + length, path);
  if (punch) punchRange(txn, inode, offset, length, a.size, path);
  else if (collapse) shiftRange(txn, inode, offset / BLOCK, -(length / BLOCK));
  else if (insert) shiftRange(txn, inode, offset / BLOCK, length / BLOCK);
  else if (zero) zeroRange(txn, inode, offset, length, a.size, path);
  else allocateRange(txn, inode, offset, length, unshare, path);
  if (collapse) a.size -= length;
  else if (insert) a.size += length;
  else if (!keep && !punch && offset + length > a.size) a.size = offset + length;
  const t = now();
  if (!keep || collapse || insert || punch || zero) a.mtime = t;
  a.ctime = t;
}

function punchRange(txn: Txn, inode: Inode, offset: number, length: number, size: number, path?: string): void {
  const end = Math.min(offset + length, Math.max(size, inode.extents.endBlock * BLOCK));
  if (end <= offset) return;
  const first = Math.ceil(offset / BLOCK);
  const last = Math.floor(end / BLOCK);
  if (last > first) txn.add(mapItem(inode.ino, first, last - first, 0, 'hole'));
  zeroEdges(txn, inode, offset, end, size, path);
}

/** Partial blocks at either end of [offset, end) get their covered bytes zeroed (if mapped). */
function zeroEdges(txn: Txn, inode: Inode, offset: number, end: number, size: number, path?: string): void {
  const lb0 = Math.floor(offset / BLOCK);
  const lb1 = Math.floor((end - 1) / BLOCK);
  const edge = (lb: number) => {
    const from = Math.max(offset, lb * BLOCK) - lb * BLOCK;
    const to = Math.min(end, (lb + 1) * BLOCK) - lb * BLOCK;
    if ((from > 0 || to < BLOCK) && inode.extents.lookup(lb, 1).kind === 'mapped') zeroBlockRange(txn, inode, lb, from, to, size, path);
  };
  edge(lb0);
  if (lb1 !== lb0) edge(lb1);
}

function zeroRange(txn: Txn, inode: Inode, offset: number, length: number, size: number, path?: string): void {
  const end = offset + length;
  const first = Math.ceil(offset / BLOCK);
  const last = Math.floor(end / BLOCK);
  if (last > first) {
    // Whole blocks become fresh unwritten extents (they read as zero, and stay allocated).
    mapUnwritten(txn, inode, first, last - first, path);
  }
  zeroEdges(txn, inode, offset, end, size, path);
  // A zero range that covers a partial block that is a hole needs nothing: holes read as zero.
}

/** allocate / keep-size / unshare: holes become unwritten extents; shared blocks (unshare) are copied. */
function allocateRange(txn: Txn, inode: Inode, offset: number, length: number, unshare: boolean, path?: string): void {
  const first = Math.floor(offset / BLOCK);
  const last = Math.ceil((offset + length) / BLOCK);
  let lb = first;
  while (lb < last) {
    const m = inode.extents.lookup(lb, last - lb);
    if (m.kind === 'hole') {
      mapUnwritten(txn, inode, lb, m.count, path);
    } else if (unshare && txn.core.space.isShared(m.pblk, m.count)) {
      const size = txn.attrsOf(inode).size;
      storeBlocks(txn, inode, lb, m.count, (block, b) => readBlock(txn.core, inode, b, Math.max(size, (b + 1) * BLOCK), block), path);
    }
    lb += m.count;
  }
}

/** Fresh blocks for [lblk, lblk+count), mapped unwritten: allocated, reading as zero. */
function mapUnwritten(txn: Txn, inode: Inode, lblk: number, count: number, path?: string): void {
  let at = lblk;
  for (const e of txn.reserve(count, inode.extents.goalFor(lblk), path)) {
    txn.add(mapItem(inode.ino, at, e.count, e.pblk, 'unwritten'));
    at += e.count;
  }
}

/** Collapse (delta < 0) or insert (delta > 0) at block `at`: unmap, then remap shifted extents. */
function shiftRange(txn: Txn, inode: Inode, at: number, delta: number): void {
  const end = inode.extents.endBlock;
  const from = delta < 0 ? at - delta : at; // first block that moves
  const moved = inode.extents.extents().flatMap((e) => {
    const s = Math.max(e.lblk, from);
    const t = e.lblk + e.count;
    return t > s ? [{ lblk: s + delta, count: t - s, pblk: e.pblk + (s - e.lblk), kind: e.kind }] : [];
  });
  if (end > at) txn.add(mapItem(inode.ino, at, end - at, 0, 'hole'));
  for (const e of moved) txn.add(mapItem(inode.ino, e.lblk, e.count, e.pblk, e.kind));
}
