/**
 * The filesystems bench/fs runs its workloads on, each behind one adapter object.
 *
 * Interface:
 *   FsLike        the synchronous node:fs subset the workloads use (names, argument orders and
 *                 return values of node:fs); node:fs, memfs's Volume and pmemfs's mounted
 *                 Filesystem all satisfy it as they are, so no adapter wraps a call
 *   FsTarget      { name, about, setup(): { fs, root }, teardown() }: setup makes a fresh,
 *                 empty filesystem (untimed) and says which directory the workload owns;
 *                 teardown releases it. One setup/teardown pair per repetition.
 *   fsTargets()   the list, in order. The FIRST target is the one the ratios are about:
 *                 bench/fs prints (first's rate ÷ each other's rate).
 *
 * Invariant: every setup() is followed by exactly one teardown() before the next setup().
 */
import * as nodeFs from 'node:fs';
import { existsSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume } from 'memfs';
import { PmemDevice, mkfs, mount, type Filesystem } from '../src/index.js';

export interface FsLike {
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  fsyncSync(fd: number): void;
  mkdirSync(path: string): void;
  renameSync(oldPath: string, newPath: string): void;
  unlinkSync(path: string): void;
  writeFileSync(path: string, data: Uint8Array): void;
}

export interface FsSession {
  fs: FsLike;
  /** An existing, empty directory the workload may fill (absolute, POSIX). */
  root: string;
}

export interface FsTarget {
  readonly name: string;
  /** One line: what it is and where it lives. */
  readonly about: string;
  setup(): FsSession;
  teardown(): void;
}

export function fsTargets(): FsTarget[] {
  const targets: FsTarget[] = [
    // pmemfs first: the ratios are about the first target.
    pmemfsTarget(),
    pmemfsTarget({ cold: true }),
    memfsTarget(),
  ];
  if (existsSync('/dev/shm')) targets.push(nodeFsTarget('node:fs /dev/shm', '/dev/shm'));
  targets.push(nodeFsTarget('node:fs disk', tmpdir()));
  return targets;
}

/**
 * pmemfs on an in-memory ADR device: every operation is atomic and durable on the emulated
 * media when it returns (flushed and fenced), which none of the peers promise.
 *
 * Device memory comes from the process's pool (src/pmem/memory-pool.ts), so each repetition
 * writes into pages the previous one already faulted in, as memfs writes into a warm heap and
 * tmpfs into the kernel's page pool. `cold` bypasses the pool: every page the workload touches
 * is a fresh anonymous page, whose first-touch fault costs 11-16 us on a VM with shadow paging
 * (twice per block: cache and media). That row shows what a first device in a process pays.
 */
export function pmemfsTarget(opts: { cold?: boolean } = {}): FsTarget {
  let dev: PmemDevice | null = null;
  let fs: Filesystem | null = null;
  // The pool reads its limit on every take and give: 0 bypasses it for this device only.
  const withPool = <T>(fn: () => T): T => {
    if (opts.cold !== true) return fn();
    const saved = process.env.PMEMFS_POOL_MIB;
    process.env.PMEMFS_POOL_MIB = '0';
    try {
      return fn();
    } finally {
      if (saved === undefined) delete process.env.PMEMFS_POOL_MIB;
      else process.env.PMEMFS_POOL_MIB = saved;
    }
  };
  return {
    name: opts.cold === true ? 'pmemfs (cold)' : 'pmemfs',
    about: opts.cold === true
      ? 'the same, on fresh unpooled memory (every first touch of a page is a page fault)'
      : 'pmemfs on a 1 GiB in-memory ADR device (every operation durable when it returns)',
    setup: () => withPool(() => {
      dev = PmemDevice.create({ size: 1 << 30 });
      mkfs(dev);
      fs = mount(dev);
      fs.mkdirSync('/bench');
      return { fs, root: '/bench' };
    }),
    teardown: () => withPool(() => {
      fs?.unmount();
      dev?.close();
    }),
  };
}

export function memfsTarget(): FsTarget {
  return {
    name: 'memfs',
    about: 'memfs Volume (in-process JavaScript)',
    setup: () => {
      const vol = new Volume();
      vol.mkdirSync('/bench');
      return { fs: vol, root: '/bench' };
    },
    teardown: () => {},
  };
}

/** node:fs in a fresh mkdtemp directory under `parent`, removed at teardown. */
export function nodeFsTarget(name: string, parent: string): FsTarget {
  let dir: string | null = null;
  return {
    name,
    about: `node:fs under ${parent} (${fsTypeOf(parent)})`,
    setup: () => {
      dir = mkdtempSync(join(parent, 'pmemfs-bench-fs-'));
      return { fs: nodeFs, root: dir };
    },
    teardown: () => {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}

/** statfs magic numbers of the filesystems a tmpdir is likely to be on. */
const FS_TYPES: ReadonlyMap<number, string> = new Map([
  [0x01021994, 'tmpfs'], [0xef53, 'ext4'], [0x58465342, 'xfs'], [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlayfs'], [0x2fc12fc1, 'zfs'], [0x65735546, 'fuse'], [0x6969, 'nfs'],
]);

function fsTypeOf(path: string): string {
  const type = statfsSync(path).type;
  return FS_TYPES.get(type) ?? `statfs type 0x${type.toString(16)}`;
}
