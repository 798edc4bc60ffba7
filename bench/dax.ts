/**
 * bench/dax (issue #4): reading and writing a file through a DAX mapping, beside readSync /
 * writeSync on the same file and a raw Uint8Array.set into a SharedArrayBuffer, in one run,
 * as ratios to raw. Goal: a mapping's reads and writes within 10% of raw memory copy speed
 * (ratio >= 0.9). A mapping's store is not durable until persisted; the "store + persist" row
 * shows what durability through the mapping costs.
 */
import { PmemDevice, mkfs, mount } from '../src/index.js';
import { Report, compare, parseOptions, selected, trial } from './harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const RAW = 'raw: Uint8Array.set into a SAB';

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const report = new Report('dax', opts);
  const fileSize = opts.quick ? 16 * MiB : 64 * MiB;
  const total = opts.quick ? 64 * MiB : 256 * MiB;
  const dev = PmemDevice.create({ size: fileSize * 4 });
  mkfs(dev);
  const fs = mount(dev);
  fs.writeFileSync('/f', new Uint8Array(fileSize));
  const fd = fs.openSync('/f', 'r+');
  const m = fs.mmapSync(fd, 0, fileSize, { sync: true, direct: true });
  const view = m.view!;
  const raw = new Uint8Array(new SharedArrayBuffer(fileSize));
  try {
    for (const chunk of [4 * KiB, 64 * KiB, MiB]) {
      const src = new Uint8Array(chunk).map((_, i) => (i * 7 + chunk) & 0xff);
      const dst = new Uint8Array(chunk);
      const loop = (step: (off: number) => void) => (): void => {
        for (let done = 0, off = 0; done < total; done += chunk, off = (off + chunk) % fileSize) step(off);
      };
      const w = `write ${chunk / KiB} KiB chunks`;
      if (selected(opts, w)) {
        report.add(await compare({ title: w, unit: 'MB/s', ratio: { ref: RAW, mode: 'row/ref', label: '÷ raw' } }, [
          trial({ name: RAW, work: total, run: loop((off) => raw.set(src, off)) }),
          trial({ name: 'mapping: view.set', work: total, goal: { min: 0.9 }, run: loop((off) => view.set(src, off)) }),
          trial({ name: 'mapping: view.set + persist', work: total, run: loop((off) => { view.set(src, off); m.persist(off, chunk); }) }),
          trial({ name: 'writeSync (copy-on-write, committed)', work: total, run: loop((off) => fs.writeSync(fd, src, 0, chunk, off)) }),
        ], opts));
      }
      const r = `read ${chunk / KiB} KiB chunks`;
      if (selected(opts, r)) {
        report.add(await compare({ title: r, unit: 'MB/s', ratio: { ref: RAW, mode: 'row/ref', label: '÷ raw' } }, [
          trial({ name: RAW, work: total, run: loop((off) => dst.set(raw.subarray(off, off + chunk))) }),
          trial({ name: 'mapping: subarray copy', work: total, goal: { min: 0.9 }, run: loop((off) => dst.set(view.subarray(off, off + chunk))) }),
          trial({ name: 'readSync', work: total, run: loop((off) => fs.readSync(fd, dst, 0, chunk, off)) }),
        ], opts));
      }
    }
  } finally {
    m.unmap();
    fs.closeSync(fd);
    fs.unmount();
    dev.close();
  }
  report.finish();
}

await main();
