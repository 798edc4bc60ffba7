/**
 * pmemfs demo [--json] [--seed N] [--keep]
 *
 * A narrated tour for a new user, in a temporary directory, in about a second: mkfs a 16 MiB
 * image, write files, reflink one and show copy-on-write keeping the two independent (extent
 * maps before and after), cut the power in the middle of a workload (device.crash with a random
 * write-back of whatever was still in the CPU cache), remount (recovery), and fsck it clean.
 * Exits 0 when every claim it makes was checked true, 1 otherwise. The temporary directory is
 * removed unless --keep. --json prints the tour's data as one object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { runTour, DEMO_SIZE, type Tour } from '../demo/demo-tour.js';
import { bmapTable, extentJson } from '../extent-table.js';
import { countArg, formatSize } from '../size.js';

interface DemoFlags {
  json?: boolean;
  seed: number;
  keep?: boolean;
}

function narrate(t: Tour, seconds: number): string[] {
  const cmd = (s: string) => `$ pmemfs ${s}`;
  const indent = (lines: string[]) => lines.map((l) => `  ${l}`);
  return [
    `pmemfs demo: a ${formatSize(DEMO_SIZE)} image in ${t.image} (removed at the end unless --keep)`,
    '',
    '1. Make a filesystem',
    cmd(`mkfs demo.pmem --size ${formatSize(DEMO_SIZE).replace(' MiB', 'm')} --label demo`),
    `  ${t.blockCount} blocks of 4 KiB; a metadata log of ${t.logBlocks} blocks`,
    '',
    '2. Write files. Each call is atomic and durable when it returns: no fsync needed.',
    ...indent(t.files.map((f) => `${f.path.padEnd(20)} ${f.size} bytes`)),
    '',
    `3. Reflink ${t.reflink.source} to ${t.reflink.copy}: a copy that shares the blocks instead of copying them`,
    cmd(`cp --reflink demo.pmem:${t.reflink.source} demo.pmem:${t.reflink.copy}`),
    cmd(`bmap demo.pmem ${t.reflink.copy}`),
    ...indent(bmapTable(t.reflink.copy, t.reflink.copyMap)),
    `  ${t.reflink.sharedBlocks} blocks are now shared by the two files`,
    '',
    '4. Copy-on-write: overwrite the first 4 KiB of the copy with new text',
    cmd(`bmap demo.pmem ${t.reflink.copy}`),
    ...indent(bmapTable(t.reflink.copy, t.cow.copyMap)),
    `  the copy's first block moved to a new block; ${t.cow.sharedBlocks} blocks are still shared`,
    `  original starts: "${t.cow.sourceStarts.slice(0, 40)}..."`,
    `  copy starts:     "${t.cow.copyStarts.slice(0, 40)}..."`,
    '',
    '5. Cut the power in the middle of a workload',
    `  writing /log/entry-00 .. /log/entry-${String(t.crash.entries - 1).padStart(2, '0')}; the power fails after ${t.crash.crashedAfter} of them`,
    `  device.crash({ kind: 'random', seed: ${t.crash.seed} }): every cache line not yet durable keeps a random prefix of its stores`,
    `  (${t.crash.pendingLines} cache line(s) were in flight: an operation makes its data and metadata durable before it returns)`,
    '',
    '6. Mount the crashed image: recovery reads the checkpoint and replays the log',
    `  ${t.recovery.present} of ${t.crash.crashedAfter} acknowledged entries present, ${t.recovery.intact ? 'contents intact' : 'CONTENTS DAMAGED'}; the ${t.recovery.missing} written after the crash never happened`,
    `  ${t.reflink.source} and ${t.reflink.copy} ${t.recovery.reflinkIntact ? 'read exactly as before, still independent' : 'DIFFER FROM BEFORE THE CRASH'}`,
    '',
    '7. Check the crashed state with fsck (every block owned once, link counts, reachability)',
    `  ${t.fsck.ok && t.fsck.findings.length === 0 ? 'clean' : `${t.fsck.findings.length} error(s)`}: ${t.fsck.stats.inodes} inodes, ${t.fsck.stats.usedBlocks} blocks used, ${t.fsck.stats.sharedBlocks} shared`,
    '',
    t.failures.length === 0
      ? `Done in ${seconds.toFixed(2)} s. Next: pmemfs mkfs disk.pmem --size 64m, then pmemfs help.`
      : `FAILED: ${t.failures.join('; ')}`,
  ];
}

function toJson(t: Tour, seconds: number): object {
  return {
    ok: t.failures.length === 0, seconds, ...t,
    reflink: { ...t.reflink, sourceMap: extentJson(t.reflink.sourceMap), copyMap: extentJson(t.reflink.copyMap) },
    cow: { ...t.cow, copyMap: extentJson(t.cow.copyMap) },
  };
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('a narrated tour: mkfs, write, reflink, copy-on-write, crash, recovery, fsck (a few seconds)')
    .option('--json', 'print the tour as one JSON object')
    .option('--seed <N>', 'seed of the random crash', countArg('seed'), 42)
    .option('--keep', 'keep the temporary directory and its image')
    .action((flags: DemoFlags) => {
      const dir = mkdtempSync(join(tmpdir(), 'pmemfs-demo-'));
      const t0 = performance.now();
      try {
        const tour = runTour({ dir, seed: flags.seed });
        const seconds = (performance.now() - t0) / 1000;
        const out = flags.json === true ? [JSON.stringify(toJson(tour, seconds))] : narrate(tour, seconds);
        if (flags.keep === true && flags.json !== true) out.push(`(kept ${dir})`);
        process.stdout.write(`${out.join('\n')}\n`);
        if (tour.failures.length > 0) process.exitCode = 1;
      } finally {
        if (flags.keep !== true) rmSync(dir, { recursive: true, force: true });
      }
    });
}
