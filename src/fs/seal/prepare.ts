/**
 * prepareRange: what sealing and MAP_SYNC mapping promise before they return: every block of
 * the range allocated, written (holes and unwritten extents become zeroed blocks), not shared
 * with any other file (reflinked blocks copied), and that metadata durable (one commit).
 * After it, the range's offset -> block map is fixed until something changes it through the
 * MapGuard, so a store through a view plus a persist is all an application needs.
 */
import { BLOCK } from '../format/index.js';
import { type FsCore, type Inode, type MapChange, beforeAll, readBlock, storeBlocks, transact } from '../inode/index.js';

export function prepareRange(core: FsCore, inode: Inode, offset: number, length: number, syscall: string, path: string): void {
  const first = Math.floor(offset / BLOCK);
  const last = Math.ceil((offset + length) / BLOCK);
  const todo: Array<{ lblk: number; count: number }> = [];
  /** The written blocks among them: copying those moves data a view could be aliasing. */
  const moved: Array<readonly [Inode, MapChange]> = [];
  const add = (lblk: number, count: number) => {
    const prev = todo[todo.length - 1];
    if (prev !== undefined && prev.lblk + prev.count === lblk) prev.count += count;
    else todo.push({ lblk, count });
  };
  let lb = first;
  while (lb < last) {
    const m = inode.extents.lookup(lb, last - lb);
    if (m.kind !== 'mapped') add(lb, m.count);
    else if (core.space.isShared(m.pblk, m.count)) {
      // Block by block: only the shared blocks move. Copying the whole extent moved blocks a
      // live mapping holds (a mapping's blocks are never shared), and its view then stored
      // into a block the file had let go of, which another file got next.
      for (let k = 0; k < m.count; k++) {
        if (!core.space.isShared(m.pblk + k, 1)) continue;
        add(lb + k, 1);
        moved.push([inode, { kind: 'move', offset: (lb + k) * BLOCK, length: BLOCK }]);
      }
    }
    lb += m.count;
  }
  if (todo.length === 0) return;
  // Moving written blocks changes the block map like any other change: pins on them are asked
  // first (refused, or broken and revoked) through the MapGuard. None should conflict (pinned
  // blocks are never shared), but the seal table decides. Filling a hole or an unwritten extent
  // moves nothing anyone can see (no view maps one), as for a write past EOF under a seal.
  if (moved.length > 0) beforeAll(core.guard, moved, syscall);
  transact(core, 'mmap', syscall, (t) => {
    const size = t.attrsOf(inode).size;
    for (const r of todo) storeBlocks(t, inode, r.lblk, r.count, (block, b) => readBlock(core, inode, b, size, block), path);
  });
  // COMMIT POINT (transact): the new blocks are mapped and zeroed/copied on the media.
}
