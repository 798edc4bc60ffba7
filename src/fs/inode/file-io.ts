/**
 * File data: reading, and the copy-on-write write path.
 *
 * Interface:
 *   readData(core, inode, target, position) -> bytes read (clipped at EOF; holes read as zero)
 *   writeData(txn, inode, src, position)     builds a write: new blocks, their data stored and
 *                                            flushed, MAP items and the new size
 *   storeBlocks(txn, inode, lblk, count, fill, path?, src?, srcPos?) the COW primitive shared
 *                                            by write, truncate, punch/zero edges and unshare
 *
 * Atomicity of a write: the new data goes to freshly reserved blocks, never over live ones, and
 * only the commit record maps them in; a crash before the commit point leaves the old blocks
 * mapped and the new ones free. Writes into a range a seal pins are the exception: they go in
 * place (persisted before the commit of the size/time update) and are not atomic.
 * Bytes past EOF inside the last block may be stale; zeroStaleTail() clears them before EOF
 * moves over them, and readBlock() never returns them.
 */
import { assert, fsError } from '../../errno/index.js';
import { BLOCK, mapItem } from '../format/index.js';
import type { FsCore } from './fs-core.js';
import type { Inode } from './inode.js';
import { now } from './inode.js';
import type { Txn } from './txn.js';

/** Largest file: 2^32 blocks (the MAP item's lblk is a u32). */
export const MAX_FILE_SIZE = 2 ** 32 * BLOCK - 1;

export function readData(core: FsCore, inode: Inode, target: Uint8Array, position: number): number {
  const size = inode.attrs.size;
  if (position >= size) return 0;
  const n = Math.min(target.length, size - position);
  let pos = 0;
  while (pos < n) {
    const abs = position + pos;
    const lblk = Math.floor(abs / BLOCK);
    const inBlock = abs - lblk * BLOCK;
    const m = inode.extents.lookup(lblk, Math.ceil((n - pos + inBlock) / BLOCK));
    const bytes = Math.min(n - pos, m.count * BLOCK - inBlock);
    const piece = target.subarray(pos, pos + bytes);
    if (m.kind === 'mapped') core.dev.readInto(m.pblk * BLOCK + inBlock, piece);
    else piece.fill(0);
    pos += bytes;
  }
  return n;
}

export function writeData(txn: Txn, inode: Inode, src: Uint8Array, position: number, path?: string): number {
  const core = txn.core;
  const len = src.length;
  if (len === 0) return 0;
  const end = position + len;
  if (end > MAX_FILE_SIZE) throw fsError('EFBIG', txn.syscall, { path });
  const a = txn.attrsOf(inode);
  if (end > a.size) core.guard.before(inode, { kind: 'size', from: a.size, to: end }, txn.syscall);
  const b0 = Math.floor(position / BLOCK);
  const b1 = Math.ceil(end / BLOCK);
  // A write that starts past the old last block leaves that block's stale tail under the new EOF.
  if (end > a.size && Math.floor(a.size / BLOCK) < b0) zeroStaleTail(txn, inode, a.size, end, path);
  // Only a write with a partial first or last block composes blocks from old and new bytes
  // (made in a helper: a closure here would cost every write a context).
  const fill = position % BLOCK === 0 && end % BLOCK === 0 ? null : composer(core, inode, a.size, src, position);
  if (!core.guard.pinned(inode, b0 * BLOCK, (b1 - b0) * BLOCK)) storeBlocks(txn, inode, b0, b1 - b0, fill, path, src, position);
  else writePinned(txn, inode, b0, b1, fill, src, position, path);
  if (end > a.size) a.size = end;
  const t = now();
  a.mtime = t;
  a.ctime = t;
  return len;
}

/** New contents of block lb composed by composeBlock (a write's partial blocks). */
type Fill = (block: Uint8Array, lb: number) => void;

function composer(core: FsCore, inode: Inode, oldSize: number, src: Uint8Array, position: number): Fill {
  return (block, lb) => composeBlock(core, inode, oldSize, block, lb, src, position);
}

/** A write over a range a seal pins in part: pinned runs in place, the rest copy-on-write. */
function writePinned(txn: Txn, inode: Inode, b0: number, b1: number, fill: Fill | null, src: Uint8Array, position: number, path?: string): void {
  forEachPinnedRun(txn.core, inode, b0, b1, (lblk, count, pinned) => {
    if (pinned) writeInPlace(txn.core, inode, lblk, count, src, position);
    else storeBlocks(txn, inode, lblk, count, fill, path, src, position);
  });
}

/**
 * Copy-on-write of logical blocks [lblk, lblk+count) into fresh blocks. Blocks that `src` (the
 * bytes of a write at file offset `srcPos`) covers whole are stored straight from it: one copy,
 * no staging. `fill(block, lb)` produces every other block's new contents.
 */
