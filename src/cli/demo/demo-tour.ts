/**
 * The steps of `pmemfs demo`, as data: each step does its work through the public API and
 * returns what it saw, so the command can narrate it as text or print it as JSON.
 *
 * Interface: runTour({ dir, seed }) -> Tour. Every step checks what it claims (contents read
 * back, blocks shared, fsck clean) and records failures in `tour.failures` rather than throwing,
 * so the narration can say what went wrong. The caller owns `dir` and removes it.
 * Invariant: every device and filesystem the tour opens is closed before it returns.
 */
import { join } from 'node:path';
import { COPYFILE_FICLONE_FORCE, fsck, mkfs, mount, type FiemapExtent, type Filesystem, type FsckReport } from '../../fs/index.js';
import { PmemDevice } from '../../pmem/index.js';

export const DEMO_SIZE = 16 << 20;
const ENTRIES = 20;
const CRASH_AFTER = 12;

export interface Tour {
  image: string;
  blockCount: number;
  logBlocks: number;
  files: Array<{ path: string; size: number }>;
  reflink: { source: string; copy: string; sharedBlocks: number; sourceMap: FiemapExtent[]; copyMap: FiemapExtent[] };
  cow: { copyMap: FiemapExtent[]; sharedBlocks: number; sourceStarts: string; copyStarts: string };
  crash: { seed: number; entries: number; crashedAfter: number; pendingLines: number };
  recovery: { present: number; missing: number; intact: boolean; reflinkIntact: boolean };
  fsck: FsckReport;
  failures: string[];
}

const report = (n: number) => Array.from({ length: n }, (_, i) => `line ${String(i + 1).padStart(4, '0')}: the quick brown fox jumps over the lazy dog\n`).join('');
const entry = (i: number) => `entry ${i}: ${'x'.repeat(100 + i * 37)}\n`;
const firstLine = (fs: Filesystem, p: string) => (fs.readFileSync(p, 'utf8') as string).split('\n')[0]!;

export function runTour(opts: { dir: string; seed: number }): Tour {
  const image = join(opts.dir, 'demo.pmem');
  const failures: string[] = [];
  const check: Check = (ok, what) => void (ok || failures.push(what));
  const dev = PmemDevice.create({ size: DEMO_SIZE, file: image });
  try {
    const sb = mkfs(dev, { label: 'demo' });
    const { shared, crash } = mounted(mount(dev), (fs) => ({ shared: writeAndShare(fs, check), crash: crashMidWorkload(fs, dev, opts.seed) }));
    try {
      const recovery = mounted(mount(crash.crashed), (fs) => recover(fs, shared.cow, check)); // recovery: checkpoint + log replay
      const fsckReport = fsck(crash.crashed);
      check(fsckReport.ok && fsckReport.findings.length === 0, `fsck after the crash: ${fsckReport.findings.map((f) => f.detail).join('; ')}`);
      return { image, blockCount: sb.blockCount, logBlocks: sb.logBlocks, ...shared, crash: crash.info, recovery, fsck: fsckReport, failures };
    } finally {
      crash.crashed.close();
    }
  } finally {
    dev.close();
  }
}

function mounted<T>(fs: Filesystem, fn: (fs: Filesystem) => T): T {
  try {
    return fn(fs);
  } finally {
    fs.unmount();
  }
}

type Check = (ok: boolean, what: string) => void;

function writeAndShare(fs: Filesystem, check: Check): Pick<Tour, 'files' | 'reflink' | 'cow'> {
  fs.mkdirSync('/docs');
  fs.writeFileSync('/docs/report.txt', report(1000));
  fs.writeFileSync('/docs/notes.txt', 'pmemfs keeps every write atomic and durable when it returns.\n');
  const files = ['/docs/report.txt', '/docs/notes.txt'].map((path) => ({ path, size: fs.statSync(path)!.size }));

  const source = '/docs/report.txt';
  const copy = '/docs/report-v2.txt';
  fs.copyFileSync(source, copy, COPYFILE_FICLONE_FORCE);
  const copyMap = fs.fiemapSync(copy);
  const reflink = { source, copy, sharedBlocks: fs.statfsSync().sharedBlocks, sourceMap: fs.fiemapSync(source), copyMap };
  check(copyMap.every((e) => e.flags.includes('shared')), 'after the reflink, every extent of the copy should be shared');

  // Copy-on-write: the copy's first block moves to a new block; the source is untouched.
  const fd = fs.openSync(copy, 'r+');
  try {
    fs.writeSync(fd, 'EDITED: this copy diverged from the original by copy-on-write.'.padEnd(4095, ' ') + '\n', 0);
  } finally {
    fs.closeSync(fd);
  }
  const cow = { copyMap: fs.fiemapSync(copy), sharedBlocks: fs.statfsSync().sharedBlocks, sourceStarts: firstLine(fs, source), copyStarts: firstLine(fs, copy) };
  check(cow.sourceStarts.startsWith('line 0001'), 'the original should be unchanged by a write to its reflinked copy');
  check(cow.copyStarts.startsWith('EDITED'), 'the copy should read back its new first block');
  check(cow.copyMap[0] !== undefined && !cow.copyMap[0].flags.includes('shared'), "the copy's first extent should no longer be shared");
  return { files, reflink, cow };
}

/** Appends log entries; the power fails after CRASH_AFTER of them; the live device goes on. */
function crashMidWorkload(fs: Filesystem, dev: PmemDevice, seed: number): { crashed: PmemDevice; info: Tour['crash'] } {
  fs.mkdirSync('/log');
  let crashed: PmemDevice | null = null;
  let pendingLines = 0;
  for (let i = 0; i < ENTRIES; i++) {
    if (i === CRASH_AFTER) {
      pendingLines = dev.pendingLines().length;
      crashed = dev.crash({ kind: 'random', seed });
    }
    fs.writeFileSync(`/log/entry-${String(i).padStart(2, '0')}`, entry(i));
  }
  return { crashed: crashed!, info: { seed, entries: ENTRIES, crashedAfter: CRASH_AFTER, pendingLines } };
}

function recover(fs: Filesystem, cow: Tour['cow'], check: Check): Tour['recovery'] {
  let present = 0;
  let intact = true;
  for (let i = 0; i < ENTRIES; i++) {
    const p = `/log/entry-${String(i).padStart(2, '0')}`;
    if (!fs.existsSync(p)) continue;
    present++;
    if (fs.readFileSync(p, 'utf8') !== entry(i)) intact = false;
  }
  const reflinkIntact = firstLine(fs, '/docs/report.txt') === cow.sourceStarts && firstLine(fs, '/docs/report-v2.txt') === cow.copyStarts;
  check(present === CRASH_AFTER && intact, `after recovery: ${present} entries (want ${CRASH_AFTER}), contents ${intact ? 'intact' : 'damaged'}`);
  check(reflinkIntact, 'after recovery the original and its copy should read as before the crash');
  return { present, missing: ENTRIES - present, intact, reflinkIntact };
}
