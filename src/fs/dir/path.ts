/**
 * Path resolution: POSIX paths to inodes, with symlinks (at most 40 hops, else ELOOP),
 * "." and "..", ENOTDIR through files, ENAMETOOLONG past 255 bytes a name or at 4096 bytes a path.
 *
 * Interface:
 *   lookup(core, path, follow, syscall) -> { inode, parent, name } with inode null if the last
 *     component does not exist (its parent does); throws ENOENT/ENOTDIR/ELOOP otherwise.
 *     `follow` decides a final symlink, as Linux does (and as crash/model-path.ts models it):
 *     true follows it (stat, open); false does not, unless the path ends in '/' (lstat,
 *     readlink, link's source); 'parent' never does and leaves a trailing slash to the caller
 *     (mkdir, rmdir, unlink, rename, symlink, link's target: calls that act on the name itself).
 *     A "." or ".." component is a name like any other: "f/." is ENOTDIR, "d/." names "d".
 *   pathOf(core, inode) -> an absolute path of a directory (for realpath)
 * Relative paths resolve from the root: a mounted pmemfs has no working directory.
 */
import { fsError } from '../../errno/index.js';
import { NAME_MAX, utf8Length } from '../format/index.js';
import { type FsCore, type Inode, ROOT_INO } from '../inode/index.js';

export const SYMLOOP_MAX = 40;
export const PATH_MAX = 4096;

export type Follow = boolean | 'parent';

export interface Lookup {
  inode: Inode | null;
  parent: Inode;
  name: string;
  /** The path asked for ended in "/": the result must be a directory. */
  trailingSlash: boolean;
}

export function lookup(core: FsCore, path: string, follow: Follow, syscall: string): Lookup {
  if (typeof path !== 'string') throw fsError('EINVAL', syscall, { detail: 'path must be a string' });
  if (path === '') throw fsError('ENOENT', syscall, { path });
  if (path.includes('\0')) throw fsError('EINVAL', syscall, { path, detail: 'path contains a NUL byte' });
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long strings need counting.
  if (path.length * 3 >= PATH_MAX && utf8Length(path) >= PATH_MAX) throw fsError('ENAMETOOLONG', syscall, { path });
  const hops = { n: 0 };
  return walk(core, root(core), path, follow, syscall, path, hops);
}

function root(core: FsCore): Inode {
  const r = core.get(ROOT_INO);
  if (r === undefined) throw fsError('EFSCORRUPTED', 'lookup', { detail: 'no root directory' });
  return r;
}

function walk(core: FsCore, start: Inode, path: string, follow: Follow, syscall: string, orig: string, hops: { n: number }): Lookup {
  const parts = components(path);
  const trailingSlash = path.endsWith('/') && path.length > 1;
  let dir = path.startsWith('/') ? root(core) : start;
  if (parts.length === 0) return { inode: dir, parent: dir, name: '.', trailingSlash };
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    if (!dir.isDir) throw fsError('ENOTDIR', syscall, { path: orig });
    if (utf8Length(name) > NAME_MAX) throw fsError('ENAMETOOLONG', syscall, { path: orig });
    const last = i === parts.length - 1;
    if (name === '.' || name === '..') {
      const up = name === '.' ? dir : core.get(dir.parent)!;
      if (last) return { inode: up, parent: up, name, trailingSlash };
      dir = up;
      continue;
    }
    const ino = dir.entries!.get(name);
    const child = ino === undefined ? undefined : core.get(ino);
    if (child === undefined) {
      if (last) return { inode: null, parent: dir, name, trailingSlash };
      throw fsError('ENOENT', syscall, { path: orig });
    }
    if (child.type === 'symlink' && (!last || follow === true || (follow === false && trailingSlash))) {
      if (++hops.n > SYMLOOP_MAX) throw fsError('ELOOP', syscall, { path: orig });
      const rest = parts.slice(i + 1).join('/');
      const next = rest === '' ? child.target + (trailingSlash ? '/' : '') : `${child.target}/${rest}`;
      return walk(core, dir, next, follow, syscall, orig, hops);
    }
    if (last) {
      if (trailingSlash && !child.isDir && follow !== 'parent') throw fsError('ENOTDIR', syscall, { path: orig });
      return { inode: child, parent: dir, name, trailingSlash };
    }
    dir = child;
  }
  throw fsError('ENOENT', syscall, { path: orig });
}

/** The components of a path without empty ones: one pass, no intermediate arrays. */
function components(path: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 0x2f) continue;
    if (i > start) out.push(path.slice(start, i));
    start = i + 1;
  }
  return out;
}

/** The absolute path of a directory, by walking parents (for realpath). */
export function pathOf(core: FsCore, inode: Inode): string {
  const names: string[] = [];
  let cur = inode;
  let guard = 0;
  while (cur.ino !== ROOT_INO && guard++ < 1 << 20) {
    const parent = core.get(cur.parent)!;
    let found = '';
    for (const [n, i] of parent.entries!) if (i === cur.ino) found = n;
    names.push(found);
    cur = parent;
  }
  return '/' + names.reverse().join('/');
}

/** Is `maybeAncestor` the directory `dir` or one of its ancestors? (rename cycle check) */
export function isAncestor(core: FsCore, maybeAncestor: Inode, dir: Inode): boolean {
  let cur = dir;
  for (let guard = 0; guard < 1 << 20; guard++) {
    if (cur.ino === maybeAncestor.ino) return true;
    if (cur.ino === ROOT_INO) return false;
    cur = core.get(cur.parent)!;
  }
  return false;
}
