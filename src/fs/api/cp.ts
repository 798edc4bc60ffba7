/**
 * cpSync: node:fs's recursive copy, over a mounted pmemfs's own synchronous calls, step for
 * step as node:fs does it over the system's (lib/internal/fs/cp/cp-sync.js): the same checks in
 * the same order, the same SystemErrors (errno/system-error.ts), the same options (recursive,
 * force, errorOnExist, dereference, verbatimSymlinks, preserveTimestamps, filter, mode).
 *
 * Not atomic as a whole, as in node:fs and cp(1): each file, directory and symlink it makes is
 * its own operation (each atomic and durable), so a crash mid-copy leaves a partial copy. A
 * file's data is copied with copyFileSync, so `mode: COPYFILE_FICLONE` shares the blocks
 * (reflink) instead of copying them.
 */
import { posix } from 'node:path';
import { argError, invalidArgType, systemError } from '../../errno/index.js';
import type { Dirent, Stats } from './stats.js';
import { validateBoolean, validateInteger, validatePath } from './validate.js';

const { dirname, isAbsolute, join } = posix;
/** A path made absolute against the filesystem's root (pmemfs has no working directory). */
const resolve = (...paths: string[]): string => posix.resolve('/', ...paths);

export interface CpOptions {
  recursive?: boolean;
  force?: boolean;
  errorOnExist?: boolean;
  dereference?: boolean;
  verbatimSymlinks?: boolean;
  preserveTimestamps?: boolean;
  filter?: (src: string, dest: string) => boolean;
  mode?: number;
}

type Opts = Required<Omit<CpOptions, 'filter'>> & { filter: CpOptions['filter'] };

/** What cpSync needs of the filesystem: node:fs's synchronous calls. */
export interface CpFs {
  statSync(path: string): Stats | undefined;
  lstatSync(path: string): Stats | undefined;
  existsSync(path: string): boolean;
  mkdirSync(path: string, options?: { recursive?: boolean }): string | undefined;
  copyFileSync(src: string, dest: string, mode?: number): void;
  chmodSync(path: string, mode: number): void;
  utimesSync(path: string, atime: Date, mtime: Date): void;
  unlinkSync(path: string): void;
  readlinkSync(path: string): string;
  symlinkSync(target: string, path: string): void;
  readdirSync(path: string, options: { withFileTypes: true }): Dirent[];
}

export function copyTree(fs: CpFs, src: unknown, dest: unknown, options?: unknown): void {
  const opts = validateOptions(options);
  const s = validatePath(src, 'src');
  const d = validatePath(dest, 'dest');
  const { srcStat, destStat } = checkPaths(fs, s, d, opts);
  checkParentPaths(fs, s, srcStat, d);
  filterAndCopy(fs, destStat, s, d, opts);
}

function validateOptions(options: unknown): Opts {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
  const o = options as CpOptions;
  const flag = (v: boolean | undefined, name: string, def: boolean): boolean => (v === undefined ? def : validateBoolean(v, `options.${name}`));
  const opts: Opts = {
    dereference: flag(o.dereference, 'dereference', false),
    errorOnExist: flag(o.errorOnExist, 'errorOnExist', false),
    force: flag(o.force, 'force', true),
    preserveTimestamps: flag(o.preserveTimestamps, 'preserveTimestamps', false),
    recursive: flag(o.recursive, 'recursive', false),
    verbatimSymlinks: flag(o.verbatimSymlinks, 'verbatimSymlinks', false),
    mode: o.mode === undefined ? 0 : validateInteger(o.mode, 'mode', 0, 7),
    filter: o.filter,
  };
  if (o.filter !== undefined && typeof o.filter !== 'function') throw invalidArgType('options.filter', 'of type function', o.filter);
  if (opts.dereference && opts.verbatimSymlinks) {
    throw argError(TypeError, 'ERR_INCOMPATIBLE_OPTION_PAIR', 'Option "dereference" cannot be used in combination with option "verbatimSymlinks"');
  }
  return opts;
}

function statOf(fs: CpFs, path: string, opts: Opts): Stats {
  return (opts.dereference ? fs.statSync(path) : fs.lstatSync(path))!;
}

function checkPaths(fs: CpFs, src: string, dest: string, opts: Opts): { srcStat: Stats; destStat: Stats | null } {
  const srcStat = statOf(fs, src, opts);
  let destStat: Stats | null;
  try {
    destStat = statOf(fs, dest, opts);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
    destStat = null;
  }
  if (destStat !== null) {
    if (srcStat.ino === destStat.ino && srcStat.dev === destStat.dev) {
      throw systemError('ERR_FS_CP_EINVAL', 'Invalid src or dest', { message: 'src and dest cannot be the same', path: dest, syscall: 'cp', code: 'EINVAL' });
    }
    if (srcStat.isDirectory() && !destStat.isDirectory()) {
      throw systemError('ERR_FS_CP_DIR_TO_NON_DIR', 'Cannot overwrite non-directory with directory',
        { message: `cannot overwrite non-directory ${dest} with directory ${src}`, path: dest, syscall: 'cp', code: 'EISDIR' });
    }
    if (!srcStat.isDirectory() && destStat.isDirectory()) {
      throw systemError('ERR_FS_CP_NON_DIR_TO_DIR', 'Cannot overwrite directory with non-directory',
        { message: `cannot overwrite directory ${dest} with non-directory ${src}`, path: dest, syscall: 'cp', code: 'ENOTDIR' });
    }
  }
  if (srcStat.isDirectory() && isSubdir(src, dest)) throw intoItself(src, dest);
  return { srcStat, destStat };
}

