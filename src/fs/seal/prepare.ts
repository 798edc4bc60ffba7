/**
 * prepareRange: what sealing and MAP_SYNC mapping promise before they return: every block of
 * the range allocated, written (holes and unwritten extents become zeroed blocks), not shared
 * with any other file (reflinked blocks copied), and that metadata durable (one commit).
 * After it, the range's offset -> block map is fixed until something changes it through the
 * MapGuard, so a store through a view plus a persist is all an application needs.
 */
import { BLOCK } from '../format/index.js';
import { type FsCore, type Inode, readBlock, storeBlocks, transact } from '../inode/index.js';

export function prepareRange(core: FsCore, inode: Inode, offset: number, length: number, syscall: string, path: string): void {
  const first = Math.floor(offset / BLOCK);
  const last = Math.ceil((offset + length) / BLOCK);
  const todo: Array<{ lblk: number; count: number }> = [];
  let lb = first;
  while (lb < last) {
    const m = inode.extents.lookup(lb, last - lb);
    if (m.kind !== 'mapped' || core.space.isShared(m.pblk, m.count)) todo.push({ lblk: lb, count: m.count });
    lb += m.count;
  }
  if (todo.length === 0) return;
  transact(core, 'mmap', syscall, (t) => {
    const size = t.attrsOf(inode).size;
    for (const r of todo) storeBlocks(t, inode, r.lblk, r.count, (block, b) => readBlock(core, inode, b, size, block), path);
  });
  // COMMIT POINT (transact): the new blocks are mapped and zeroed/copied on the media.
}
