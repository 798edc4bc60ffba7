/**
 * The benchmark harness: timing, repetitions, medians, ratio tables and JSON reports.
 *
 * Interface:
 *   parseOptions(argv)            --quick (bounded CI sizes), --json, --reps N, --only WORD
 *   trial({ name, work, run })    one peer; `work` is ops or bytes per repetition. With
 *   trial({ name, work, setup, run, teardown })  setup/teardown run untimed around each run
 *   await compare(spec, trials, opts)  warm-up (by time), then N interleaved repetitions of every trial,
 *                                 each in its own event-loop turn; returns a Group with median
 *                                 rates and ratios (and prints it unless --json)
 *   new Report(bench, opts)       collects groups (and describe()d context); finish() prints
 *                                 the JSON document if --json
 *
 * Why it looks like this: the machines are shared and noisy (2 cores), so peers are measured in
 * the same process, in the same run, round-robin (round r starts at trial r), and we quote the
 * median of N repetitions with the min..max beside it. A repetition is timed with
 * process.hrtime.bigint() around run() only; when node runs with --expose-gc we collect garbage
 * before each repetition so one peer's garbage is not billed to the next.
 *
 * Benchmarks are not tests (STYLE.md 20): goals are printed as ok/MISS, never asserted.
 */
import { cpus, totalmem } from 'node:os';

export interface BenchOptions {
  /** Small sizes and fewer repetitions: a bounded run for CI. */
  quick: boolean;
  /** Print one JSON document on stdout instead of tables. */
  json: boolean;
  reps: number;
  warmup: number;
  /** Only groups whose title contains this (case-insensitive); null = all. */
  only: string | null;
}

const FLAGS = ['--quick', '--json', '--reps', '--only'];

const USAGE = `options:
  --quick       small sizes and 3 repetitions (the bounded CI run)
  --json        one JSON document on stdout instead of tables
  --reps N      repetitions per trial (default 5)
  --only WORD   only the groups whose title contains WORD
`;

/** Bad options end the process with a usage message and exit status 2 (--help: 0), no stack. */
function usage(problem: string | null): never {
  if (problem === null) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  process.stderr.write(`${problem}\n${USAGE}`);
  process.exit(2);
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!.split('=')[0]!;
    if (flag === '--help' || flag === '-h') usage(null);
    if (!FLAGS.includes(flag)) usage(`unknown argument ${argv[i]}; expected ${FLAGS.join(', ')}`);
    if ((flag === '--reps' || flag === '--only') && !argv[i]!.includes('=')) i++;
  }
  const quick = argv.includes('--quick');
  const value = (flag: string): string | null => {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) return null;
    const a = argv[i]!;
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : (argv[i + 1] ?? null);
  };
  const reps = Number.parseInt(value('--reps') ?? (quick ? '3' : '5'), 10);
  if (!Number.isInteger(reps) || reps < 1) usage('--reps must be a positive integer');
  return { quick, json: argv.includes('--json'), reps, warmup: 1, only: value('--only') };
}

/** Whether a group with this title is selected by --only. */
export function selected(opts: BenchOptions, title: string): boolean {
  return opts.only === null || title.toLowerCase().includes(opts.only.toLowerCase());
}

/** MB is 10^6 bytes, as in fio and dd. */
export type Unit = 'ops/s' | 'MB/s';

/** Printed beside a row's ratio; never asserted. min/max bound the ratio, perOpMax the seconds per op. */
export interface Goal {
  min?: number;
  max?: number;
  perOpMax?: number;
}

export interface Trial {
  readonly name: string;
  /** Operations (ops/s) or bytes (MB/s) done by one repetition. */
  readonly work: number;
  readonly goal: Goal | null;
  /** One repetition; returns the timed nanoseconds. */
  once(): number;
}

