/**
 * Tree: a comparable snapshot of a filesystem's visible state, the thing the crash oracle
 * compares. A Map from absolute path ('/' is the root) to what is there:
 *
 *   dir      xattrs
 *   file     size, data (exactly `size` bytes), nlink, group, xattrs
 *   symlink  target, xattrs (always {}: Linux has no user xattrs on symlinks, and we never read
 *            them through a link)
 *
 * `group` names a file's inode independently of inode numbers: the smallest path (by JS string
 * order) of all the tree's paths that share the inode. Two paths are hard links iff their groups
 * are equal. Xattr values are text: the UTF-8 decoding of the bytes when they are valid UTF-8,
 * else `hex:` and the bytes in hex.
 *
 * Interface: `captureTree(fs, root?)` reads a tree from anything node:fs-shaped (FsLike: real
 * node:fs, memfs, a mounted pmemfs); `diffTrees(expected, actual, { uncertain })` lists the
 * differences as human-readable lines, ignoring file bytes in the uncertain ranges (by path).
 */
import { fsError } from '../errno/index.js';
import type { RangeSet } from './range-set.js';

export type Xattrs = Record<string, string>;

export type TreeEntry =
  | { type: 'dir'; xattrs: Xattrs }
  | { type: 'file'; size: number; data: Uint8Array; nlink: number; group: string; xattrs: Xattrs }
  | { type: 'symlink'; target: string; xattrs: Xattrs };

export type Tree = Map<string, TreeEntry>;

/** The node:fs-shaped synchronous methods captureTree needs. */
export interface FsLike {
  readdirSync(path: string, options: { withFileTypes: true }): ReadonlyArray<{ name: string | Uint8Array } | string | Uint8Array>;
  lstatSync(path: string): StatsLike;
  readFileSync(path: string): Uint8Array | string;
  readlinkSync(path: string): Uint8Array | string;
  listxattrSync?(path: string): readonly string[];
  getxattrSync?(path: string, name: string): Uint8Array | string;
}

export interface StatsLike {
  ino: number | bigint;
  nlink: number | bigint;
  size: number | bigint;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Xattr bytes as text: UTF-8 when valid, else `hex:...`. */
export function xattrText(value: Uint8Array | string): string {
  if (typeof value === 'string') return value;
  try {
    return utf8.decode(value);
  } catch {
    return 'hex:' + Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('');
  }
}

function text(v: Uint8Array | string): string {
  return typeof v === 'string' ? v : new TextDecoder().decode(v);
}

/** Join a tree path ('/', '/a') and a name. */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

function readXattrs(fs: FsLike, real: string): Xattrs {
  const out: Xattrs = {};
  if (fs.listxattrSync === undefined || fs.getxattrSync === undefined) return out;
  for (const name of [...fs.listxattrSync(real)].sort()) out[name] = xattrText(fs.getxattrSync(real, name));
  return out;
}

/** Give every file the smallest path among those sharing its inode. */
function assignGroups(tree: Tree, inoOf: Map<string, string>): void {
  const leader = new Map<string, string>();
  for (const [path, ino] of inoOf) {
    const cur = leader.get(ino);
    if (cur === undefined || path < cur) leader.set(ino, path);
  }
  for (const [path, ino] of inoOf) {
    const e = tree.get(path);
    if (e?.type === 'file') e.group = leader.get(ino) ?? path;
  }
}

/**
 * Read the whole tree under `root` (a path of `fs`; default '/'). Paths in the result are
 * relative to it, written absolute: root itself is '/'.
 */
export function captureTree(fs: FsLike, root = '/'): Tree {
  const tree: Tree = new Map();
  const inoOf = new Map<string, string>();
  const realOf = (p: string) => (p === '/' ? root : root.replace(/\/$/, '') + p);
  const visit = (path: string): void => {
    const real = realOf(path);
    const st = fs.lstatSync(real);
    if (st.isSymbolicLink()) {
      tree.set(path, { type: 'symlink', target: text(fs.readlinkSync(real)), xattrs: {} });
    } else if (st.isFile()) {
      const raw = fs.readFileSync(real);
      const data = typeof raw === 'string' ? encoder.encode(raw) : new Uint8Array(raw);
      const xattrs = readXattrs(fs, real);
      tree.set(path, { type: 'file', size: Number(st.size), data, nlink: Number(st.nlink), group: path, xattrs });
      inoOf.set(path, String(st.ino));
    } else if (st.isDirectory()) {
      tree.set(path, { type: 'dir', xattrs: readXattrs(fs, real) });
      const names = fs.readdirSync(real, { withFileTypes: true }).map((d) => direntName(d));
      for (const name of names.sort()) visit(childPath(path, name));
    } else {
      throw fsError('EINVAL', 'captureTree', { path: real, detail: 'not a file, directory or symlink' });
    }
  };
  visit('/');
  assignGroups(tree, inoOf);
  return tree;
}

function direntName(d: { name: string | Uint8Array } | string | Uint8Array): string {
  if (typeof d === 'string' || d instanceof Uint8Array) return text(d);
  return text(d.name);
}

// ---------------------------------------------------------------------------------------------
// Comparing

export interface DiffOptions {
  /** Per path, byte ranges whose contents may legitimately be either old or new. */
  uncertain?: ReadonlyMap<string, RangeSet>;
  /** Stop after this many differences (default 100). */
  limit?: number;
}

function hex(b: number | undefined): string {
  return b === undefined ? 'EOF' : `0x${b.toString(16).padStart(2, '0')}`;
}

/** First offset below both lengths where a and b differ outside `skip`, or -1. */
export function firstDifference(a: Uint8Array, b: Uint8Array, skip: RangeSet = []): number {
  const n = Math.min(a.length, b.length);
  const ranges = [...skip].sort((x, y) => x[0] - y[0]);
  let r = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    while (r < ranges.length && ranges[r]![1] <= i) r++;
    const cur = ranges[r];
    if (cur !== undefined && cur[0] <= i) {
      i = cur[1] - 1;
      continue;
    }
    return i;
  }
  return -1;
}

