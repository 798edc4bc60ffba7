/**
 * pmemfs mount IMAGE MOUNTPOINT [--foreground] [--allow-other] [--debug]
 *
 * Mounts an image on a directory through FUSE (cli/mount/fuse-bridge.ts). With --foreground the
 * command serves the mount until SIGINT, SIGTERM or SIGHUP, or until someone else unmounts it
 * (fusermount -u), then unmounts FUSE, unmounts the filesystem (writing a checkpoint) and closes
 * the device. Without it, the same command runs detached in a child process and this one returns
 * once the mount is live, printing the server's pid (stop it with `kill PID` or `fusermount -u`).
 * Errors (no FUSE: ENODEV; bad mountpoint: ENOENT/ENOTDIR/EBUSY; image errors) exit 1.
 * Invariant: after mounting, this process never makes a synchronous call on the mountpoint
 * (every FUSE request waits for this thread), so the mountpoint's realpath is taken before.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Filesystem } from '../../fs/index.js';
import { forceUnmount, mountFs, type MountableFs } from '../mount/fuse-bridge.js';
import { openSession } from '../image-session.js';

interface MountFlags {
  foreground?: boolean;
  allowOther?: boolean;
  debug?: boolean;
}

const NOTIFY_ENV = 'PMEMFS_MOUNT_NOTIFY';
type Notice = { kind: 'ready' } | { kind: 'error'; code: string; message: string };

/** pmemfs's Filesystem as the bridge's MountableFs (lstatSync never returns undefined here). */
function mountable(fs: Filesystem): MountableFs {
  return {
    lstatSync: (p) => fs.lstatSync(p)!,
    readdirSync: (p) => fs.readdirSync(p) as string[],
    readlinkSync: (p) => fs.readlinkSync(p),
    openSync: (p, flags, mode) => fs.openSync(p, flags, mode),
    closeSync: (fd) => fs.closeSync(fd),
    readSync: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
    writeSync: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
    ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
    fsyncSync: (fd) => fs.fsyncSync(fd),
    truncateSync: (p, len) => fs.truncateSync(p, len),
    mkdirSync: (p, mode) => void fs.mkdirSync(p, mode),
    rmdirSync: (p) => fs.rmdirSync(p),
    unlinkSync: (p) => fs.unlinkSync(p),
    renameSync: (a, b) => fs.renameSync(a, b),
    linkSync: (a, b) => fs.linkSync(a, b),
    symlinkSync: (t, p) => fs.symlinkSync(t, p),
    chmodSync: (p, mode) => fs.chmodSync(p, mode),
    chownSync: (p, uid, gid) => fs.chownSync(p, uid, gid),
    utimesSync: (p, a, m) => fs.utimesSync(p, a, m),
    statfsSync: (p) => fs.statfsSync(p),
    setxattrSync: (p, name, value, flags) => fs.setxattrSync(p, name, value, flags),
    getxattrSync: (p, name) => fs.getxattrSync(p, name),
    listxattrSync: (p) => fs.listxattrSync(p),
    removexattrSync: (p, name) => fs.removexattrSync(p, name),
  };
}

/** Resolves on a stop signal, or when the mountpoint is no longer mounted. */
function stopRequested(mountpoint: string): Promise<string> {
  return new Promise((resolve) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const done = (why: string) => {
      clearInterval(timer);
      for (const s of signals) process.off(s, onSignal);
      resolve(why);
    };
    const onSignal = (s: NodeJS.Signals) => done(s);
    for (const s of signals) process.on(s, onSignal);
    const timer = setInterval(() => {
      void isMounted(mountpoint).then((yes) => !yes && done('unmounted from outside'));
    }, 1000);
  });
}

async function isMounted(mountpoint: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return table.split('\n').some((line) => unescape(line.split(' ')[4] ?? '') === mountpoint);
}

async function foreground(image: string, rawMountpoint: string, flags: MountFlags): Promise<void> {
  const mountpoint = realpathSync(rawMountpoint);
  const session = openSession(image, 'read-write');
  try {
    const fuse = await mountFs(mountable(session.fs), mountpoint, { allowOther: flags.allowOther === true, debug: flags.debug === true });
    try {
      notify({ kind: 'ready' });
      process.stdout.write(`pmemfs: ${image} mounted on ${mountpoint}; Ctrl-C or SIGTERM unmounts\n`);
      const why = await stopRequested(mountpoint);
      process.stdout.write(`pmemfs: ${why}: unmounting ${mountpoint}\n`);
    } finally {
      await fuse.unmount().catch(() => forceUnmount(mountpoint).catch(() => undefined));
    }
  } finally {
    session.close();
  }
}

function notify(n: Notice): void {
  if (process.env[NOTIFY_ENV] !== '1' || process.send === undefined) return;
  process.send(n);
  if (n.kind === 'ready') process.disconnect();
}

/** Runs `mount --foreground` detached and waits for it to report the mount live (or failed). */
async function background(image: string, mountpoint: string, flags: MountFlags): Promise<void> {
  const args = [...process.execArgv, process.argv[1]!, 'mount', image, mountpoint, '--foreground'];
  if (flags.allowOther === true) args.push('--allow-other');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: { ...process.env, [NOTIFY_ENV]: '1' } });
  const notice = await new Promise<Notice>((resolve) => {
    child.once('message', (m) => resolve(m as Notice));
    child.once('exit', (code) => resolve({ kind: 'error', code: 'EIO', message: `EIO: mount server exited (code ${code ?? 'signal'})` }));
  });
  if (notice.kind === 'error') throw Object.assign(new Error(notice.message), { code: notice.code });
  if (child.connected) child.disconnect();
  child.unref();
  process.stdout.write(`pmemfs: ${image} mounted on ${mountpoint} (server pid ${child.pid}); unmount with: kill ${child.pid} (or fusermount -u ${mountpoint})\n`);
}

export function register(program: Command): void {
  program
    .command('mount')
    .description('mount an image on a directory through FUSE')
    .argument('<IMAGE>', 'image file')
    .argument('<MOUNTPOINT>', 'an existing empty directory')
    .option('-F, --foreground', 'serve in this process until Ctrl-C/SIGTERM (default: detach)')
    .option('--allow-other', 'let other users in (needs user_allow_other in /etc/fuse.conf)')
    .option('--debug', "libfuse's request trace on stderr (with --foreground)")
    .action(async (image: string, mountpoint: string, flags: MountFlags) => {
      if (flags.foreground !== true) return background(image, mountpoint, flags);
      try {
        await foreground(image, mountpoint, flags);
      } catch (e) {
        const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'EIO';
        notify({ kind: 'error', code, message: e instanceof Error ? e.message : String(e) });
        throw e;
      }
    });
}
