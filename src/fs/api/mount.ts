/**
 * mkfs and mount: creating a filesystem on a device, and bringing one up (recovery included).
 *
 * mkfs(device, { label?, logBlocks? }): superblock, an empty checkpoint slot for generation 0,
 * and one log record holding the root directory; commit word (0, tail). Everything persisted.
 *
 * Mount (the life of a mount after a crash, docs/DESIGN.md):
 *   1. superblock: magic, CRC, version, geometry         -> EFSCORRUPTED / EFSBADCRC
 *   2. commit word: the generation and the log tail (one 8-byte word, never torn)
 *   3. checkpoint image of that generation: its blocks are metadata; only its top section is
 *      read: the space map rebuilds free space and refcounts, the index makes every inode of
 *      the image exist, unloaded (MetaState loads each one's group on first use)
 *   4. log records [0, tail) replayed through the same MetaState.apply() as live operations
 *      (loading the inodes they touch)
 *   5. orphans (unlinked while open or sealed when the crash came) are freed in one commit
 * Mount time is bounded by the image's top section (16 bytes per inode plus the space map)
 * plus the log (at most 1/32 of the device, 64 MiB), not by the number of files or the length
 * of history.
 */
import { fsError } from '../../errno/index.js';
import type { PmemDevice } from '../../pmem/index.js';
import { BlockSpace } from '../alloc/index.js';
import {
  BLOCK, FEAT_RO_COMPAT_KNOWN, FORMAT_VERSION, SB, decodeCommitWord, decodeRecord, decodeSuperblock,
  defaultLogBlocks, encodeRecord, encodeSlot, encodeSuperblock, type Item, type Superblock,
} from '../format/index.js';
import { type CheckpointImage, CheckpointStore, FaultSet, MetaLog } from '../log/index.js';
import { FsCore, MetaState, ROOT_INO, newAttrs } from '../inode/index.js';

export interface MkfsOptions {
  label?: string;
  /** Log region size in blocks (default: 1/32 of the device, 64 to 16384). */
  logBlocks?: number;
  uid?: number;
  gid?: number;
}

export interface MountCoreOptions {
  /** Fault-injection names (crash campaigns only). */
  faults?: Iterable<string>;
  /** Recover in memory only: nothing is written (fsck without repair); writes fail EROFS. */
  readOnly?: boolean;
}

export const MIN_FS_BLOCKS = 128;

/**
 * The geometry mkfs would give a device of `size` bytes, or the EINVAL it would throw: lets a
 * caller (pmemfs mkfs --force) refuse bad options before it touches an existing image file.
 */
export function mkfsGeometry(size: number, opts: Pick<MkfsOptions, 'logBlocks'> = {}): { blockCount: number; logBlocks: number } {
  const blockCount = Math.floor(size / BLOCK);
  if (blockCount < MIN_FS_BLOCKS) throw fsError('EINVAL', 'mkfs', { detail: `device too small: ${size} bytes (need ${MIN_FS_BLOCKS * BLOCK})` });
  const logBlocks = opts.logBlocks ?? defaultLogBlocks(blockCount);
  if (!Number.isInteger(logBlocks) || logBlocks < 16 || logBlocks > blockCount / 2) {
    throw fsError('EINVAL', 'mkfs', { detail: `log size ${logBlocks} blocks out of range (16 to half the device)` });
  }
  return { blockCount, logBlocks };
}

export function mkfs(dev: PmemDevice, opts: MkfsOptions = {}): Superblock {
  const { blockCount, logBlocks } = mkfsGeometry(dev.size, opts);
  const uuid = new Uint8Array(16);
  crypto.getRandomValues(uuid);
  const sb: Superblock = {
    version: FORMAT_VERSION, blockSize: BLOCK, blockCount, logStart: 1, logBlocks,
    featCompat: 0, featRoCompat: 0, featIncompat: 0, uuid, mkfsTimeMs: Date.now(), label: opts.label ?? '',
  };
  const block0 = new Uint8Array(BLOCK);
  block0.set(encodeSuperblock(sb), 0);
  block0.set(encodeSlot({ generation: 0, headerBlock: 0, payloadBytes: 0, payloadCrc: 0, extentCount: 0, seq: 0 }), SB.slot0);
  dev.write(0, block0);
  dev.persist(0, BLOCK);
  const root = newAttrs(0o040755, opts.uid ?? 0, opts.gid ?? 0);
  root.nlink = 2;
  const log = new MetaLog(dev, sb, { generation: 0, tail: 0 }, new FaultSet());
  log.append(encodeRecord([{ t: 'inode', ino: ROOT_INO, inode: root }], 0, 0, 'mkdir'));
  // COMMIT POINT (MetaLog.append): the device holds an empty filesystem.
  return sb;
}

