/**
 * pmemfs ls IMAGE [PATH] [-l] [-R] [--json]
 *
 * Lists a directory of the image (default '/'), one name per line, sorted; -l adds mode, links,
 * owner, size, mtime and symlink targets; -R descends into subdirectories, printing a `DIR:`
 * header before each as ls -R does. A PATH that is not a directory lists itself.
 * --json: { path, entries: [{ path, name, type, ino, mode, perms, nlink, uid, gid, size, mtime, target? }] },
 * with -R every entry below PATH, depth first. Read-only.
 */
import { posix } from 'node:path';
import type { Command } from 'commander';
import type { Filesystem, Stats } from '../../fs/index.js';
import { fileType, longTime, modeString, octalPerms, type FileType } from '../file-mode.js';
import { imagePath, withSession } from '../image-session.js';

interface LsFlags {
  long?: boolean;
  recursive?: boolean;
  json?: boolean;
}

interface Entry {
  path: string;
  name: string;
  type: FileType;
  ino: number;
  mode: number;
  perms: string;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  mtime: string;
  target?: string;
  stats: Stats;
}

interface Listing {
  dir: string;
  entries: Entry[];
}

function entryOf(fs: Filesystem, path: string, name: string): Entry {
  const st = fs.lstatSync(path)!;
  const e: Entry = {
    path, name, type: fileType(st), ino: st.ino, mode: st.mode, perms: octalPerms(st.mode), nlink: st.nlink, uid: st.uid, gid: st.gid,
    size: st.size, mtime: st.mtime.toISOString(), stats: st,
  };
  if (st.isSymbolicLink()) e.target = fs.readlinkSync(path);
  return e;
}

/** As ls does with a name on its command line: a symlink to a directory lists the directory. */
function isDirectory(fs: Filesystem, path: string): boolean {
  return (fs.statSync(path, { throwIfNoEntry: false }) ?? fs.lstatSync(path)!).isDirectory();
}

/** The listings ls prints, in order: PATH's, then (with -R) each subdirectory's, depth first. */
function listings(fs: Filesystem, path: string, recursive: boolean): Listing[] {
  const names = fs.readdirSync(path) as string[];
  const own: Listing = { dir: path, entries: names.map((n) => entryOf(fs, posix.join(path, n), n)) };
  if (!recursive) return [own];
  const out = [own];
  for (const e of own.entries) if (e.type === 'directory') out.push(...listings(fs, e.path, true));
  return out;
}

function longLines(entries: readonly Entry[]): string[] {
  const cols = entries.map((e) => [modeString(e.stats), String(e.nlink), String(e.uid), String(e.gid), String(e.size), longTime(e.stats.mtime)]);
  const width = (i: number) => Math.max(0, ...cols.map((c) => c[i]!.length));
  return entries.map((e, row) => {
    const c = cols[row]!;
    const cells = c.map((cell, i) => (i === 0 || i === 5 ? cell : i <= 3 ? cell.padEnd(width(i)) : cell.padStart(width(i))));
    return `${cells.join(' ')} ${e.name}${e.target !== undefined ? ` -> ${e.target}` : ''}`;
  });
}

function print(all: readonly Listing[], flags: LsFlags): void {
  const lines: string[] = [];
  all.forEach((l, i) => {
    if (flags.recursive === true) lines.push(...(i > 0 ? [''] : []), `${l.dir}:`);
    lines.push(...(flags.long === true ? longLines(l.entries) : l.entries.map((e) => e.name)));
  });
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  program
    .command('ls')
    .description('list a directory in an image')
    .argument('<IMAGE>', 'image file')
    .argument('[PATH]', 'directory or file inside the image', '/')
    .option('-l, --long', 'long listing: mode, links, owner, group, size, mtime')
    .option('-R, --recursive', 'list subdirectories recursively')
    .option('--json', 'print one JSON object')
    .action((image: string, rawPath: string, flags: LsFlags) => {
      const path = imagePath(rawPath);
      const { all, dir } = withSession(image, 'read-only', (fs) => {
        if (isDirectory(fs, path)) return { all: listings(fs, path, flags.recursive === true), dir: true };
        return { all: [{ dir: posix.dirname(path), entries: [entryOf(fs, path, rawPath)] }], dir: false };
      });
      if (flags.json !== true) return print(all, { ...flags, recursive: dir && flags.recursive === true });
      const entries = all.flatMap((l) => l.entries.map(({ stats: _, ...rest }) => rest));
      process.stdout.write(`${JSON.stringify({ path, entries })}\n`);
    });
}
