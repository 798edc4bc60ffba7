/**
 * The Linux storage calls node:fs lacks, on top of the node:fs surface:
 *   fallocateSync(fd, mode, offset, length)             FALLOC_FL_* modes, Linux errors
 *   cloneRangeSync(srcFd, srcOffset, dstFd, dstOffset, length)   FICLONERANGE
 *   dedupeRangeSync(srcFd, srcOffset, dstFd, dstOffset, length)  FIDEDUPERANGE -> bytes shared
 *   fiemapSync(path)                                     the extent map, as filefrag -v shows it
 *   setxattrSync / getxattrSync / listxattrSync / removexattrSync, statfsSync, syncSync
 */
import { fsError } from '../../errno/index.js';
import { BLOCK, XATTR_NAME_MAX, XATTR_VALUE_MAX } from '../format/index.js';
import { type Inode, cloneData, dedupeData, fallocateData, now, transact } from '../inode/index.js';
import { FilesystemBase, type PathLike } from './filesystem.js';
import { PMEMFS_MAGIC, type StatFs } from './stats.js';

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

export interface FiemapExtent {
  /** Byte offsets and length. */
  logical: number;
  physical: number;
  length: number;
  flags: Array<'shared' | 'unwritten' | 'hole' | 'sealed' | 'last'>;
}

export class StorageFilesystem extends FilesystemBase {
  fallocateSync(fd: number, mode: number, offset: number, length: number): void {
    const f = this.fds.get(fd, 'fallocate');
    if (!f.mode.write) throw fsError('EBADF', 'fallocate');
    if (f.inode.isDir) throw fsError('EISDIR', 'fallocate', { path: f.path });
    if (f.inode.type !== 'file') throw fsError('ENODEV', 'fallocate', { path: f.path });
    transact(this.core, 'fallocate', 'fallocate', (t) => fallocateData(t, f.inode, mode, offset, length, f.path));
  }

  cloneRangeSync(srcFd: number, srcOffset: number, dstFd: number, dstOffset: number, length: number): number {
    const [s, d] = this.sharePair(srcFd, dstFd, 'ioctl_ficlonerange');
    return transact(this.core, 'clone', 'ioctl_ficlonerange', (t) =>
      cloneData(t, { src: s.inode, srcOffset, dst: d.inode, dstOffset, length }, d.path));
  }

  dedupeRangeSync(srcFd: number, srcOffset: number, dstFd: number, dstOffset: number, length: number): number {
    const [s, d] = this.sharePair(srcFd, dstFd, 'ioctl_fideduperange');
    return transact(this.core, 'dedupe', 'ioctl_fideduperange', (t) =>
      dedupeData(t, { src: s.inode, srcOffset, dst: d.inode, dstOffset, length }, d.path));
  }

  private sharePair(srcFd: number, dstFd: number, syscall: string) {
    const s = this.fds.get(srcFd, syscall);
    const d = this.fds.get(dstFd, syscall);
    if (!s.mode.read || !d.mode.write) throw fsError('EBADF', syscall);
    return [s, d] as const;
  }

  fiemapSync(path: PathLike): FiemapExtent[] {
    const inode = this.need(path, true, 'ioctl_fiemap');
    const out: FiemapExtent[] = [];
    const size = inode.attrs.size;
    let lblk = 0;
    const end = Math.max(Math.ceil(size / BLOCK), inode.extents.endBlock);
    while (lblk < end) {
      const m = inode.extents.lookup(lblk, end - lblk);
      const flags: FiemapExtent['flags'] = [];
      if (m.kind === 'hole') flags.push('hole');
      else {
        if (m.kind === 'unwritten') flags.push('unwritten');
        if (this.core.space.isShared(m.pblk, m.count)) flags.push('shared');
        if (this.core.guard.pinned(inode, lblk * BLOCK, m.count * BLOCK)) flags.push('sealed');
      }
      out.push({ logical: lblk * BLOCK, physical: m.kind === 'hole' ? 0 : m.pblk * BLOCK, length: m.count * BLOCK, flags });
      lblk += m.count;
    }
    const last = [...out].reverse().find((e) => !e.flags.includes('hole'));
    last?.flags.push('last');
    return out;
  }

  setxattrSync(path: PathLike, name: string, value: string | Uint8Array, flags = 0): void {
    const inode = this.need(path, true, 'setxattr');
    checkXattrName(name, 'setxattr', path);
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    if (bytes.length > XATTR_VALUE_MAX) throw fsError('E2BIG', 'setxattr', { path });
    const exists = inode.xattrs?.has(name) === true;
    if ((flags & XATTR_CREATE) !== 0 && exists) throw fsError('EEXIST', 'setxattr', { path });
    if ((flags & XATTR_REPLACE) !== 0 && !exists) throw fsError('ENODATA', 'setxattr', { path });
    transact(this.core, 'setxattr', 'setxattr', (t) => {
      t.add({ t: 'xset', ino: inode.ino, name, value: Uint8Array.from(bytes) });
      t.attrsOf(inode).ctime = now();
    });
  }

  getxattrSync(path: PathLike, name: string): Buffer {
    const inode = this.need(path, true, 'getxattr');
    const v = inode.xattrs?.get(name);
    if (v === undefined) throw fsError('ENODATA', 'getxattr', { path });
    return Buffer.from(v);
  }

  listxattrSync(path: PathLike): string[] {
    const inode = this.need(path, true, 'listxattr');
    return [...(inode.xattrs?.keys() ?? [])].sort();
  }

  removexattrSync(path: PathLike, name: string): void {
    const inode = this.need(path, true, 'removexattr');
    if (inode.xattrs?.has(name) !== true) throw fsError('ENODATA', 'removexattr', { path });
    transact(this.core, 'removexattr', 'removexattr', (t) => {
      t.add({ t: 'xdel', ino: inode.ino, name });
      t.attrsOf(inode).ctime = now();
    });
  }

  statfsSync(_path: PathLike = '/'): StatFs {
    this.live('statfs');
    const c = this.core;
    const free = Math.max(0, c.space.free.freeBlocks - c.metaReserve);
    return {
      type: PMEMFS_MAGIC, bsize: BLOCK, blocks: c.sb.blockCount, bfree: c.space.free.freeBlocks, bavail: free,
      files: 2 ** 32 - 1, ffree: 2 ** 32 - 1 - c.meta.inodeCount,
      logBytes: c.log.capacity, logUsed: c.log.tail, checkpointGeneration: c.log.generation,
      sharedBlocks: c.space.sharedBlocks, quarantinedBlocks: c.space.quarantinedBlocks,
    };
  }

  /** sync(2): everything is already durable; this fences anything a DAX mapping flushed. */
  syncSync(): void {
    this.live('sync');
    this.core.dev.fence();
  }

  /** Inode of a path (for tools: fsck output, the CLI's stat). */
  inodeOf(path: PathLike, follow = true): Inode {
    return this.need(path, follow, 'stat');
  }
}

function checkXattrName(name: string, syscall: string, path: string): void {
  if (typeof name !== 'string' || name.length === 0) throw fsError('EINVAL', syscall, { path });
  if (Buffer.byteLength(name) > XATTR_NAME_MAX) throw fsError('ERANGE', syscall, { path });
}