/** Brings up the engine: recovery included. The API layer wraps it in a Filesystem. */
export function mountCore(dev: PmemDevice, opts: MountCoreOptions = {}): FsCore {
  const sbDecoded = decodeSuperblock(dev.read(0, SB.staticBytes));
  if (!sbDecoded.ok) throw fsError(sbDecoded.code, 'mount', { detail: sbDecoded.why });
  const sb = sbDecoded.value;
  if (sb.blockCount * BLOCK > dev.size) throw fsError('EFSCORRUPTED', 'mount', { detail: `superblock says ${sb.blockCount} blocks; the device has ${Math.floor(dev.size / BLOCK)}` });
  if ((sb.featRoCompat & ~FEAT_RO_COMPAT_KNOWN) !== 0) throw fsError('EROFS', 'mount', { detail: 'unknown read-only-compatible features' });
  const word = decodeCommitWord(dev.read(SB.commitWord, 8));
  if (word.tail % 8 !== 0 || word.tail > sb.logBlocks * BLOCK) throw fsError('EFSCORRUPTED', 'mount', { detail: `log tail ${word.tail} out of range` });

  const space = new BlockSpace(sb.logStart + sb.logBlocks, sb.blockCount);
  space.initFree();
  const faults = new FaultSet(opts.faults);
  const meta = new MetaState(space, faults);
  const { image, blocks } = CheckpointStore.read(dev, word);
  for (const e of blocks) {
    if (e.pblk < space.firstData || e.pblk + e.count > sb.blockCount || !space.free.isFree(e.pblk, e.count)) {
      throw fsError('EFSCORRUPTED', 'mount', { detail: 'checkpoint blocks overlap or lie outside the data area' });
    }
    space.claimMeta(e.pblk, e.count);
  }
  if (image !== null) {
    claimSpaceMap(space, image);
    meta.mountImage(image);
  }
  replayLog(dev, sb, word, meta);
  if (meta.get(ROOT_INO)?.isDir !== true) throw fsError('EFSCORRUPTED', 'mount', { detail: 'no root directory' });

  const log = new MetaLog(dev, sb, word, faults);
  const core = new FsCore({ dev, sb, log, store: new CheckpointStore(dev, blocks, image), meta, faults, readOnly: opts.readOnly === true, checkpointBytes: image?.payloadBytes ?? 0 });
  // Injected bug 'forget-orphans' (crash campaigns): recovery leaves orphans allocated forever.
  if (!core.readOnly && !faults.has('forget-orphans')) reclaimOrphans(core);
  return core;
}

/**
 * The image's space map: every block a file maps, with its refcount, taken from free space
 * without reading one extent map. Runs must lie in the data area and not overlap the image or
 * each other; that they agree with the extents is fsck's check (it loads every inode).
 */
function claimSpaceMap(space: BlockSpace, image: CheckpointImage): void {
  const t = image.top;
  for (let i = 0; i < t.runCount; i++) {
    const pblk = t.runPblk(i);
    const count = t.runBlocks(i);
    if (pblk < space.firstData || pblk + count > space.blockCount || !space.free.isFree(pblk, count)) {
      throw fsError('EFSCORRUPTED', 'mount', { detail: `space map run ${pblk}+${count} overlaps or lies outside the data area` });
    }
    space.claimReferenced(pblk, count, t.runRefcount(i));
  }
}

function replayLog(dev: PmemDevice, sb: Superblock, word: { generation: number; tail: number }, meta: MetaState): void {
  const bytes = MetaLog.readCommitted(dev, sb, word);
  let pos = 0;
  while (pos < word.tail) {
    const rec = decodeRecord(bytes, pos, word.tail, word.generation);
    if (!rec.ok) throw fsError(rec.code, 'mount', { detail: rec.why });
    meta.apply(rec.items);
    pos += rec.length;
  }
}

/** Inodes whose last link went while they were open or sealed: nothing holds them now. */
function reclaimOrphans(core: FsCore): void {
  if (core.meta.orphans.size === 0) return;
  const items: Item[] = [...core.meta.orphans].map((ino) => ({ t: 'ifree', ino }));
  core.commit('reclaim', items);
}

