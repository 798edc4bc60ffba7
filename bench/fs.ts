/**
 * bench/fs: the five filesystem workloads of issue #3, run on every target of fs-targets.ts
 * side by side in one run, printing ops/s (MB/s for sequential I/O) and the first target's
 * ratio to each other target.
 *
 *   small files        100 mkdir, then 10,000 writeFileSync of 4 KiB spread over them
 *   append + fsync     2,000 x (writeSync 4 KiB to a file opened 'a'; fsyncSync)
 *   sequential write   256 MiB in 1 MiB writeSync calls, one fsyncSync at the end
 *   sequential read    the same file read back in 1 MiB readSync calls (written untimed)
 *   random overwrite   50,000 writeSync of 4 KiB at random 4 KiB-aligned offsets of a 64 MiB
 *                      file written untimed beforehand (seeded: every target gets the same
 *                      offsets), one fsyncSync at the end
 *   create+rename+unlink  10,000 x (openSync 'wx' + closeSync, renameSync, unlinkSync)
 *
 * The random-overwrite table has one more row, not a filesystem: the device floor, the least
 * that any filesystem on this device must do per atomic, durable 4 KiB overwrite (see
 * deviceFloor()). pmemfs's ratio to it is what the filesystem's own work costs on top of the
 * device; what is left of a gap to a peer once that ratio is 1 would be the device model's.
 *
 * fsync policy: the append workload fsyncs every write (that is its point) and the two bulk
 * data writers fsync once at the end, so numbers on disk include getting the bytes there; the
 * metadata workloads never fsync. pmemfs is durable at every return anyway.
 * Every repetition gets a fresh, empty filesystem (setup and teardown are untimed).
 * --quick divides the sizes by about 10 (CI); --only WORD picks workloads by title.
 */
import { PmemDevice, prng } from '../src/index.js';
import { fsTargets, type FsLike, type FsSession, type FsTarget } from './fs-targets.js';
import { type BenchOptions, type Trial, type Unit, Report, compare, parseOptions, selected, trial } from './harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Sizes {
  files: number;
  dirs: number;
  appends: number;
  sequentialBytes: number;
  overwrites: number;
  overwriteFileBytes: number;
  renames: number;
}

const FULL: Sizes = { files: 10_000, dirs: 100, appends: 2_000, sequentialBytes: 256 * MiB, overwrites: 50_000, overwriteFileBytes: 64 * MiB, renames: 10_000 };
const QUICK: Sizes = { files: 1_000, dirs: 10, appends: 200, sequentialBytes: 32 * MiB, overwrites: 5_000, overwriteFileBytes: 16 * MiB, renames: 1_000 };

interface Workload {
  title: string;
  unit: Unit;
  /** Operations (ops/s) or bytes (MB/s) per run. */
  work: number;
  /** Untimed, on the fresh filesystem, before run(). */
  prepare?: (s: FsSession) => void;
  run: (s: FsSession) => void;
  /** A reference row that is not a filesystem, run beside the targets. */
  floor?: Trial;
}

const block = new Uint8Array(4 * KiB).map((_, i) => (i * 7 + 1) & 0xff);
const chunk = new Uint8Array(MiB).map((_, i) => (i * 13 + 5) & 0xff);

function writeAll(fs: FsLike, fd: number, data: Uint8Array, position: number | null): void {
  const n = fs.writeSync(fd, data, 0, data.length, position);
  if (n !== data.length) throw new Error(`short write: ${n} of ${data.length} bytes`);
}

