/**
 * bench/device: the emulated persistent-memory device measured against raw memory (issue #2).
 *
 * Three questions, each answered by peers side by side in one run, printed as ratios:
 *   persist bandwidth   dev.write + dev.persist (and ntstore + fence) at 4 KiB, 64 KiB and 1 MiB,
 *                       beside a raw Uint8Array.set into a SharedArrayBuffer of the device's size.
 *                       Goal: >= 0.5x raw at 64 KiB and above with durability 'close'.
 *   open cost           PmemDevice.open + one 4 KiB read + close, of a sparse 4 GiB image vs a
 *                       64 MiB one. Goal: within 1.5x.
 *   crash-state cost    per state, on a 16 MiB vs a 1 GiB device: TraceReplay (seek, states,
 *                       materialize, a few reads) and dev.crash({ kind: 'strict' }) + the same
 *                       reads. Goal: within 1.5x. Plus what crash() costs a device that goes on
 *                       being written (no goal in the issue; printed so a regression shows).
 *
 * Run: npm run bench:device [-- --quick] [-- --json] [-- --only WORD]. Images live in a fresh
 * tmpdir under os.tmpdir() and are removed at the end.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PmemDevice, TraceReplay, type StatePolicy, type Trace } from '../src/index.js';
import { type BenchOptions, type Goal, Report, compare, parseOptions, selected, trial } from './harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const RAW = 'raw: Uint8Array.set into a SAB';

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const report = new Report('device', opts);
  const dir = mkdtempSync(join(tmpdir(), 'pmemfs-bench-device-'));
  try {
    for (const store of [4 * KiB, 64 * KiB, MiB]) {
      const title = `persist bandwidth, ${label(store)} stores`;
      if (selected(opts, title)) report.add(await persistBandwidth(opts, dir, title, store));
    }
    if (selected(opts, 'open cost')) report.add(await openCost(opts, dir));
    if (selected(opts, 'crash-state cost')) for (const g of await crashStateCost(opts)) report.add(g);
    if (selected(opts, 'crash() on a live device')) report.add(await liveCrashCost(opts));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report.finish();
}

function label(bytes: number): string {
  return bytes >= GiB ? `${bytes / GiB} GiB` : bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}

// --- persist bandwidth -------------------------------------------------------------------

/**
 * Each repetition stores `total` bytes in `store`-sized pieces, front to back, wrapping around a
 * device of `size` bytes. The warm-up pass touches every page first, so page faults of the
 * lazily committed SharedArrayBuffers are not billed to anyone. The file device's write-back
 * happens at close(), outside the timing: that is what durability 'close' means.
 */
async function persistBandwidth(opts: BenchOptions, dir: string, title: string, store: number) {
  const size = opts.quick ? 16 * MiB : 64 * MiB;
  const total = opts.quick ? 32 * MiB : 128 * MiB;
  const src = new Uint8Array(store).map((_, i) => (i * 131 + store) & 0xff);
  const raw = new Uint8Array(new SharedArrayBuffer(size));
  const media = new Uint8Array(new SharedArrayBuffer(size));
  const devices = {
    memory: PmemDevice.create({ size }),
    close: PmemDevice.create({ size, file: join(dir, `persist-close-${store}.pmem`), durability: 'close' }),
    fence: PmemDevice.create({ size, file: join(dir, `persist-fence-${store}.pmem`), durability: 'fence' }),
  };
  const loop = (step: (offset: number) => void) => (): void => {
    for (let done = 0, offset = 0; done < total; done += store, offset = (offset + store) % size) step(offset);
  };
  const persistOn = (d: PmemDevice) => loop((off) => { d.write(off, src); d.persist(off, store); });
  const ntstoreOn = (d: PmemDevice) => loop((off) => { d.ntstore(off, src); d.fence(); });
  const goal = store >= 64 * KiB ? { min: 0.5 } : undefined;
  const trials = [
    trial({ name: RAW, work: total, run: loop((off) => raw.set(src, off)) }),
    // The device keeps two memories (cache and media), so a persisted store is copied at least
    // twice: this row is that floor with no bookkeeping (the second copy is SAB to SAB).
    trial({
      name: 'two copies: into a SAB, then SAB to SAB', work: total,
      run: loop((off) => { raw.set(src, off); media.set(raw.subarray(off, off + store), off); }),
    }),
    trial({ name: "file, durability 'close': write+persist", work: total, run: persistOn(devices.close), goal }),
    trial({ name: "file, durability 'close': ntstore+fence", work: total, run: ntstoreOn(devices.close), goal }),
    trial({ name: 'in memory: write+persist', work: total, run: persistOn(devices.memory) }),
    trial({ name: 'in memory: ntstore+fence', work: total, run: ntstoreOn(devices.memory) }),
    trial({ name: "file, durability 'fence': write+persist", work: total, run: persistOn(devices.fence) }),
  ];
  try {
    const note = `device ${label(size)}, ${label(total)} per repetition; 'fence' (the default) pwrites every fence to the image`;
    return await compare({ title, unit: 'MB/s', note, ratio: { ref: RAW, mode: 'row/ref', label: '÷ raw' }, minReps: 7 }, trials, opts);
  } finally {
    for (const d of Object.values(devices)) d.close();
  }
}

