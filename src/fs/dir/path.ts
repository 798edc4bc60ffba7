/**
 * Path resolution: POSIX paths to inodes, with symlinks (at most 40 hops, else ELOOP),
 * "." and "..", ENOTDIR through files, ENAMETOOLONG past 255 bytes a name.
 *
 * Interface:
 *   lookup(core, path, follow, syscall) -> { inode, parent, name } with inode null if the last
 *     component does not exist (its parent does); throws ENOENT/ENOTDIR/ELOOP otherwise.
 *   pathOf(core, inode) -> an absolute path of a directory (for realpath)
 * Relative paths resolve from the root: a mounted pmemfs has no working directory.
 */
import { fsError } from '../../errno/index.js';
import { NAME_MAX, utf8Length } from '../format/index.js';
import { type FsCore, type Inode, ROOT_INO } from '../inode/index.js';

export const SYMLOOP_MAX = 40;

export interface Lookup {
  inode: Inode | null;
  parent: Inode;
  name: string;
  /** The path asked for ended in "/": the result must be a directory. */
  trailingSlash: boolean;
}

export function lookup(core: FsCore, path: string, follow: boolean, syscall: string): Lookup {
  if (typeof path !== 'string') throw fsError('EINVAL', syscall, { detail: 'path must be a string' });
  if (path === '') throw fsError('ENOENT', syscall, { path });
  if (path.includes('\0')) throw fsError('EINVAL', syscall, { path, detail: 'path contains a NUL byte' });
  const hops = { n: 0 };
  return walk(core, root(core), path, follow, syscall, path, hops);
}

function root(core: FsCore): Inode {
  const r = core.get(ROOT_INO);
  if (r === undefined) throw fsError('EFSCORRUPTED', 'lookup', { detail: 'no root directory' });
  return r;
}

function walk(core: FsCore, start: Inode, path: string, follow: boolean, syscall: string, orig: string, hops: { n: number }): Lookup {
  const parts = components(path);
  const trailingSlash = path.endsWith('/') && path.length > 1;
  let dir = path.startsWith('/') ? root(core) : start;
  if (parts.length === 0) return { inode: dir, parent: dir, name: '.', trailingSlash };
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    if (!dir.isDir) throw fsError('ENOTDIR', syscall, { path: orig });
    if (utf8Length(name) > NAME_MAX) throw fsError('ENAMETOOLONG', syscall, { path: orig });
    const last = i === parts.length - 1;
    if (name === '..') {
      const up = core.get(dir.parent)!;
      if (last) return { inode: up, parent: up, name: '..', trailingSlash };
      dir = up;
      continue;
    }
    const ino = dir.entries!.get(name);
    const child = ino === undefined ? undefined : core.get(ino);
    if (child === undefined) {
      if (last) return { inode: null, parent: dir, name, trailingSlash };
      throw fsError('ENOENT', syscall, { path: orig });
    }
    if (child.type === 'symlink' && (!last || follow || trailingSlash)) {
      if (++hops.n > SYMLOOP_MAX) throw fsError('ELOOP', syscall, { path: orig });
      const rest = parts.slice(i + 1).join('/');
      const next = rest === '' ? child.target + (trailingSlash ? '/' : '') : `${child.target}/${rest}`;
      return walk(core, dir, next, follow, syscall, orig, hops);
    }
    if (last) {
      if (trailingSlash && !child.isDir) throw fsError('ENOTDIR', syscall, { path: orig });
      return { inode: child, parent: dir, name, trailingSlash };
    }
    dir = child;
  }
  throw fsError('ENOENT', syscall, { path: orig });
}

/** The components of a path without empty ones and ".": one pass, no intermediate arrays. */
function components(path: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 0x2f) continue;
    if (i > start && !(i === start + 1 && path.charCodeAt(start) === 0x2e)) out.push(path.slice(start, i));
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