function intoItself(src: string, dest: string, path = dest): Error {
  return systemError('ERR_FS_CP_EINVAL', 'Invalid src or dest', { message: `cannot copy ${src} to a subdirectory of self ${dest}`, path, syscall: 'cp', code: 'EINVAL' });
}

/** dest inside src (by the names: node's isSrcSubdir). */
function isSubdir(src: string, dest: string): boolean {
  const s = resolve(src).split('/').filter((p) => p !== '');
  const d = resolve(dest).split('/').filter((p) => p !== '');
  return s.every((part, i) => d[i] === part);
}

/** Refuses a dest whose parent directories include src itself (reached by another name). */
function checkParentPaths(fs: CpFs, src: string, srcStat: Stats, dest: string): void {
  const srcParent = resolve(dirname(src));
  for (let parent = resolve(dirname(dest)); parent !== srcParent && parent !== dirname(parent); parent = dirname(parent)) {
    let st: Stats;
    try {
      st = fs.statSync(parent)!;
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return;
      throw e;
    }
    if (st.ino === srcStat.ino && st.dev === srcStat.dev) throw intoItself(src, dest);
  }
}

/** The top of a copy: the filter, dest's missing parents made, then the copy (checks done). */
function filterAndCopy(fs: CpFs, destStat: Stats | null, src: string, dest: string, opts: Opts): void {
  if (opts.filter !== undefined && !opts.filter(src, dest)) return;
  const parent = dirname(dest);
  if (!fs.existsSync(parent)) fs.mkdirSync(parent, { recursive: true });
  copyAny(fs, destStat, src, dest, opts);
}

function copyAny(fs: CpFs, destStat: Stats | null, src: string, dest: string, opts: Opts): void {
  const srcStat = statOf(fs, src, opts);
  if (srcStat.isDirectory()) {
    if (!opts.recursive) {
      throw systemError('ERR_FS_EISDIR', 'Path is a directory', { message: `${src} is a directory (not copied)`, path: src, syscall: 'cp', code: 'EISDIR', errnoOf: 'EINVAL' });
    }
    return copyDirectory(fs, srcStat, destStat, src, dest, opts);
  }
  if (srcStat.isSymbolicLink()) return copyLink(fs, destStat, src, dest, opts);
  return copyFile(fs, srcStat, destStat, src, dest, opts);
}

function copyFile(fs: CpFs, srcStat: Stats, destStat: Stats | null, src: string, dest: string, opts: Opts): void {
  if (destStat !== null) {
    if (opts.errorOnExist && !opts.force) {
      throw systemError('ERR_FS_CP_EEXIST', 'Target already exists', { message: `${dest} already exists`, path: dest, syscall: 'cp', code: 'EEXIST' });
    }
    if (!opts.force) return;
    fs.unlinkSync(dest);
  }
  fs.copyFileSync(src, dest, opts.mode);
  if (opts.preserveTimestamps) fs.utimesSync(dest, srcStat.atime, srcStat.mtime);
  fs.chmodSync(dest, srcStat.mode & 0o7777);
}

function copyDirectory(fs: CpFs, srcStat: Stats, destStat: Stats | null, src: string, dest: string, opts: Opts): void {
  if (destStat === null) fs.mkdirSync(dest);
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const srcItem = join(src, entry.name);
    const destItem = join(dest, entry.name);
    if (opts.filter !== undefined && !opts.filter(srcItem, destItem)) continue;
    copyAny(fs, checkPaths(fs, srcItem, destItem, opts).destStat, srcItem, destItem, opts);
  }
  if (destStat === null) fs.chmodSync(dest, srcStat.mode & 0o7777);
}

function copyLink(fs: CpFs, destStat: Stats | null, src: string, dest: string, opts: Opts): void {
  let target = fs.readlinkSync(src);
  if (!opts.verbatimSymlinks && !isAbsolute(target)) target = resolve(dirname(src), target);
  if (destStat === null) return fs.symlinkSync(target, dest);
  let destTarget: string;
  try {
    destTarget = fs.readlinkSync(dest);
  } catch (e) {
    if ((e as { code?: string }).code === 'EINVAL') return fs.symlinkSync(target, dest);
    throw e;
  }
  if (!isAbsolute(destTarget)) destTarget = resolve(dirname(dest), destTarget);
  if (isSubdir(target, destTarget)) throw intoItself(target, destTarget, dest);
  if (fs.statSync(src)!.isDirectory() && isSubdir(destTarget, target)) {
    throw systemError('ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY', 'Cannot overwrite symlink in subdirectory of self',
      { message: `cannot overwrite ${destTarget} with ${target}`, path: dest, syscall: 'cp', code: 'EINVAL' });
  }
  fs.unlinkSync(dest);
  fs.symlinkSync(target, dest);
}