// --- open cost ---------------------------------------------------------------------------

/**
 * Sparse images made by PmemDevice.create + close (untimed); each repetition opens one `opens`
 * times, reads the 4 KiB block at its middle (2 GiB into the large one: past any 31-bit offset
 * arithmetic) and closes it. The same read through node:fs is printed as the floor.
 */
async function openCost(opts: BenchOptions, dir: string) {
  const opens = opts.quick ? 5 : 20;
  const block = new Uint8Array(4 * KiB);
  const image = (size: number): string => {
    const file = join(dir, `open-${label(size).replace(' ', '')}.pmem`);
    PmemDevice.create({ size, file }).close();
    return file;
  };
  const small = image(64 * MiB);
  const large = image(4 * GiB);
  const openTrial = (name: string, file: string, size: number, goal?: Goal) => trial({
    name, work: opens, goal,
    run: () => {
      for (let i = 0; i < opens; i++) {
        const dev = PmemDevice.open(file);
        dev.readInto(size / 2, block);
        dev.close();
      }
    },
  });
  const floor = trial({
    name: 'node:fs open + readSync + close (64 MiB)', work: opens,
    run: () => {
      for (let i = 0; i < opens; i++) {
        const fd = openSync(small, 'r+');
        readSync(fd, block, 0, block.length, 32 * MiB);
        closeSync(fd);
      }
    },
  });
  const title = 'open cost: PmemDevice.open + read 4 KiB + close, 4 GiB vs 64 MiB sparse image';
  const ref = 'open 64 MiB image';
  const trials = [openTrial(ref, small, 64 * MiB), openTrial('open 4 GiB image', large, 4 * GiB, { max: 1.5 }), floor];
  return compare({ title, unit: 'ops/s', ratio: { ref, mode: 'ref/row', label: 'cost ÷ 64 MiB' } }, trials, opts);
}

// --- crash-state construction ------------------------------------------------------------

/** A device after a small traced workload, with the offsets every crash state is read at. */
interface Traced {
  dev: PmemDevice;
  trace: Trace;
  /** The header, the last record, and an untouched last page. */
  probes: number[];
}

const RECORD = 256;

/**
 * `ops` x (label; 256-byte record store + flush; 8-byte commit word store + persist), records
 * spread over the whole device, then one record stored and never flushed, so the last point
 * (and dev.crash()) has pending lines.
 */
function tracedWorkload(size: number, ops: number): Traced {
  const dev = PmemDevice.create({ size });
  const header = new Uint8Array(4 * KiB).fill(0x5a);
  dev.write(0, header);
  dev.persist(0, header.length);
  const recordAt = (i: number): number => Math.floor(((i + 1) * size) / (ops + 3) / (4 * KiB)) * 4 * KiB;
  const record = new Uint8Array(RECORD);
  const commit = new Uint8Array(8);
  dev.startTrace();
  for (let i = 0; i < ops; i++) {
    dev.label(`op ${i}`);
    record.fill(i + 1);
    dev.write(recordAt(i), record);
    dev.flush(recordAt(i), RECORD);
    new DataView(commit.buffer).setBigUint64(0, BigInt(i + 1), true);
    dev.write(64, commit);
    dev.persist(64, commit.length);
  }
  dev.label('pending');
  dev.write(recordAt(ops), record);
  const trace = dev.stopTrace();
  return { dev, trace, probes: [0, recordAt(ops - 1), size - 4 * KiB] };
}