function diffXattrs(path: string, e: Xattrs, a: Xattrs, out: string[]): void {
  const names = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
  for (const n of names) {
    const ev = e[n];
    const av = a[n];
    if (ev === av) continue;
    if (av === undefined) out.push(`${path}: xattr ${n} missing, expected '${ev ?? ''}'`);
    else if (ev === undefined) out.push(`${path}: unexpected xattr ${n} = '${av}'`);
    else out.push(`${path}: xattr ${n} = '${av}', expected '${ev}'`);
  }
}

function diffEntry(path: string, e: TreeEntry, a: TreeEntry, opts: DiffOptions, out: string[]): void {
  if (e.type !== a.type) {
    out.push(`${path}: is a ${a.type}, expected a ${e.type}`);
    return;
  }
  if (e.type === 'symlink' && a.type === 'symlink' && e.target !== a.target) {
    out.push(`${path}: symlink target '${a.target}', expected '${e.target}'`);
  }
  if (e.type === 'file' && a.type === 'file') diffFile(path, e, a, opts, out);
  diffXattrs(path, e.xattrs, a.xattrs, out);
}

type FileEntry = Extract<TreeEntry, { type: 'file' }>;

function diffFile(path: string, e: FileEntry, a: FileEntry, opts: DiffOptions, out: string[]): void {
  if (e.size !== a.size) out.push(`${path}: size ${a.size}, expected ${e.size}`);
  if (e.nlink !== a.nlink) out.push(`${path}: nlink ${a.nlink}, expected ${e.nlink}`);
  if (e.group !== a.group) out.push(`${path}: hard-link group '${a.group}', expected '${e.group}'`);
  const at = firstDifference(e.data, a.data, opts.uncertain?.get(path));
  if (at >= 0) out.push(`${path}: content differs at offset ${at} (${hex(a.data[at])}, expected ${hex(e.data[at])})`);
}

/** Every difference between the expected and the actual tree, one readable line each. */
export function diffTrees(expected: Tree, actual: Tree, opts: DiffOptions = {}): string[] {
  const out: string[] = [];
  const limit = opts.limit ?? 100;
  const paths = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const path of paths) {
    if (out.length >= limit) break;
    const e = expected.get(path);
    const a = actual.get(path);
    if (a === undefined) out.push(`${path}: missing (expected a ${e?.type ?? '?'})`);
    else if (e === undefined) out.push(`${path}: unexpected ${a.type}`);
    else diffEntry(path, e, a, opts, out);
  }
  return out.slice(0, limit);
}
