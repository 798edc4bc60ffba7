/**
 * Namespace operations of the reference model: mkdir, rmdir, creat, unlink, link, symlink,
 * rename, with Linux's checks in Linux's order (do_mkdirat, do_rmdir, do_unlinkat, do_linkat,
 * do_renameat2 and may_delete).
 *
 * Interface: one function per operation over a ModelState; each validates everything first and
 * then mutates, so an operation that throws (FsError) changed nothing.
 *
 * Notes: `creat` is creat(2), open(O_CREAT|O_WRONLY|O_TRUNC): an existing file is truncated to
 * 0 (a size change a seal may refuse), a final symlink is followed (a dangling one creates its
 * target). `link` does not follow OLD (linkat without AT_SYMLINK_FOLLOW). Unlinking a mapped or
 * sealed file leaves an orphan until the holder lets go. Rename of a name onto another name of
 * the same inode does nothing.
 */
import { addNode, dropIfOrphan, newFile, setSize, type DirNode, type ModelState, type Node } from './model-node.js';
import { byteLength, fail, isAncestorOrSelf, lookup, lookupCreate, PATH_MAX, type Lookup } from './model-path.js';
import { checkSeals, resizeTouch } from './model-seal.js';
import { clipRanges } from './range-set.js';

const isDot = (name: string) => name === '.' || name === '..' || name === '';

/** Remove one name of a non-directory, dropping the inode when nothing holds it. */
function dropName(s: ModelState, dir: DirNode, name: string, node: Node): void {
  dir.entries.delete(name);
  if (node.kind === 'dir') return;
  node.nlink--;
  dropIfOrphan(s, node.ino);
}

export function mkdir(s: ModelState, path: string): void {
  const lk = lookup(s, path, 'mkdir', 'parent');
  if (lk.node !== undefined) fail('EEXIST', 'mkdir', path);
  addNode(s, (ino) => {
    const d: DirNode = { kind: 'dir', ino, parent: lk.parent.ino, entries: new Map(), xattrs: new Map() };
    lk.parent.entries.set(lk.name, ino);
    return d;
  });
}

export function rmdir(s: ModelState, path: string): void {
  const lk = lookup(s, path, 'rmdir', 'parent');
  if (lk.name === '..') fail('ENOTEMPTY', 'rmdir', path);
  if (lk.name === '.') fail('EINVAL', 'rmdir', path);
  if (lk.name === '') fail('EBUSY', 'rmdir', path);
  const n = lk.node;
  if (n === undefined) return fail('ENOENT', 'rmdir', path);
  if (n.kind !== 'dir') return fail('ENOTDIR', 'rmdir', path);
  if (n.entries.size > 0) fail('ENOTEMPTY', 'rmdir', path);
  lk.parent.entries.delete(lk.name);
  s.nodes.delete(n.ino);
}

export function creat(s: ModelState, path: string): void {
  const lk = lookupCreate(s, path, 'open');
  const n = lk.node;
  if (n === undefined) {
    const f = addNode(s, newFile);
    lk.parent.entries.set(lk.name, f.ino);
    return;
  }
  if (n.kind === 'dir') fail('EISDIR', 'open', path);
  if (n.kind !== 'file') return fail('EINVAL', 'open', path);
  checkSeals(s, [resizeTouch(n, 0)], 'open', path);
  setSize(n, 0);
  s.uncertain.set(n.ino, clipRanges(s.uncertain.get(n.ino) ?? [], 0));
}

export function unlink(s: ModelState, path: string): void {
  const lk = lookup(s, path, 'unlink', 'parent');
  const n = lk.node;
  if (n === undefined) return fail('ENOENT', 'unlink', path);
  if (n.kind === 'dir' || isDot(lk.name)) fail('EISDIR', 'unlink', path);
  if (lk.slash) fail('ENOTDIR', 'unlink', path);
  dropName(s, lk.parent, lk.name, n);
}

export function link(s: ModelState, oldPath: string, newPath: string): void {
  const old = lookup(s, oldPath, 'link', 'nofollow');
  const n = old.node;
  if (n === undefined) return fail('ENOENT', 'link', oldPath, newPath);
  if (old.slash && n.kind !== 'dir') fail('ENOTDIR', 'link', oldPath, newPath);
  const neu = lookup(s, newPath, 'link', 'parent');
  if (neu.node !== undefined) fail('EEXIST', 'link', oldPath, newPath);
  if (neu.slash) fail('ENOENT', 'link', oldPath, newPath);
  if (n.kind === 'dir') return fail('EPERM', 'link', oldPath, newPath);
  n.nlink++;
  neu.parent.entries.set(neu.name, n.ino);
}

export function symlink(s: ModelState, target: string, path: string): void {
  if (target === '') fail('ENOENT', 'symlink', target, path);
  if (byteLength(target) >= PATH_MAX) fail('ENAMETOOLONG', 'symlink', target, path);
  const lk = lookup(s, path, 'symlink', 'parent');
  if (lk.node !== undefined) fail('EEXIST', 'symlink', target, path);
  if (lk.slash) fail('ENOENT', 'symlink', target, path);
  const l = addNode(s, (ino) => ({ kind: 'symlink' as const, ino, nlink: 1, target, xattrs: new Map<string, string>() }));
  lk.parent.entries.set(lk.name, l.ino);
}

/** The checks of do_renameat2 and vfs_rename, in order; returns the two lookups. */
function renameChecks(s: ModelState, oldPath: string, newPath: string): { old: Lookup & { node: Node }; neu: Lookup } {
  const e = (code: Parameters<typeof fail>[0]) => fail(code, 'rename', oldPath, newPath);
  const old = lookup(s, oldPath, 'rename', 'parent');
  const neu = lookup(s, newPath, 'rename', 'parent');
  if (isDot(old.name) || isDot(neu.name)) e('EBUSY');
  const on = old.node;
  if (on === undefined) return e('ENOENT');
  if (on.kind !== 'dir' && (old.slash || neu.slash)) e('ENOTDIR');
  if (on.kind === 'dir' && isAncestorOrSelf(s, on, neu.parent)) e('EINVAL');
  const nn = neu.node;
  if (nn?.kind === 'dir' && isAncestorOrSelf(s, nn, old.parent)) e('ENOTEMPTY');
  if (nn !== undefined && nn.ino !== on.ino) {
    if (on.kind === 'dir' && nn.kind !== 'dir') e('ENOTDIR');
    if (on.kind !== 'dir' && nn.kind === 'dir') e('EISDIR');
    if (nn.kind === 'dir' && nn.entries.size > 0) e('ENOTEMPTY');
  }
  return { old: { ...old, node: on }, neu };
}

export function rename(s: ModelState, oldPath: string, newPath: string): void {
  const { old, neu } = renameChecks(s, oldPath, newPath);
  const target = neu.node;
  if (target !== undefined && target.ino === old.node.ino) return;
  if (target !== undefined) {
    if (target.kind === 'dir') {
      neu.parent.entries.delete(neu.name);
      s.nodes.delete(target.ino);
    } else dropName(s, neu.parent, neu.name, target);
  }
  old.parent.entries.delete(old.name);
  neu.parent.entries.set(neu.name, old.node.ino);
  if (old.node.kind === 'dir') old.node.parent = neu.parent.ino;
}
