/**
 * The reference model's inodes and the model state that holds them.
 *
 *   DirNode      entries name → ino, parent ino (the root is its own parent)
 *   FileNode     bytes (dense; capacity ≥ size), size, nlink
 *   SymlinkNode  target, nlink (link(2) does not follow symlinks, so they can be hard-linked)
 *
 * ModelState also carries the DAX mappings (by the path they were opened as), the seals, and per
 * inode the uncertain bytes (stored through a mapping, not yet msync'ed).
 *
 * Interface: node constructors, `newState`, `cloneState`, `nodeOf`, `dropIfOrphan`, and the
 * content primitives on a FileNode: readBytes, writeBytes, setSize, zeroBytes, collapseBytes,
 * insertBytes.
 * Invariants: bytes past `size` in a FileNode's buffer are zero (so growing reads as zeros);
 * every ino in a directory's entries is in `nodes`; a node with nlink 0 stays in `nodes` only
 * while a mapping or a seal holds it (an orphan).
 */
import { fail, unreachable } from '../errno/index.js';
import type { RangeSet } from './range-set.js';
import type { SealMode } from './workload.js';

export type XattrMap = Map<string, string>;

export interface DirNode {
  kind: 'dir';
  ino: number;
  parent: number;
  entries: Map<string, number>;
  xattrs: XattrMap;
}

export interface FileNode {
  kind: 'file';
  ino: number;
  nlink: number;
  bytes: Uint8Array;
  size: number;
  xattrs: XattrMap;
}

export interface SymlinkNode {
  kind: 'symlink';
  ino: number;
  nlink: number;
  target: string;
  xattrs: XattrMap;
}

export type Node = DirNode | FileNode | SymlinkNode;

/** A DAX mapping, named by the path it was opened as (the workload's handle). */
export interface Mapping {
  name: string;
  ino: number;
  offset: number;
  length: number;
  direct: boolean;
  /**
   * A change to the mapped range's block map revoked it (the filesystem cannot re-fault a raw
   * view): later stores through it land in quarantined blocks and reach the file only in
   * `aliased`.
   */
  revoked?: boolean;
  /**
   * Once revoked: the block-aligned byte ranges where the file still maps the view's blocks
   * (another live pin has held them since the revocation; model-alias.ts).
   */
  aliased?: RangeSet;
}

/** Who holds a seal: a `seal P` line, or the `mmap P ... direct` mapping named P. */
export type SealHolder = { kind: 'seal'; name: string } | { kind: 'map'; name: string };

/** A seal on one inode; `range` absent means the whole file. A revoked lease refuses nothing. */
export interface Seal {
  ino: number;
  holder: SealHolder;
  range?: { start: number; end: number };
  mode: SealMode;
  revoked: boolean;
}

export interface ModelState {
  nodes: Map<number, Node>;
  nextIno: number;
  maps: Map<string, Mapping>;
  seals: Seal[];
  uncertain: Map<number, RangeSet>;
  maxFileSize: number;
}

export const ROOT_INO = 1;

export function newState(maxFileSize: number): ModelState {
  const root: DirNode = { kind: 'dir', ino: ROOT_INO, parent: ROOT_INO, entries: new Map(), xattrs: new Map() };
  return { nodes: new Map([[ROOT_INO, root]]), nextIno: ROOT_INO + 1, maps: new Map(), seals: [], uncertain: new Map(), maxFileSize };
}

function cloneNode(n: Node): Node {
  const xattrs = new Map(n.xattrs);
  switch (n.kind) {
    case 'dir':
      return { ...n, entries: new Map(n.entries), xattrs };
    case 'file':
      return { ...n, bytes: n.bytes.slice(0, n.size), xattrs };
    case 'symlink':
      return { ...n, xattrs };
    default:
      return unreachable(n, 'node');
  }
}

export function cloneState(s: ModelState): ModelState {
  const nodes = new Map<number, Node>();
  for (const [ino, n] of s.nodes) nodes.set(ino, cloneNode(n));
  return {
    nodes,
    nextIno: s.nextIno,
    maps: new Map([...s.maps].map(([k, m]) => [k, { ...m }])),
    seals: s.seals.map((x) => ({ ...x })),
    uncertain: new Map(s.uncertain),
    maxFileSize: s.maxFileSize,
  };
}

export function nodeOf(s: ModelState, ino: number): Node {
  const n = s.nodes.get(ino);
  if (n === undefined) fail(`model: dangling ino ${ino}`); // (the oracle calls this per step)
  return n;
}

export function dirOf(s: ModelState, ino: number): DirNode {
  const n = nodeOf(s, ino);
  if (n.kind !== 'dir') fail(`model: ino ${ino} is not a directory`);
  return n;
}

/** Add a fresh node (the caller links it into a directory). */
export function addNode<T extends Node>(s: ModelState, make: (ino: number) => T): T {
  const n = make(s.nextIno++);
  s.nodes.set(n.ino, n);
  return n;
}

export function newFile(ino: number): FileNode {
  return { kind: 'file', ino, nlink: 1, bytes: new Uint8Array(0), size: 0, xattrs: new Map() };
}

/** Forget a node nobody can reach: no names, no mapping, no seal. */
export function dropIfOrphan(s: ModelState, ino: number): void {
  const n = s.nodes.get(ino);
  if (n === undefined || n.kind === 'dir' || n.nlink > 0) return;
  for (const m of s.maps.values()) if (m.ino === ino) return;
  if (s.seals.some((x) => x.ino === ino)) return;
  s.nodes.delete(ino);
  s.uncertain.delete(ino);
}

// ---------------------------------------------------------------------------------------------
// File contents

function reserve(f: FileNode, size: number): void {
  if (size <= f.bytes.length) return;
  const grown = new Uint8Array(Math.max(size, f.bytes.length * 2, 4096));
  grown.set(f.bytes.subarray(0, f.size));
  f.bytes = grown;
}

/** `length` bytes from `offset`; zeros past EOF. A copy. */
export function readBytes(f: FileNode, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (offset < f.size) out.set(f.bytes.subarray(offset, Math.min(f.size, offset + length)));
  return out;
}

/** Store `data` at `offset`, growing the file if it ends past EOF. */
export function writeBytes(f: FileNode, offset: number, data: Uint8Array): void {
  const end = offset + data.length;
  reserve(f, end);
  f.bytes.set(data, offset);
  if (end > f.size) f.size = end;
}

/** Truncate or extend (with zeros) to `size`. */
export function setSize(f: FileNode, size: number): void {
  if (size < f.size) f.bytes.fill(0, size, f.size);
  else reserve(f, size);
  f.size = size;
}

/** Zero [offset, end) ∩ [0, size); the size does not change. */
export function zeroBytes(f: FileNode, offset: number, end: number): void {
  if (offset < f.size) f.bytes.fill(0, offset, Math.min(end, f.size));
}

/** Remove [offset, offset+length) and move the tail down (the caller checked offset+length < size). */
export function collapseBytes(f: FileNode, offset: number, length: number): void {
  f.bytes.copyWithin(offset, offset + length, f.size);
  setSize(f, f.size - length);
}

/** Open a zero-filled gap of `length` bytes at `offset` (the caller checked offset < size). */
export function insertBytes(f: FileNode, offset: number, length: number): void {
  const old = f.size;
  reserve(f, old + length);
  f.bytes.copyWithin(offset + length, offset, old);
  f.bytes.fill(0, offset, offset + length);
  f.size = old + length;
}
