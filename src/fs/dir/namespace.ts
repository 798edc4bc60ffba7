/**
 * Namespace operations, each built into one Txn: create (file, dir, symlink), link, unlink,
 * rmdir, rename. A multi-inode change (rename over a file: two entries, two inodes) is one
 * record, so it is atomic by the same commit point as everything else.
 *
 * dropLink() is the one place a link count falls: at zero the inode is freed (IFREE), or, if
 * it is still open or sealed, kept as an orphan (ORPHAN) that the last close, or recovery after
 * a crash, frees.
 */
import { fsError } from '../../errno/index.js';
import { NAME_MAX, SYMLINK_MAX, utf8Length, type DiskInode } from '../format/index.js';
import { type Inode, type Txn, S_IFDIR, S_IFLNK, S_IFREG, newAttrs, now } from '../inode/index.js';
import { isAncestor } from './path.js';

export interface Creds {
  uid: number;
  gid: number;
}

export function checkName(name: string, syscall: string, path: string): void {
  if (name === '.' || name === '..') throw fsError('EEXIST', syscall, { path });
  if (utf8Length(name) > NAME_MAX) throw fsError('ENAMETOOLONG', syscall, { path });
}

/** A new inode linked as parent/name (created when the Txn commits). */
export function createNode(
  txn: Txn, parent: Inode, name: string, kind: 'file' | 'dir' | 'symlink', perm: number, creds: Creds, path: string, target = '',
): Inode {
  checkName(name, txn.syscall, path);
  if (parent.entries!.has(name)) throw fsError('EEXIST', txn.syscall, { path });
  const ino = txn.core.meta.allocIno();
  const type = kind === 'dir' ? S_IFDIR : kind === 'symlink' ? S_IFLNK : S_IFREG;
  const attrs: DiskInode = newAttrs(type | (perm & 0o7777), creds.uid, creds.gid);
  if (kind === 'dir') attrs.nlink = 2;
  if (kind === 'symlink') {
    const bytes = utf8Length(target);
    if (bytes > SYMLINK_MAX) throw fsError('ENAMETOOLONG', txn.syscall, { path });
    attrs.size = bytes;
  }
  const inode = txn.newInode(ino, attrs);
  if (kind === 'symlink') txn.add({ t: 'symlink', ino, target });
  txn.add({ t: 'link', dir: parent.ino, name, ino });
  touchDir(txn, parent, kind === 'dir' ? 1 : 0);
  return inode;
}

export function linkNode(txn: Txn, inode: Inode, parent: Inode, name: string, path: string): void {
  if (inode.isDir) throw fsError('EPERM', txn.syscall, { path });
  checkName(name, txn.syscall, path);
  if (parent.entries!.has(name)) throw fsError('EEXIST', txn.syscall, { path });
  const a = txn.attrsOf(inode);
  if (a.nlink >= 0xffff) throw fsError('EMLINK', txn.syscall, { path });
  a.nlink++;
  a.ctime = now();
  txn.add({ t: 'link', dir: parent.ino, name, ino: inode.ino });
  touchDir(txn, parent, 0);
}

export function unlinkNode(txn: Txn, parent: Inode, name: string, inode: Inode, path: string): void {
  if (inode.isDir) throw fsError(txn.syscall === 'unlink' ? 'EISDIR' : 'EPERM', txn.syscall, { path });
  txn.add({ t: 'unlink', dir: parent.ino, name });
  touchDir(txn, parent, 0);
  dropLink(txn, inode);
}

export function rmdirNode(txn: Txn, parent: Inode, name: string, inode: Inode, path: string): void {
  if (!inode.isDir) throw fsError('ENOTDIR', txn.syscall, { path });
  if (name === '.' ) throw fsError('EINVAL', txn.syscall, { path });
  if (inode.entries!.size > 0) throw fsError('ENOTEMPTY', txn.syscall, { path });
  if (inode.ino === parent.ino) throw fsError('EBUSY', txn.syscall, { path });
  txn.add({ t: 'unlink', dir: parent.ino, name });
  touchDir(txn, parent, -1);
  freeOrOrphan(txn, inode);
}

export function renameNode(txn: Txn, from: { parent: Inode; name: string; inode: Inode }, to: { parent: Inode; name: string; inode: Inode | null }, paths: [string, string]): void {
  const sys = txn.syscall;
  const [src, dst] = paths;
  if (to.inode !== null && to.inode.ino === from.inode.ino) return; // same file: POSIX says do nothing
  checkName(to.name, sys, dst);
  if (from.inode.isDir && isAncestor(txn.core, from.inode, to.parent)) throw fsError('EINVAL', sys, { path: src, dest: dst });
  // Renaming onto one's own ancestor: Linux answers ENOTEMPTY before looking at types.
  if (to.inode?.isDir === true && isAncestor(txn.core, to.inode, from.parent)) throw fsError('ENOTEMPTY', sys, { path: src, dest: dst });
  if (to.inode !== null) {
    if (from.inode.isDir && !to.inode.isDir) throw fsError('ENOTDIR', sys, { path: src, dest: dst });
    if (!from.inode.isDir && to.inode.isDir) throw fsError('EISDIR', sys, { path: src, dest: dst });
    if (to.inode.isDir && to.inode.entries!.size > 0) throw fsError('ENOTEMPTY', sys, { path: src, dest: dst });
  }
  txn.add({ t: 'unlink', dir: from.parent.ino, name: from.name });
  if (to.inode !== null) {
    txn.add({ t: 'unlink', dir: to.parent.ino, name: to.name });
    if (to.inode.isDir) {
      touchDir(txn, to.parent, -1);
      freeOrOrphan(txn, to.inode);
    } else dropLink(txn, to.inode);
  }
  txn.add({ t: 'link', dir: to.parent.ino, name: to.name, ino: from.inode.ino });
  const moveDir = from.inode.isDir && from.parent.ino !== to.parent.ino ? 1 : 0;
  touchDir(txn, from.parent, -moveDir);
  touchDir(txn, to.parent, moveDir);
  txn.attrsOf(from.inode).ctime = now();
}

/** One link fewer; at zero, free the inode or keep it as an orphan while it is held. */
export function dropLink(txn: Txn, inode: Inode): void {
  const a = txn.attrsOf(inode);
  a.nlink = Math.max(0, a.nlink - 1);
  a.ctime = now();
  if (a.nlink === 0) freeOrOrphan(txn, inode);
}

function freeOrOrphan(txn: Txn, inode: Inode): void {
  const a = txn.attrsOf(inode);
  a.nlink = 0;
  if (inode.openCount > 0) txn.add({ t: 'orphan', ino: inode.ino });
  else txn.add({ t: 'ifree', ino: inode.ino });
}

function touchDir(txn: Txn, dir: Inode, nlinkDelta: number): void {
  const a = txn.attrsOf(dir);
  a.nlink += nlinkDelta;
  const t = now();
  a.mtime = t;
  a.ctime = t;
}