/** A file of `bytes` bytes written in 1 MiB chunks, fsynced. */
function writeFile(fs: FsLike, path: string, bytes: number): void {
  const fd = fs.openSync(path, 'w');
  try {
    for (let done = 0; done < bytes; done += chunk.length) writeAll(fs, fd, chunk, null);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads the file back in 1 MiB chunks and checks the length. */
function readFile(fs: FsLike, path: string, expected: number): void {
  const buf = new Uint8Array(MiB);
  const fd = fs.openSync(path, 'r');
  try {
    let total = 0;
    for (let n = fs.readSync(fd, buf, 0, buf.length, null); n > 0; n = fs.readSync(fd, buf, 0, buf.length, null)) total += n;
    if (total !== expected) throw new Error(`read ${total} bytes of ${expected}`);
  } finally {
    fs.closeSync(fd);
  }
}

function workloads(z: Sizes): Workload[] {
  const r = prng(42);
  const slots = z.overwriteFileBytes / block.length;
  const offsets = Array.from({ length: z.overwrites }, () => r.int(slots) * block.length);
  return [
    {
      title: `small files: ${z.files.toLocaleString('en-US')} x 4 KiB in ${z.dirs} directories`, unit: 'ops/s', work: z.files,
      run: ({ fs, root }) => {
        for (let d = 0; d < z.dirs; d++) fs.mkdirSync(`${root}/d${d}`);
        for (let i = 0; i < z.files; i++) fs.writeFileSync(`${root}/d${i % z.dirs}/f${i}`, block);
      },
    },
    {
      title: `append + fsync: ${z.appends.toLocaleString('en-US')} x 4 KiB`, unit: 'ops/s', work: z.appends,
      run: ({ fs, root }) => {
        const fd = fs.openSync(`${root}/log`, 'a');
        try {
          for (let i = 0; i < z.appends; i++) {
            writeAll(fs, fd, block, null);
            fs.fsyncSync(fd);
          }
        } finally {
          fs.closeSync(fd);
        }
      },
    },
    {
      title: `sequential write: ${z.sequentialBytes / MiB} MiB in 1 MiB writes`, unit: 'MB/s', work: z.sequentialBytes,
      run: ({ fs, root }) => writeFile(fs, `${root}/seq`, z.sequentialBytes),
    },
    {
      title: `sequential read: ${z.sequentialBytes / MiB} MiB in 1 MiB reads`, unit: 'MB/s', work: z.sequentialBytes,
      prepare: ({ fs, root }) => writeFile(fs, `${root}/seq`, z.sequentialBytes),
      run: ({ fs, root }) => readFile(fs, `${root}/seq`, z.sequentialBytes),
    },
    {
      title: `random overwrite: ${z.overwrites.toLocaleString('en-US')} x 4 KiB in a ${z.overwriteFileBytes / MiB} MiB file`, unit: 'ops/s', work: z.overwrites,
      prepare: ({ fs, root }) => writeFile(fs, `${root}/rand`, z.overwriteFileBytes),
      floor: deviceFloor(z, offsets),
      run: ({ fs, root }) => {
        const fd = fs.openSync(`${root}/rand`, 'r+');
        try {
          for (const off of offsets) writeAll(fs, fd, block, off);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      },
    },
    {
      title: `create + rename + unlink: ${z.renames.toLocaleString('en-US')} x`, unit: 'ops/s', work: z.renames,
      run: ({ fs, root }) => {
        for (let i = 0; i < z.renames; i++) {
          fs.closeSync(fs.openSync(`${root}/a${i}`, 'wx'));
          fs.renameSync(`${root}/a${i}`, `${root}/b${i}`);
          fs.unlinkSync(`${root}/b${i}`);
        }
      },
    },
  ];
}

/**
 * The device floor of a random overwrite: per operation, the 4 KiB block stored, flushed and
 * fenced, then an 8-byte commit word stored, flushed and fenced. An atomic 4 KiB write needs at
 * least that on an ADR device: the new bytes durable somewhere before one atomic store makes
 * them the file's. (pmemfs's write adds a 144-byte log record to the first fence.) The blocks
 * land on the workload's own offsets in a 64 MiB area written untimed beforehand, as pmemfs's
 * copy-on-write writes land in the few dozen MiB its allocator recycles; the device is the
 * pmemfs target's, from the same memory pool.
 */
function deviceFloor(z: Sizes, offsets: readonly number[]): Trial {
  const area = 1 << 20; // the data area starts past the commit word's line
  const commit = new Uint8Array(8);
  return trial({
    name: 'floor: device alone', work: z.overwrites,
    setup: () => {
      const dev = PmemDevice.create({ size: 1 << 30 });
      for (let off = 0; off < z.overwriteFileBytes; off += chunk.length) dev.write(area + off, chunk);
      dev.persist(area, z.overwriteFileBytes);
      return dev;
    },
    run: (dev) => {
      for (let i = 0; i < offsets.length; i++) {
        const at = area + offsets[i]!;
        dev.write(at, block);
        dev.persist(at, block.length);
        commit[0] = i; // a new value each time, as a commit word would have
        dev.write(0, commit);
        dev.persist(0, commit.length);
      }
    },
    teardown: (dev) => dev.close(),
  });
}

function runOn(target: FsTarget, w: Workload) {
  return trial({
    name: target.name, work: w.work,
    setup: () => {
      const session = target.setup();
      w.prepare?.(session);
      return session;
    },
    run: (session) => w.run(session),
    teardown: () => target.teardown(),
  });
}

async function main(): Promise<void> {
  const opts: BenchOptions = parseOptions(process.argv.slice(2));
  const report = new Report('fs', opts);
  const targets = fsTargets();
  const first = targets[0]!.name;
  report.describe(targets.map((t) => `${t.name}: ${t.about}`));
  for (const w of workloads(opts.quick ? QUICK : FULL)) {
    if (!selected(opts, w.title)) continue;
    const ratio = { ref: first, mode: 'ref/row', label: `${first} ÷ row` } as const;
    const trials = targets.map((t) => runOn(t, w));
    if (w.floor !== undefined) trials.push(w.floor);
    report.add(await compare({ title: w.title, unit: w.unit, ratio }, trials, opts));
  }
  report.finish();
}

await main();
