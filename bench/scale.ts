/**
 * bench/scale: mount time of a 4 GiB image holding many files (issue #3: a million files mount
 * in under a second after a clean unmount, and in bounded time after a crash).
 *
 *   clean    an image of N empty files in 1,000 directories, unmounted cleanly (a checkpoint
 *            holds everything, the log is empty), opened and mounted: the timed part is
 *            PmemDevice.open + mount + one lookup of a file (so the cost of reaching a file is
 *            in, not just bringing the mount up)
 *   crash    the same image after more creates until the log is 90% full, then "unmounted"
 *            without a checkpoint: what a crash leaves. Mount replays the whole log.
 *   small    the same, with 1,000 files: the clean mount's cost should not grow with N
 *
 * Images are sparse files under the OS tmpdir (durability 'close'), built untimed and removed
 * at the end. --quick uses 100,000 files and a log 20% full (CI); full: 1,000,000 and 90%.
 * Goals (printed, never asserted): clean mount of N files <= 1 s; clean N vs 1,000 files <= 2x.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PmemDevice, mkfs, mount } from '../src/index.js';
import { Report, compare, parseOptions, selected, trial } from './harness.js';

const GiB = 2 ** 30;
const EMPTY = new Uint8Array(0);

function build(path: string, files: number, logFill: number): { seconds: number; logBytes: number } {
  const t0 = performance.now();
  const dev = PmemDevice.create({ size: 4 * GiB, file: path, durability: 'close', overwrite: true });
  try {
    mkfs(dev);
    let fs = mount(dev);
    for (let d = 0; d < 1000; d++) fs.mkdirSync(`/d${d}`);
    for (let i = 0; i < files; i++) fs.writeFileSync(`/d${i % 1000}/f${i}`, EMPTY);
    fs.unmount(); // a checkpoint: the log starts over
    let logBytes = 0;
    if (logFill > 0) {
      // More creates, never checkpointed: the image is what a crash at this point leaves.
      fs = mount(dev, { checkpointOnUnmount: false });
      const log = fs.core.log;
      for (let i = 0; log.tail < logFill * log.capacity; i++) fs.writeFileSync(`/d${i % 1000}/late${i}`, EMPTY);
      logBytes = log.tail;
      fs.unmount();
    }
    return { seconds: (performance.now() - t0) / 1000, logBytes };
  } finally {
    dev.close();
  }
}

/** Open + mount + reach one file; the device is closed untimed. */
function mountTrial(name: string, path: string, probe: string, goalSeconds?: number) {
  let dev: PmemDevice | null = null;
  return trial({
    name, work: 1, ...(goalSeconds === undefined ? {} : { goal: { perOpMax: goalSeconds } }),
    setup: () => undefined,
    run: () => {
      dev = PmemDevice.open(path, { durability: 'close' });
      const fs = mount(dev, { checkpointOnUnmount: false });
      if (fs.statSync(probe)?.isFile() !== true) throw new Error(`${probe} is not a file`);
    },
    teardown: () => {
      dev?.close();
      dev = null;
    },
  });
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const report = new Report('scale', opts);
  const files = opts.quick ? 100_000 : 1_000_000;
  const fill = opts.quick ? 0.2 : 0.9;
  const dir = mkdtempSync(join(tmpdir(), 'pmemfs-bench-scale-'));
  try {
    const small = join(dir, 'small.img');
    const big = join(dir, 'big.img');
    const crashed = join(dir, 'crashed.img');
    const a = build(small, 1_000, 0);
    const b = build(big, files, 0);
    const c = build(crashed, files, fill);
    const n = files.toLocaleString('en-US');
    report.describe([
      `images (4 GiB, sparse, in ${dir}): 1,000 files built in ${a.seconds.toFixed(1)} s; ${n} files in ${b.seconds.toFixed(1)} s;`,
      `  ${n} files + a log ${(c.logBytes / 2 ** 20).toFixed(1)} MiB long (${Math.round(fill * 100)}% full), never checkpointed, in ${c.seconds.toFixed(1)} s`,
    ]);
    const title = `mount a 4 GiB image: open + mount + stat one file`;
    if (selected(opts, title)) {
      const ratio = { ref: '1,000 files, clean', mode: 'ref/row', label: 'time ÷ 1,000 files' } as const;
      report.add(await compare({ title, unit: 'ops/s', ratio, note: 'ops/s = mounts per second; the ratio is a cost ratio (time of the row over time of the 1,000-file mount)' }, [
        mountTrial('1,000 files, clean', small, '/d7/f7'),
        mountTrial(`${n} files, clean`, big, `/d7/f${files - 993}`, 1),
        mountTrial(`${n} files, after a crash with the log ${Math.round(fill * 100)}% full`, crashed, '/d7/late7'),
      ], opts));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report.finish();
}

await main();
