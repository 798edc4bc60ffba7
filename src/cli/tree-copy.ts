/**
 * Copying files and trees between two node:fs-shaped filesystems: the host's node:fs and mounted
 * images. The same code serves host -> image, image -> host and image -> image, because a
 * mounted pmemfs has node:fs's names and argument orders.
 *
 * Interface:
 *   copyTree(src: Place, dst: Place, { recursive, reflink })
 * As cp(1): when dst is an existing directory the copy goes inside it under src's name; a
 * directory needs `recursive`; inside a tree, symlinks are copied as symlinks; a top-level
 * symlink is followed without `recursive` (ENOENT if it dangles) and copied as one with it. Files are streamed in 1 MiB pieces, except image -> same image, which is
 * one copyFileSync (with `reflink`, COPYFILE_FICLONE_FORCE: the blocks are shared, not copied).
 * Errors: EISDIR (a directory without `recursive`), EXDEV (`reflink` across filesystems), EINVAL
 * (a directory into itself; a FIFO, socket or device, which is never opened: a FIFO with no
 * writer would block forever), and whatever either filesystem raises.
 */
import * as nodeFs from 'node:fs';
import { join as hostJoin, basename as hostBasename, resolve as hostResolve } from 'node:path';
import { posix } from 'node:path';
import { fsError } from '../errno/index.js';
import { COPYFILE_FICLONE_FORCE, type Filesystem } from '../fs/index.js';
import { creationMode } from './file-mode.js';

export type Place = { kind: 'host'; path: string } | { kind: 'image'; image: string; fs: Filesystem; path: string };

interface EntryStats {
  mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The slice of node:fs both sides share. */
interface TreeFs {
  lstatSync(path: string): EntryStats | undefined;
  statSync(path: string, opts?: { throwIfNoEntry?: boolean }): EntryStats | undefined;
  readdirSync(path: string): ReadonlyArray<string | { name: string }>;
  readlinkSync(path: string): string;
  symlinkSync(target: string, path: string): void;
  mkdirSync(path: string, options: { mode: number }): unknown;
  openSync(path: string, flags: string, mode?: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  closeSync(fd: number): void;
}

export interface CopyOptions {
  recursive: boolean;
  reflink: boolean;
}

const CHUNK = 1 << 20;

function fsOf(p: Place): TreeFs {
  return p.kind === 'host' ? nodeFs : p.fs;
}

function at(p: Place, path: string): Place {
  return { ...p, path };
}

function child(p: Place, name: string): Place {
  return at(p, p.kind === 'host' ? hostJoin(p.path, name) : posix.join(p.path, name));
}

function sameFs(a: Place, b: Place): boolean {
  return a.kind === 'image' && b.kind === 'image' && a.fs === b.fs;
}

export function copyTree(src: Place, dst: Place, opts: CopyOptions): void {
  // As cp(1): without -r a top-level symlink is followed (a dangling one is ENOENT, 'cannot
  // stat'); with -r it is copied as a symlink, as everything inside the tree is.
  const srcStat = opts.recursive ? fsOf(src).lstatSync(src.path)! : fsOf(src).statSync(src.path)!;
  if (srcStat.isDirectory() && !opts.recursive) throw fsError('EISDIR', 'copyfile', { path: src.path, detail: 'use -r to copy a directory' });
  let target = dst;
  if (fsOf(dst).statSync(dst.path, { throwIfNoEntry: false })?.isDirectory() === true) {
    target = child(dst, src.kind === 'host' ? hostBasename(src.path) : posix.basename(src.path));
  }
  if (srcStat.isDirectory() && inside(src, target)) {
    throw fsError('EINVAL', 'copyfile', { path: src.path, dest: target.path, detail: 'cannot copy a directory into itself' });
  }
  copyNode(src, target, srcStat, opts);
}

function inside(src: Place, dst: Place): boolean {
  if (src.kind !== dst.kind || (src.kind === 'image' && !sameFs(src, dst))) return false;
  const norm = (p: Place) => (p.kind === 'host' ? hostResolve(p.path) : posix.resolve(p.path));
  const s = norm(src);
  const d = norm(dst);
  return d === s || d.startsWith(s.endsWith('/') ? s : `${s}/`);
}

function copyNode(src: Place, dst: Place, st: EntryStats, opts: CopyOptions): void {
  if (st.isDirectory()) {
    const existing = fsOf(dst).statSync(dst.path, { throwIfNoEntry: false });
    if (existing === undefined) fsOf(dst).mkdirSync(dst.path, { mode: creationMode(st.mode & 0o7777) });
    else if (!existing.isDirectory()) throw fsError('ENOTDIR', 'mkdir', { path: dst.path });
    for (const entry of fsOf(src).readdirSync(src.path)) {
      const name = typeof entry === 'string' ? entry : entry.name;
      const from = child(src, name);
      copyNode(from, child(dst, name), fsOf(src).lstatSync(from.path)!, opts);
    }
  } else if (st.isSymbolicLink()) {
    fsOf(dst).symlinkSync(fsOf(src).readlinkSync(src.path), dst.path);
  } else if (!st.isFile()) {
    throw fsError('EINVAL', 'copyfile', { path: src.path, detail: 'not a regular file, directory or symlink (FIFOs, sockets and devices are not copied)' });
  } else {
    copyFile(src, dst, creationMode(st.mode & 0o7777), opts.reflink);
  }
}

function copyFile(src: Place, dst: Place, mode: number, reflink: boolean): void {
  if (src.kind === 'image' && dst.kind === 'image' && sameFs(src, dst)) {
    src.fs.copyFileSync(src.path, dst.path, reflink ? COPYFILE_FICLONE_FORCE : 0);
    return;
  }
  if (reflink) throw fsError('EXDEV', 'copyfile', { path: src.path, dest: dst.path, detail: 'a reflink needs source and destination in the same image' });
  const from = fsOf(src);
  const to = fsOf(dst);
  const inFd = from.openSync(src.path, 'r');
  try {
    const outFd = to.openSync(dst.path, 'w', mode);
    try {
      const buf = new Uint8Array(CHUNK);
      for (let pos = 0; ; ) {
        const n = from.readSync(inFd, buf, 0, buf.length, pos);
        if (n === 0) break;
        for (let done = 0; done < n; ) done += to.writeSync(outFd, buf, done, n - done, pos + done);
        pos += n;
      }
    } finally {
      to.closeSync(outFd);
    }
  } finally {
    from.closeSync(inFd);
  }
}
