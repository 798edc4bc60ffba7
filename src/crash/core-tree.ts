/**
 * coreTree: the visible tree of a mounted pmemfs (tree.ts's Tree), read straight from its
 * recovered in-memory metadata (directory entries, attributes, xattrs, symlink targets) and its
 * data through the same readData() that read(2) uses. It equals captureTree() over the node:fs
 * surface (test/crash/core-tree.test.ts checks it) at a fraction of the cost: no path lookups,
 * no descriptors, no Stats objects. The crash checker reads one tree per mounted crash state.
 *
 * Interface: coreTree(fs) -> Tree.
 */
import { unreachable } from '../errno/index.js';
import type { Filesystem } from '../fs/index.js';
import { ROOT_INO, readData, type Inode } from '../fs/inode/index.js';
import { childPath, xattrText, type Tree, type Xattrs } from './tree.js';

export function coreTree(fs: Filesystem): Tree {
  const core = fs.core;
  const tree: Tree = new Map();
  const leader = new Map<number, string>();
  const files: Array<[string, number]> = [];
  const visit = (path: string, inode: Inode): void => {
    switch (inode.type) {
      case 'dir': {
        tree.set(path, { type: 'dir', xattrs: xattrsOf(inode) });
        for (const name of [...inode.entries!.keys()].sort()) visit(childPath(path, name), core.get(inode.entries!.get(name)!)!);
        return;
      }
      case 'symlink':
        tree.set(path, { type: 'symlink', target: inode.target, xattrs: {} });
        return;
      case 'file': {
        const data = new Uint8Array(inode.attrs.size);
        readData(core, inode, data, 0);
        tree.set(path, { type: 'file', size: inode.attrs.size, data, nlink: inode.attrs.nlink, group: path, xattrs: xattrsOf(inode) });
        const cur = leader.get(inode.ino);
        if (cur === undefined || path < cur) leader.set(inode.ino, path);
        files.push([path, inode.ino]);
        return;
      }
      default:
        unreachable(inode.type, 'inode type');
    }
  };
  visit('/', core.get(ROOT_INO)!);
  for (const [path, ino] of files) {
    const e = tree.get(path);
    if (e?.type === 'file') e.group = leader.get(ino)!;
  }
  return tree;
}

function xattrsOf(inode: Inode): Xattrs {
  const out: Xattrs = {};
  if (inode.xattrs === null) return out;
  for (const name of [...inode.xattrs.keys()].sort()) out[name] = xattrText(inode.xattrs.get(name)!);
  return out;
}