interface TrialCommon {
  name: string;
  work: number;
  goal?: Goal | undefined;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

export function trial<S>(spec: TrialCommon & { setup: () => S; run: (s: S) => void; teardown?: (s: S) => void }): Trial;
export function trial(spec: TrialCommon & { run: () => void }): Trial;
export function trial<S>(
  spec: TrialCommon & ({ run: () => void } | { setup: () => S; run: (s: S) => void; teardown?: (s: S) => void }),
): Trial {
  const once = (): number => {
    if (!('setup' in spec)) {
      gc?.();
      const t0 = process.hrtime.bigint();
      spec.run();
      return Number(process.hrtime.bigint() - t0);
    }
    const state = spec.setup();
    try {
      gc?.();
      const t0 = process.hrtime.bigint();
      spec.run(state);
      return Number(process.hrtime.bigint() - t0);
    } finally {
      spec.teardown?.(state);
    }
  };
  return { name: spec.name, work: spec.work, goal: spec.goal ?? null, once };
}

/**
 * How a row's ratio is computed from median rates: 'row/ref' (a fraction of the reference,
 * e.g. device bandwidth / raw memcpy) or 'ref/row' (how many times the reference's rate, e.g.
 * pmemfs ops/s / memfs ops/s, or a cost ratio: 4 GiB open time / 64 MiB open time).
 */
export interface RatioSpec {
  ref: string;
  mode: 'row/ref' | 'ref/row';
  /** Column header, e.g. "÷ raw" or "memfs ÷ row". */
  label: string;
}

export interface GroupSpec {
  title: string;
  unit: Unit;
  ratio: RatioSpec;
  note?: string;
  /** At least this many repetitions, whatever --reps says: for short, GC-dominated trials. */
  minReps?: number;
}

export interface Row {
  name: string;
  work: number;
  samplesNs: number[];
  medianNs: number;
  /** Median rate in the group's unit. */
  rate: number;
  minRate: number;
  maxRate: number;
  ratio: number | null;
  goal: Goal | null;
  goalMet: boolean | null;
}

export interface Group extends GroupSpec {
  reps: number;
  rows: Row[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function rateOf(unit: Unit, work: number, ns: number): number {
  const perSecond = (work * 1e9) / Math.max(ns, 1);
  return unit === 'MB/s' ? perSecond / 1e6 : perSecond;
}

/**
 * Ends the current job before a repetition. WeakRef targets (the device's snapshots) stay alive
 * until the job that created them ends, so in one long synchronous loop no repetition's garbage
 * could ever be collected; yielding to the event loop lets it go.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Warm-up of each trial: at least this long in total (if WARMUP_MAX runs allow). */
const WARMUP_NS = 150e6;
const WARMUP_MAX = 8;

/** Warm-up, then opts.reps rounds over every trial (rotating who goes first); prints the group. */
export async function compare(spec: GroupSpec, trials: readonly Trial[], opts: BenchOptions): Promise<Group> {
  const reps = Math.max(opts.reps, spec.minReps ?? 0);
  const samples: number[][] = trials.map(() => []);
  // Warm-up by time, not only by count: a 10 ms trial (2,000 appends) run once leaves the JIT
  // still compiling the path it measures, and the timed reps then differ by 2x. Each trial runs
  // until it has warmed for WARMUP_NS, at least opts.warmup and at most WARMUP_MAX times.
  for (const t of trials) {
    let spent = 0;
    for (let w = 0; w < WARMUP_MAX && (w < opts.warmup || spent < WARMUP_NS); w++) {
      await settle();
      spent += t.once();
    }
  }
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < trials.length; k++) {
      const i = (r + k) % trials.length;
      await settle();
      samples[i]!.push(trials[i]!.once());
    }
  }
  const rows = trials.map((t, i): Row => {
    const ns = samples[i]!;
    const rates = ns.map((x) => rateOf(spec.unit, t.work, x));
    const medianNs = median(ns);
    return {
      name: t.name, work: t.work, samplesNs: ns, medianNs, rate: rateOf(spec.unit, t.work, medianNs),
      minRate: Math.min(...rates), maxRate: Math.max(...rates), ratio: null, goal: t.goal, goalMet: null,
    };
  });
  const ref = rows.find((row) => row.name === spec.ratio.ref);
  if (ref === undefined) throw new Error(`ratio reference '${spec.ratio.ref}' is not a trial of '${spec.title}'`);
  for (const row of rows) {
    row.ratio = spec.ratio.mode === 'row/ref' ? row.rate / ref.rate : ref.rate / row.rate;
    if (row.goal !== null) {
      row.goalMet = (row.goal.min ?? -Infinity) <= row.ratio && row.ratio <= (row.goal.max ?? Infinity) &&
        row.medianNs / row.work / 1e9 <= (row.goal.perOpMax ?? Infinity);
    }
  }
  const group: Group = { ...spec, reps, rows };
  if (!opts.json) printGroup(group);
  return group;
}

// --- printing ----------------------------------------------------------------------------

function fmt(x: number): string {
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtTime(ns: number): string {
  if (ns >= 1e9) return `${fmt(ns / 1e9)} s`;
  if (ns >= 1e6) return `${fmt(ns / 1e6)} ms`;
  if (ns >= 1e3) return `${fmt(ns / 1e3)} µs`;
  return `${fmt(ns)} ns`;
}

function fmtGoal(row: Row): string {
  if (row.goal === null) return '';
  const parts: string[] = [];
  if (row.goal.min !== undefined) parts.push(`≥ ${row.goal.min}x`);
  if (row.goal.max !== undefined) parts.push(`≤ ${row.goal.max}x`);
  if (row.goal.perOpMax !== undefined) parts.push(`≤ ${fmtTime(row.goal.perOpMax * 1e9)} per op`);
  return `goal ${parts.join(' and ')}: ${row.goalMet === true ? 'ok' : 'MISS'}`;
}

export function printGroup(g: Group): void {
  const perOp = g.unit === 'ops/s';
  const header = ['', g.unit, perOp ? 'per op' : '', `min..max ${g.unit}`, g.ratio.label, ''];
  const lines = g.rows.map((row) => [
    row.name, fmt(row.rate), perOp ? fmtTime(row.medianNs / row.work) : '', `${fmt(row.minRate)}..${fmt(row.maxRate)}`,
    row.ratio === null ? '' : `${row.ratio.toFixed(2)}x`, fmtGoal(row),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
  const render = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 || c === cells.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  console.log(`\n${g.title}  (median of ${g.reps})`);
  if (g.note !== undefined) console.log(`  ${g.note}`);
  console.log(`  ${render(header)}`);
  for (const l of lines) console.log(`  ${render(l)}`);
}

// --- the report --------------------------------------------------------------------------

export interface Environment {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  exposeGc: boolean;
  date: string;
}

export function environment(): Environment {
  const c = cpus();
  return {
    node: process.version, platform: `${process.platform}-${process.arch}`, cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown', memoryBytes: totalmem(), exposeGc: gc !== undefined, date: new Date().toISOString(),
  };
}

export class Report {
  readonly groups: Group[] = [];
  private readonly about: string[] = [];
  private readonly started = process.hrtime.bigint();

  constructor(readonly bench: string, readonly opts: BenchOptions) {
    if (!opts.json) {
      const e = environment();
      console.log(`bench/${bench}${opts.quick ? ' --quick' : ''}: node ${e.node}, ${e.cpus} x ${e.cpuModel}, ` +
        `${opts.reps} reps after ${opts.warmup}-${WARMUP_MAX} warm-ups (${WARMUP_NS / 1e6} ms each trial)${e.exposeGc ? ', gc between reps' : ' (run node with --expose-gc for steadier numbers)'}`);
    }
  }

  add(g: Group): void {
    this.groups.push(g);
  }

  /** Context lines (what the peers are): printed now, or kept for the JSON document. */
  describe(lines: readonly string[]): void {
    this.about.push(...lines);
    if (!this.opts.json) for (const l of lines) console.log(`  ${l}`);
  }

  /** Prints the JSON document (--json) or the elapsed time. */
  finish(): void {
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    if (this.opts.json) {
      const { quick, reps, warmup, only } = this.opts;
      console.log(JSON.stringify({ bench: this.bench, options: { quick, reps, warmup, only }, env: environment(), about: this.about, seconds, groups: this.groups }, null, 2));
    } else {
      console.log(`\nbench/${this.bench} done in ${seconds.toFixed(1)} s`);
    }
  }
}
