/**
 * Path resolution for the reference model, with Linux's rules and errors.
 *
 * Interface: `lookup(s, path, syscall, follow)` → Lookup { parent, name, node, slash }: the
 * directory holding the final name, the name ('' for the root, or '.'/'..'), what it names
 * (undefined if nothing), and whether the path ended in '/'. A final symlink is followed when
 * `follow` is 'follow' (stat, open), or is 'nofollow' and the path ends in '/' (Linux's
 * lookup_last: a trailing slash implies LOOKUP_FOLLOW; lstat, readlink, link's source), never
 * when 'parent' (the *at() calls that resolve the parent and act on the name: mkdir, rmdir,
 * unlink, rename, symlink, link's target). A followed Lookup describes where the link leads,
 * possibly a missing name. `lookupCreate` is open(O_CREAT)'s resolution; `openFile` resolves a
 * regular file as open(O_RDWR) would. `isAncestorOrSelf` serves rename's loop checks. `fail`
 * throws an FsError.
 *
 * Errors: ENOENT (a missing component, an empty symlink target), ENOTDIR (a non-directory used
 * as one), ENAMETOOLONG (a component over 255 bytes, checked when looked up, or a path of 4096
 * bytes or more), ELOOP (more than 40 symlinks followed in one resolution), EISDIR (openFile of a
 * directory). Relative paths resolve from the root (the model has no working directory); relative
 * symlink targets resolve from the link's directory; '..' is physical (the parent pointer).
 */
import { fsError, type ErrorCode } from '../errno/index.js';
import { ROOT_INO, dirOf, nodeOf, type DirNode, type FileNode, type ModelState, type Node } from './model-node.js';

export const NAME_MAX = 255;
export const PATH_MAX = 4096;
export const MAXSYMLINKS = 40;

export type Follow = 'follow' | 'nofollow' | 'parent';

export interface Lookup {
  parent: DirNode;
  name: string;
  node: Node | undefined;
  slash: boolean;
}

export function fail(code: ErrorCode, syscall: string, path?: string, dest?: string): never {
  throw fsError(code, syscall, { path, dest });
}

const encoder = new TextEncoder();
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}

/** One resolution: counts the symlinks it follows, names the user's path in errors. */
interface Walk {
  s: ModelState;
  syscall: string;
  path: string;
  links: number;
}

function child(s: ModelState, dir: DirNode, name: string): Node | undefined {
  if (name === '.') return dir;
  if (name === '..') return dirOf(s, dir.parent);
  const ino = dir.entries.get(name);
  return ino === undefined ? undefined : nodeOf(s, ino);
}

function followLink(w: Walk, dir: DirNode, target: string, followFinal: Follow): Lookup {
  if (++w.links > MAXSYMLINKS) fail('ELOOP', w.syscall, w.path);
  if (target === '') fail('ENOENT', w.syscall, w.path);
  return walk(w, dir, target, followFinal);
}

/** Resolve `path` from `start` (or the root when absolute). */
function walk(w: Walk, start: DirNode, path: string, follow: Follow): Lookup {
  const comps = path.split('/').filter((c) => c !== '');
  const slash = comps.length > 0 && path.endsWith('/');
  let dir = path.startsWith('/') ? dirOf(w.s, ROOT_INO) : start;
  if (comps.length === 0) return { parent: dir, name: '', node: dir, slash: false };
  for (let i = 0; ; i++) {
    const name = comps[i] ?? '';
    if (byteLength(name) > NAME_MAX) fail('ENAMETOOLONG', w.syscall, w.path);
    const node = child(w.s, dir, name);
    if (i === comps.length - 1) {
      const followIt = follow === 'follow' || (follow === 'nofollow' && slash);
      if (node?.kind !== 'symlink' || !followIt) return { parent: dir, name, node, slash };
      const r = followLink(w, dir, node.target, 'follow');
      return { ...r, slash: r.slash || slash };
    }
    if (node === undefined) return fail('ENOENT', w.syscall, w.path);
    const next = node.kind === 'symlink' ? followLink(w, dir, node.target, 'follow').node : node;
    if (next === undefined) return fail('ENOENT', w.syscall, w.path);
    if (next.kind !== 'dir') return fail('ENOTDIR', w.syscall, w.path);
    dir = next;
  }
}

/** Resolve a path; `follow` decides whether a final symlink is followed. */
export function lookup(s: ModelState, path: string, syscall: string, follow: Follow): Lookup {
  if (path === '') fail('ENOENT', syscall, path);
  if (byteLength(path) >= PATH_MAX) fail('ENAMETOOLONG', syscall, path);
  return walk({ s, syscall, path, links: 0 }, dirOf(s, ROOT_INO), path, follow);
}

/** open(O_CREAT): a trailing slash is EISDIR; a final symlink is followed, even a dangling one. */
export function lookupCreate(s: ModelState, path: string, syscall: string): Lookup {
  const lk = lookup(s, path, syscall, 'parent');
  if (lk.slash) fail('EISDIR', syscall, path);
  return lk.node?.kind === 'symlink' ? lookup(s, path, syscall, 'follow') : lk;
}

/** Resolve an existing node (stat, open without O_CREAT; 'nofollow' for lstat, readlink). */
export function resolveNode(s: ModelState, path: string, syscall: string, follow: Follow = 'follow'): Node {
  const lk = lookup(s, path, syscall, follow);
  if (lk.node === undefined) return fail('ENOENT', syscall, path);
  if (lk.slash && lk.node.kind !== 'dir') fail('ENOTDIR', syscall, path);
  return lk.node;
}

/** Resolve a regular file as open(O_RDWR) would: EISDIR for a directory. */
export function openFile(s: ModelState, path: string, syscall: string): FileNode {
  const n = resolveNode(s, path, syscall);
  if (n.kind === 'dir') return fail('EISDIR', syscall, path);
  if (n.kind !== 'file') return fail('EINVAL', syscall, path);
  return n;
}

/** Is `a` the directory `b` or one of its ancestors? */
export function isAncestorOrSelf(s: ModelState, a: DirNode, b: DirNode): boolean {
  for (let d = b; ; d = dirOf(s, d.parent)) {
    if (d.ino === a.ino) return true;
    if (d.ino === ROOT_INO) return false;
  }
}
