/**
 * fsck: checks every invariant of the crash oracle (PRIMER section 4) on a device.
 *
 *   fsck(device, { repair? }) -> FsckReport
 * Mounting is the first check: superblock, commit word, the checkpoint's top section and every
 * log record are checksummed (EFSBADCRC) and structurally validated (EFSCORRUPTED). Then every
 * inode is loaded, so every checkpoint group is checksummed and validated too (kind 'image', one
 * finding per bad group). Then, on the recovered state: every block is owned once or counted by its refcount, and free otherwise; link counts
 * equal directory entries (directories: 2 + subdirectories); every inode is reachable from the
 * root or is an orphan; directory parent pointers agree with entries; written extents do not lie
 * past EOF. Refcounts and free space come from the image's space map at mount; recomputing
 * them from the extents here is what catches a space map that disagrees with the files. Without `repair` nothing is written. With it, link counts are corrected, lost inodes
 * are reconnected under /lost+found, and a checkpoint records the result.
 */
import { isFsError, type ErrorCode } from '../../errno/index.js';
import type { PmemDevice } from '../../pmem/index.js';
import { BLOCK } from '../format/index.js';
import { type FsCore, type Inode, ROOT_INO, transact } from '../inode/index.js';
import { createNode } from '../dir/index.js';
import { mountCore } from './mount.js';

export type FindingKind = 'mount' | 'image' | 'nlink' | 'refcount' | 'leak' | 'double-free' | 'unreachable' | 'parent' | 'size' | 'dangling';

export interface Finding {
  kind: FindingKind;
  code: ErrorCode;
  ino?: number;
  detail: string;
}

export interface FsckReport {
  ok: boolean;
  findings: Finding[];
  repaired: string[];
  stats: { inodes: number; files: number; dirs: number; symlinks: number; usedBlocks: number; freeBlocks: number; sharedBlocks: number; orphans: number };
}

export function fsck(dev: PmemDevice, opts: { repair?: boolean } = {}): FsckReport {
  const empty = { inodes: 0, files: 0, dirs: 0, symlinks: 0, usedBlocks: 0, freeBlocks: 0, sharedBlocks: 0, orphans: 0 };
  let core: FsCore;
  try {
    core = mountCore(dev, { readOnly: opts.repair !== true });
  } catch (e) {
    if (!isFsError(e)) throw e;
    return { ok: false, findings: [{ kind: 'mount', code: e.code, detail: e.message }], repaired: [], stats: empty };
  }
  const findings = check(core);
  const repaired = opts.repair === true && findings.length > 0 ? repair(core, findings) : [];
  const after = repaired.length > 0 ? check(core) : findings;
  return { ok: after.length === 0, findings, repaired, stats: statsOf(core) };
}

/** All checks on a mounted core (also used by tests on a live filesystem). */
export function check(core: FsCore): Finding[] {
  const out: Finding[] = [];
  // Every check below walks the whole state: load every inode first. A group that cannot be
  // loaded is reported; the tree checks would only echo it (entries naming a missing inode).
  core.meta.loadAll((ino, e) => out.push({ kind: 'image', code: e.code, ino, detail: e.message }));
  if (out.length > 0) return out;
  checkTree(core, out);
  checkBlocks(core, out);
  return out;
}

function checkTree(core: FsCore, out: Finding[]): void {
  const links = new Map<number, number>();
  const subdirs = new Map<number, number>();
  for (const dir of core.meta.inodes.values()) {
    if (!dir.isDir) continue;
    for (const [name, ino] of dir.entries!) {
      const child = core.get(ino);
      if (child === undefined) {
        out.push({ kind: 'dangling', code: 'EFSCORRUPTED', ino: dir.ino, detail: `entry '${name}' names missing inode ${ino}` });
        continue;
      }
      links.set(ino, (links.get(ino) ?? 0) + 1);
      if (child.isDir) {
        subdirs.set(dir.ino, (subdirs.get(dir.ino) ?? 0) + 1);
        if (child.parent !== dir.ino) out.push({ kind: 'parent', code: 'EFSCORRUPTED', ino, detail: `directory's parent is ${child.parent}, but it is named in ${dir.ino}` });
      }
    }
  }
  for (const inode of core.meta.inodes.values()) {
    const named = links.get(inode.ino) ?? 0;
    const orphan = core.meta.orphans.has(inode.ino);
    if (inode.ino !== ROOT_INO && named === 0 && !orphan) out.push({ kind: 'unreachable', code: 'EFSCORRUPTED', ino: inode.ino, detail: 'inode is in no directory and not an orphan' });
    const want = inode.isDir ? (named === 0 && inode.ino !== ROOT_INO ? 0 : 2) + (subdirs.get(inode.ino) ?? 0) : named;
    if (inode.isDir && named > 1) out.push({ kind: 'nlink', code: 'EFSCORRUPTED', ino: inode.ino, detail: `directory named ${named} times` });
    if (inode.attrs.nlink !== want) out.push({ kind: 'nlink', code: 'EFSCORRUPTED', ino: inode.ino, detail: `link count ${inode.attrs.nlink}, expected ${want}` });
    const lastWritten = [...inode.extents.extents()].reverse().find((e) => e.kind === 'mapped');
    if (lastWritten !== undefined && lastWritten.lblk * BLOCK >= Math.max(inode.attrs.size, 1) && inode.type === 'file') {
      out.push({ kind: 'size', code: 'EFSCORRUPTED', ino: inode.ino, detail: `written data at block ${lastWritten.lblk}, past EOF ${inode.attrs.size}` });
    }
  }
}

