/**
 * pmemfs stat IMAGE PATH [-L] [--json]
 *
 * One file's inode as stat(1) prints it, plus its extended attribute names. Does not follow a
 * final symlink unless -L. Times are printed with nanoseconds. Read-only.
 * --json: { path, type, ino, mode, perms, nlink, uid, gid, size, blocks, blksize, atime, mtime,
 * ctime, birthtime (ISO), atimeNs... (strings of nanoseconds), target?, xattrs: [names] }.
 */
import type { Command } from 'commander';
import type { Filesystem, Stats } from '../../fs/index.js';
import { fileType, modeString, octalPerms, typeDescription } from '../file-mode.js';
import { imagePath, withSession } from '../image-session.js';

interface StatFlags {
  dereference?: boolean;
  json?: boolean;
}

/** '2025-01-31T14:05:09.123456789Z' from nanoseconds since the epoch. */
function nsTime(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = String(ns % 1_000_000_000n).padStart(9, '0');
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

function describe(fs: Filesystem, path: string, follow: boolean) {
  const st: Stats = follow ? fs.statSync(path)! : fs.lstatSync(path)!;
  return {
    path, type: fileType(st), ino: st.ino, mode: st.mode, perms: octalPerms(st.mode), nlink: st.nlink, uid: st.uid, gid: st.gid,
    size: st.size, blocks: st.blocks, blksize: st.blksize,
    atime: nsTime(st.atimeNs), mtime: nsTime(st.mtimeNs), ctime: nsTime(st.ctimeNs), birthtime: nsTime(st.birthtimeNs),
    atimeNs: String(st.atimeNs), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), birthtimeNs: String(st.birthtimeNs),
    ...(st.isSymbolicLink() ? { target: fs.readlinkSync(path) } : {}),
    xattrs: st.isSymbolicLink() ? [] : fs.listxattrSync(path),
    stats: st,
  };
}

function lines(d: ReturnType<typeof describe>): string[] {
  const st = d.stats;
  return [
    `  File: ${d.path}${d.target !== undefined ? ` -> ${d.target}` : ''}`,
    `  Size: ${String(d.size).padEnd(15)} Blocks: ${String(d.blocks).padEnd(10)} IO Block: ${String(d.blksize).padEnd(6)} ${typeDescription(st)}`,
    `Device: ${st.dev.toString(16)}h/${st.dev}d\tInode: ${String(d.ino).padEnd(11)} Links: ${d.nlink}`,
    `Access: (${d.perms}/${modeString(st)})  Uid: (${String(d.uid).padStart(5)})   Gid: (${String(d.gid).padStart(5)})`,
    `Access: ${d.atime}`,
    `Modify: ${d.mtime}`,
    `Change: ${d.ctime}`,
    ` Birth: ${d.birthtime}`,
    `Xattrs: ${d.xattrs.length === 0 ? '(none)' : d.xattrs.join(', ')}`,
  ];
}

export function register(program: Command): void {
  program
    .command('stat')
    .description("show a file's inode: type, size, blocks, links, mode, owner, times, xattrs")
    .argument('<IMAGE>', 'image file')
    .argument('<PATH>', 'path inside the image')
    .option('-L, --dereference', 'follow a final symbolic link')
    .option('--json', 'print one JSON object')
    .action((image: string, rawPath: string, flags: StatFlags) => {
      const d = withSession(image, 'read-only', (fs) => describe(fs, imagePath(rawPath), flags.dereference === true));
      if (flags.json === true) {
        const { stats: _stats, ...json } = d;
        process.stdout.write(`${JSON.stringify(json)}\n`);
        return;
      }
      process.stdout.write(`${lines(d).join('\n')}\n`);
    });
}
