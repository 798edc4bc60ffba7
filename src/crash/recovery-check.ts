/**
 * checkRecovery: everything the oracle demands of one crash image except the tree comparison
 * (oracle.ts does that, because it depends on the operation in flight):
 *
 *   1. mount: recovery (checkpoint + log replay + orphan reclaim) must succeed    'mount'
 *   2. fsck's checks on the recovered state (fs/api/fsck.ts `check`) find nothing   'fsck'
 *   3. no orphan is left after recovery                                          'orphans'
 *   4. the tree can be read (captured for the oracle, core-tree.ts)              'read'
 *   5. usable: a file can be created and deleted in every directory, and fsck's
 *      checks still pass afterwards                                              'usable'
 * Anything that is not an FsError (an assertion inside the filesystem) is 'internal'.
 *
 * Interface: checkRecovery(dev, faults) -> { failure: null | { kind, detail }, tree };
 *   treeOf(fs), the tree of a mounted pmemfs.
 * The device is consumed (the probe writes to it); faults are the injected bugs, which recovery
 * runs with too (the bug is in the filesystem's code, and recovery is that code).
 * Deterministic in the bytes it reads from `dev` (read-set.ts relies on it).
 */
import { isFsError } from '../errno/index.js';
import { check, mount, type Dirent, type Filesystem, type Finding } from '../fs/index.js';
import type { PmemDevice } from '../pmem/index.js';
import { coreTree } from './core-tree.js';
import { captureTree, childPath, type Tree } from './tree.js';

export type FailureKind = 'mount' | 'fsck' | 'orphans' | 'read' | 'usable' | 'internal';

export interface Recovery {
  failure: { kind: FailureKind; detail: string[] } | null;
  /** The recovered tree (null when it could not be read). */
  tree: Tree | null;
}

const PROBE = '.pmemfs-crash-probe';

export function checkRecovery(dev: PmemDevice, faults: readonly string[]): Recovery {
  let fs: Filesystem;
  try {
    fs = mount(dev, { faults, checkpointOnUnmount: false, leaseBreakTime: 0 });
  } catch (e) {
    return { failure: failureOf('mount', e), tree: null };
  }
  const found = findings(fs);
  if (found.length > 0) return { failure: { kind: 'fsck', detail: found }, tree: null };
  const orphans = [...fs.core.meta.orphans];
  if (orphans.length > 0) return { failure: { kind: 'orphans', detail: [`inodes ${orphans.join(', ')} are orphans after recovery`] }, tree: null };
  let tree: Tree;
  try {
    tree = coreTree(fs);
  } catch (e) {
    return { failure: failureOf('read', e), tree: null };
  }
  try {
    probe(fs, tree);
  } catch (e) {
    return { failure: failureOf('usable', e), tree };
  }
  const after = findings(fs);
  if (after.length > 0) return { failure: { kind: 'usable', detail: ['fsck after creating and deleting a file in every directory:', ...after] }, tree };
  return { failure: null, tree };
}

/** The visible tree of a mounted pmemfs (tree.ts's captureTree through its node:fs surface). */
export function treeOf(fs: Filesystem): Tree {
  return captureTree({
    readdirSync: (p) => fs.readdirSync(p, { withFileTypes: true }) as Dirent[],
    lstatSync: (p) => fs.lstatSync(p)!,
    readFileSync: (p) => fs.readFileSync(p) as Uint8Array,
    readlinkSync: (p) => fs.readlinkSync(p),
    listxattrSync: (p) => fs.listxattrSync(p),
    getxattrSync: (p, name) => fs.getxattrSync(p, name),
  });
}

/** Create and delete a file in every directory of the tree. */
function probe(fs: Filesystem, tree: Tree): void {
  for (const [path, e] of tree) {
    if (e.type !== 'dir') continue;
    let name = childPath(path, PROBE);
    for (let i = 1; tree.has(name); i++) name = childPath(path, `${PROBE}.${i}`);
    fs.closeSync(fs.openSync(name, 'wx'));
    fs.unlinkSync(name);
  }
}

function findings(fs: Filesystem): string[] {
  return check(fs.core).map((f: Finding) => `${f.kind}${f.ino === undefined ? '' : ` (inode ${f.ino})`}: ${f.detail}`);
}

function failureOf(kind: FailureKind, e: unknown): { kind: FailureKind; detail: string[] } {
  if (isFsError(e)) return { kind, detail: [e.message] };
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { kind: 'internal', detail: [`during ${kind}: ${text}`] };
}