export function storeBlocks(
  txn: Txn, inode: Inode, lblk: number, count: number, fill: Fill | null,
  path?: string, src?: Uint8Array, srcPos = 0,
): void {
  const got = txn.reserve(count, inode.extents.goalFor(lblk), path);
  let lb = lblk;
  let block: Uint8Array | null = null;
  for (const e of got) {
    const off = lb * BLOCK - srcPos;
    if (src !== undefined && off >= 0 && off + e.count * BLOCK <= src.length) {
      const n = e.count * BLOCK;
      txn.core.storeData(e.pblk, off === 0 && n === src.length ? src : src.subarray(off, off + n));
    } else {
      assert(fill !== null, 'a block the source does not cover has nothing to fill it');
      if (e.count > 1) {
        const run = new Uint8Array(e.count * BLOCK);
        for (let i = 0; i < e.count; i++) fill(run.subarray(i * BLOCK, (i + 1) * BLOCK), lb + i);
        txn.core.storeData(e.pblk, run);
      } else {
        block ??= new Uint8Array(BLOCK);
        fill(block, lb);
        txn.core.storeData(e.pblk, block);
      }
    }
    txn.add(mapItem(inode.ino, lb, e.count, e.pblk, 'mapped'));
    lb += e.count;
  }
}

/** Old contents of logical block lb (zero for holes, unwritten extents and past oldSize). */
export function readBlock(core: FsCore, inode: Inode, lb: number, oldSize: number, out: Uint8Array): void {
  const m = inode.extents.lookup(lb, 1);
  if (m.kind === 'mapped') core.dev.readInto(m.pblk * BLOCK, out);
  else out.fill(0);
  const valid = oldSize - lb * BLOCK;
  if (valid < BLOCK) out.fill(0, Math.max(0, valid));
}

/** New contents of block lb: old bytes where the write does not reach, new bytes where it does. */
function composeBlock(core: FsCore, inode: Inode, oldSize: number, block: Uint8Array, lb: number, src: Uint8Array, position: number): void {
  const bs = lb * BLOCK;
  const from = Math.max(position, bs);
  const to = Math.min(position + src.length, bs + BLOCK);
  if (from > bs || to < bs + BLOCK) readBlock(core, inode, lb, oldSize, block);
  block.set(src.subarray(from - position, to - position), from - bs);
}

/** Sealed range: store straight into the pinned blocks and persist (not atomic; documented). */
function writeInPlace(core: FsCore, inode: Inode, lblk: number, count: number, src: Uint8Array, position: number): void {
  for (let lb = lblk; lb < lblk + count; lb++) {
    const m = inode.extents.lookup(lb, 1);
    if (m.kind !== 'mapped') throw fsError('EFSCORRUPTED', 'write', { detail: `sealed block ${lb} of inode ${inode.ino} is not mapped` });
    const bs = lb * BLOCK;
    const from = Math.max(position, bs);
    const to = Math.min(position + src.length, bs + BLOCK);
    const off = m.pblk * BLOCK + (from - bs);
    core.dev.write(off, src.subarray(from - position, to - position));
    core.dev.flush(off, to - from);
  }
  core.dev.fence();
}

/**
 * Splits [b0, b1) into runs that a seal pins and runs it does not. Only mapped blocks can be
 * pinned: a seal's range past EOF holds no blocks, and filling a hole there moves nothing.
 */
export function forEachPinnedRun(core: FsCore, inode: Inode, b0: number, b1: number, fn: (lblk: number, count: number, pinned: boolean) => void): void {
  if (!core.guard.pinned(inode, b0 * BLOCK, (b1 - b0) * BLOCK)) return fn(b0, b1 - b0, false);
  const pinnedBlock = (b: number) => core.guard.pinned(inode, b * BLOCK, BLOCK) && inode.extents.lookup(b, 1).kind === 'mapped';
  let start = b0;
  let state = pinnedBlock(b0);
  for (let b = b0 + 1; b <= b1; b++) {
    const p = b < b1 ? pinnedBlock(b) : !state;
    if (p !== state) {
      fn(start, b - start, state);
      start = b;
      state = p;
    }
  }
}

/**
 * Bytes past EOF in the last block may be stale: a truncate-down leaves them (no copy, and no
 * moving a block a seal may pin). Before EOF moves over them they are zeroed: by copy-on-write,
 * or in place when a seal pins the block — those bytes are past the old EOF, invisible until
 * the commit that moves EOF, so zeroing them early changes nothing a crash could show.
 */
export function zeroStaleTail(txn: Txn, inode: Inode, oldSize: number, newSize: number, path?: string): void {
  if (newSize <= oldSize || oldSize % BLOCK === 0) return;
  const lb = Math.floor(oldSize / BLOCK);
  if (inode.extents.lookup(lb, 1).kind !== 'mapped') return;
  zeroBlockRange(txn, inode, lb, oldSize % BLOCK, Math.min(BLOCK, newSize - lb * BLOCK), oldSize, path);
}

/** Zeroes bytes [from, to) of logical block lb: copy-on-write, or in place if a seal pins it. */
export function zeroBlockRange(txn: Txn, inode: Inode, lb: number, from: number, to: number, oldSize: number, path?: string): void {
  const m = inode.extents.lookup(lb, 1);
  if (m.kind === 'mapped' && txn.core.guard.pinned(inode, lb * BLOCK, BLOCK)) {
    // In place (a sealed block never moves); flushed now, made durable by the commit's fence.
    const off = m.pblk * BLOCK + from;
    txn.core.dev.write(off, new Uint8Array(to - from));
    txn.core.dev.flush(off, to - from);
    return;
  }
  storeBlocks(txn, inode, lb, 1, (block) => {
    readBlock(txn.core, inode, lb, oldSize, block);
    block.fill(0, from, to);
  }, path);
}