function checkBlocks(core: FsCore, out: Finding[]): void {
  const refs = new Map<number, number>();
  for (const inode of core.meta.inodes.values()) {
    for (const e of inode.extents.extents()) for (let b = e.pblk; b < e.pblk + e.count; b++) refs.set(b, (refs.get(b) ?? 0) + 1);
  }
  const meta = new Set<number>();
  for (const e of core.store.blocks) for (let b = e.pblk; b < e.pblk + e.count; b++) meta.add(b);
  const space = core.space;
  for (const [b, n] of refs) {
    if (space.free.isFree(b, 1)) out.push({ kind: 'double-free', code: 'EFSCORRUPTED', detail: `block ${b} is mapped ${n} time(s) but free` });
    else if (meta.has(b)) out.push({ kind: 'double-free', code: 'EFSCORRUPTED', detail: `block ${b} is mapped and part of the checkpoint` });
    else if (space.refcount(b) !== n) out.push({ kind: 'refcount', code: 'EFSCORRUPTED', detail: `block ${b} has refcount ${space.refcount(b)}, ${n} reference(s)` });
  }
  // Every block that is not free must be referenced, metadata or reserved. Count first (cost:
  // the referenced blocks); walk the device only to name the culprits when the counts differ.
  const usedBlocks = space.blockCount - space.firstData - space.free.freeBlocks;
  let accounted = meta.size;
  for (const b of refs.keys()) if (!meta.has(b) && !space.free.isFree(b, 1)) accounted++;
  if (accounted === usedBlocks) return;
  for (let b = space.firstData; b < space.blockCount; b++) {
    if (space.free.isFree(b, 1) || refs.has(b) || meta.has(b) || space.isReserved(b)) continue;
    out.push({ kind: 'leak', code: 'EFSCORRUPTED', detail: `block ${b} is neither free nor referenced` });
  }
}

function repair(core: FsCore, findings: Finding[]): string[] {
  const done: string[] = [];
  const lost = findings.filter((f) => f.kind === 'unreachable' && f.ino !== undefined).map((f) => core.get(f.ino!)!);
  if (lost.length > 0) {
    const root = core.get(ROOT_INO)!;
    let lf = root.entries!.get('lost+found');
    if (lf === undefined) transact(core, 'mkdir', 'fsck', (t) => createNode(t, root, 'lost+found', 'dir', 0o700, { uid: 0, gid: 0 }, '/lost+found'));
    lf = root.entries!.get('lost+found')!;
    for (const inode of lost) {
      transact(core, 'link', 'fsck', (t) => t.add({ t: 'link', dir: lf!, name: `#${inode.ino}`, ino: inode.ino }));
      done.push(`reconnected inode ${inode.ino} as /lost+found/#${inode.ino}`);
    }
  }
  const fixed = new Set<number>();
  for (const f of check(core)) {
    if (f.kind !== 'nlink' || f.ino === undefined || fixed.has(f.ino)) continue;
    fixed.add(f.ino);
    const inode = core.get(f.ino)!;
    const want = expectedNlink(core, inode);
    transact(core, 'setattr', 'fsck', (t) => {
      t.attrsOf(inode).nlink = want;
    });
    done.push(`inode ${f.ino}: link count set to ${want}`);
  }
  if (done.length > 0 && core.checkpoint()) done.push('checkpoint written');
  return done;
}

function expectedNlink(core: FsCore, inode: Inode): number {
  if (inode.isDir) return 2 + [...inode.entries!.values()].filter((ino) => core.get(ino)?.isDir === true).length;
  let named = 0;
  for (const d of core.meta.inodes.values()) if (d.isDir) for (const ino of d.entries!.values()) if (ino === inode.ino) named++;
  return named;
}

function statsOf(core: FsCore): FsckReport['stats'] {
  let files = 0;
  let dirs = 0;
  let symlinks = 0;
  for (const i of core.meta.inodes.values()) {
    if (i.type === 'file') files++;
    else if (i.type === 'dir') dirs++;
    else symlinks++;
  }
  const free = core.space.free.freeBlocks;
  return {
    inodes: core.meta.inodeCount, files, dirs, symlinks, usedBlocks: core.space.blockCount - core.space.firstData - free,
    freeBlocks: free, sharedBlocks: core.space.sharedBlocks, orphans: core.meta.orphans.size,
  };
}