/** Every state of every store/fence point, materialized and probed. Returns the state count. */
function replayAll(t: Traced, policy: StatePolicy, block: Uint8Array): number {
  const replay = new TraceReplay(t.trace);
  let states = 0;
  for (const point of replay.points('store')) {
    replay.seek(point);
    for (const state of replay.states(point, policy)) {
      const dev = replay.materialize(state);
      for (const p of t.probes) dev.readInto(p, block);
      dev.close();
      states++;
    }
  }
  return states;
}

async function crashStateCost(opts: BenchOptions) {
  const ops = opts.quick ? 8 : 16;
  const crashes = opts.quick ? 2000 : 10000;
  const policy: StatePolicy = { kind: 'prefix' };
  const block = new Uint8Array(4 * KiB);
  const small = tracedWorkload(16 * MiB, ops);
  const large = tracedWorkload(GiB, ops);
  try {
    const states = replayAll(small, policy, block);
    const statesLarge = replayAll(large, policy, block);
    if (states !== statesLarge) throw new Error(`state counts differ: ${states} vs ${statesLarge}`);
    const replayTrial = (name: string, t: Traced, goal?: Goal) =>
      trial({ name, work: states, goal, run: () => void replayAll(t, policy, block) });
    const replay = await compare({
      title: 'crash-state cost: TraceReplay per state, 16 MiB vs 1 GiB device', unit: 'ops/s',
      note: `${ops} traced ops, ${states} states (policy 'prefix', store points), ${small.probes.length} x 4 KiB reads per state`,
      ratio: { ref: 'replay 16 MiB', mode: 'ref/row', label: 'cost ÷ 16 MiB' }, minReps: 7,
    }, [replayTrial('replay 16 MiB', small), replayTrial('replay 1 GiB', large, { max: 1.5 })], opts);
    const crashTrial = (name: string, t: Traced, goal?: Goal) => trial({
      name, work: crashes, goal,
      run: () => {
        for (let i = 0; i < crashes; i++) {
          const dev = t.dev.crash({ kind: 'strict' });
          for (const p of t.probes) dev.readInto(p, block);
          dev.close();
        }
      },
    });
    const crash = await compare({
      title: "crash-state cost: dev.crash({ kind: 'strict' }), 16 MiB vs 1 GiB device", unit: 'ops/s',
      note: `${crashes} crashes per repetition, ${small.dev.pendingLines().length} pending lines, ${small.probes.length} x 4 KiB reads each`,
      ratio: { ref: 'crash 16 MiB', mode: 'ref/row', label: 'cost ÷ 16 MiB' }, minReps: 11,
    }, [crashTrial('crash 16 MiB', small), crashTrial('crash 1 GiB', large, { max: 1.5 })], opts);
    return [replay, crash];
  } finally {
    small.dev.close();
    large.dev.close();
  }
}

/**
 * A device that goes on being written after dev.crash(): each crash state holds a snapshot of
 * the media, and every later media write first preserves the pages it overwrites into every
 * snapshot still alive. The crash devices here are closed and dropped at once, yet (held by
 * WeakRefs) they stay alive until the job ends, so persists in the same synchronous job pay for
 * each of them. Same persists, same device; the second row first makes `crashes` crash states
 * (untimed, in the same job).
 */
async function liveCrashCost(opts: BenchOptions) {
  const crashes = opts.quick ? 200 : 500;
  const persists = opts.quick ? 5_000 : 20_000;
  const pages = 64;
  const line = new Uint8Array(64).fill(7);
  const dev = PmemDevice.create({ size: 16 * MiB });
  const persistLoop = (): void => {
    for (let i = 0; i < persists; i++) {
      const off = (i % pages) * 4 * KiB;
      dev.write(off, line);
      dev.persist(off, line.length);
    }
  };
  const ref = 'write+persist 64 B';
  const afterCrashes = trial({
    name: `${ref}, after ${crashes} dropped crash()`, work: persists, run: persistLoop,
    setup: () => { for (let i = 0; i < crashes; i++) dev.crash({ kind: 'strict' }).close(); },
  });
  try {
    return await compare({
      title: 'crash() on a live device: cost of later persists', unit: 'ops/s',
      note: `${persists} persists over ${pages} pages of a 16 MiB in-memory device, in the job that made the crash states`,
      ratio: { ref, mode: 'ref/row', label: 'cost ÷ plain' },
    }, [trial({ name: ref, work: persists, run: persistLoop }), afterCrashes], opts);
  } finally {
    dev.close();
  }
}

await main();
