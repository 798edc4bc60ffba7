/**
 * The bug catalogue: realistic crash-consistency bugs that can be switched on in pmemfs
 * (`pmemfs crash run --inject NAME`, mount(dev, { faults: [NAME] })), modelled on the bug
 * classes Chipmunk (EuroSys'23) reported in NOVA, PMFS, WineFS and others. A checker that has
 * never found anything proves nothing: each entry names a witness campaign that must report
 * violations with the bug on and none with it off (test/crash/bugs.test.ts runs them all).
 *
 * Each bug is one `faults.has(NAME)` branch in the filesystem, in the one place it belongs
 * (`where`); with no fault named, the cost is one Set lookup on that path.
 *
 * Interface: BUGS (the catalogue, in a fixed order), bugNamed(name), witnessWorkload(bug).
 */
import type { PolicyName } from './settings.js';
import { parseWorkload, type Workload } from './workload.js';

export interface Bug {
  name: string;
  /** The Chipmunk bug class it belongs to. */
  class: string;
  /** Where the faulty branch lives. */
  where: string;
  description: string;
  /** A campaign that catches it: the workload (language text) and the policy. */
  witness: { text: string; policy: PolicyName; bound?: number };
}

/** A setxattr line with a `bytes`-long value: big log records, so the 64 KiB log fills fast. */
const big = (path: string, name: string, bytes: number, ch: string): string => `setxattr ${path} ${name} ${ch.repeat(bytes)}`;

/** Enough big records to make the 16-block (64 KiB) log checkpoint three times. */
const twoCheckpoints = ['creat /x', ...Array.from({ length: 30 }, (_, i) => big('/x', `user.v${i % 3}`, 7000, String.fromCharCode(97 + (i % 26))))].join('\n');

export const BUGS: readonly Bug[] = [
  {
    name: 'no-fence-before-commit', class: 'missing fence (ordering)', where: 'fs/log/meta-log.ts MetaLog.append',
    description: 'the log record and the data are flushed but not fenced before the commit word: the commit may be durable before what it commits',
    witness: { text: 'creat /f\nwrite /f 0 4k 1', policy: 'chipmunk', bound: 2 },
  },
  {
    name: 'split-tail-update', class: 'atomicity (torn 8-byte update)', where: 'fs/log/meta-log.ts MetaLog.writeCommitWord',
    description: 'the 8-byte commit word (tail, generation) is written as two 4-byte stores, which may tear: at a checkpoint, the new tail 0 with the old generation drops the whole log',
    witness: { text: twoCheckpoints, policy: 'prefix' },
  },
  {
    name: 'no-flush-edge-line', class: 'missing flush (durability)', where: 'fs/inode/fs-core.ts FsCore.storeData',
    description: "new data's last cache line is never flushed, so the commit's fence leaves it volatile: a committed write loses its tail",
    witness: { text: 'creat /f\nwrite /f 0 4k 1\nsync', policy: 'strict' },
  },
  {
    name: 'rename-unlink-then-link', class: 'atomicity (multi-commit operation)', where: 'fs/api/filesystem.ts Filesystem.renameSync',
    description: 'rename commits the removal of the old name and the new name as two transactions: a crash between them loses the file',
    witness: { text: 'creat /a\nwrite /a 0 100 1\nrename /a /b', policy: 'strict' },
  },
  {
    name: 'late-refcount', class: 'ordering (reference after exposure)', where: 'fs/inode/meta-state.ts MetaState.apply',
    description: "a clone's MAP items take no block references, so the shared blocks keep refcount 1 and the first copy-on-write frees a block the clone still maps",
    witness: { text: 'creat /src\nwrite /src 0 8k 1\nreflink /src /dst\nwrite /dst 0 4k 2', policy: 'strict' },
  },
  {
    name: 'forget-orphans', class: 'recovery (missing step)', where: 'fs/api/mount.ts mountCore',
    description: 'recovery skips reclaiming orphans (inodes unlinked while mapped or open when the crash came): their blocks leak forever',
    witness: { text: 'creat /f\nwrite /f 0 4k 1\nmmap /f 0 4k\nunlink /f\nmunmap /f', policy: 'strict' },
  },
  {
    name: 'early-free-checkpoint', class: 'ordering (free before the new copy is durable)', where: 'fs/log/checkpoint-store.ts CheckpointStore.write',
    description: "the cleaner (checkpoint) releases the current image's blocks before the new image is written, so the new image may overwrite the only valid one before it commits",
    witness: { text: twoCheckpoints, policy: 'chipmunk', bound: 2 },
  },
  {
    name: 'crc-before-last-field', class: 'checksum (computed over stale bytes)', where: 'fs/inode/fs-core.ts FsCore.commit',
    description: "a log record's checksum is computed before its last header field (seq) is written: every record after the first of a generation fails its checksum at recovery",
    witness: { text: 'creat /a\ncreat /b', policy: 'strict' },
  },
];

export function bugNamed(name: string): Bug | undefined {
  return BUGS.find((b) => b.name === name);
}

export function witnessWorkload(b: Bug): Workload {
  return parseWorkload(b.witness.text, `witness-${b.name}`);
}
