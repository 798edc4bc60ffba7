/**
 * bench/crash: how fast the crash checker checks crash states (issue 5's goal: at least 2,000
 * states a second per core on ACE seq-2 workloads; a state on a 1 GiB image within 1.5x of one
 * on a 16 MiB image, crash states being overlays, not copies).
 *
 *   1. states/s on one core: a seeded sample of ACE seq-2 under chipmunk K=2, the whole
 *      campaign per workload (traced run with its differential checks, then every state), with
 *      equivalence pruning (the default) and with every state mounted (--no-prune)
 *   2. cost per state, 16 MiB vs 1 GiB image: the exploration phase only (traces made untimed),
 *      every state mounted; workloads that map files are left out of this group (their traced
 *      run needs a real device of that size for its DAX views: a cost of the run, not of a state)
 *
 * Run: npm run bench:crash [-- --quick] [-- --json] [-- --reps N] [-- --only image|core]
 * Benchmarks are not tests: goals are printed as ok/MISS.
 */
import {
  aceWorkload, checkWorkload, countAce, exploreStates, resolveSettings, runTraced, sampleIndices, statePolicy, type CampaignSettings, type TracedRun,
} from '../src/crash/index.js';
import { Report, compare, parseOptions, selected, trial } from './harness.js';

const opts = parseOptions(process.argv.slice(2));
const report = new Report('crash', opts);

const SEED = 5;
const GOAL = 2000;
const PER_CORE = 'crash states checked per second, one core (whole campaign: traced run + states)';
const SIZE = 'cost per crash state: 1 GiB vs 16 MiB image (exploration only)';
const seq2 = sampleIndices(countAce(2), opts.quick ? 60 : 300, SEED).map((i) => aceWorkload(2, i));
const settings = resolveSettings({ policy: 'chipmunk', bound: 2 });
const noPrune = { ...settings, prune: false };

function campaign(s: CampaignSettings): number {
  let states = 0;
  seq2.forEach((w, i) => (states += checkWorkload(w, i, s).states));
  return states;
}

async function perCoreGroup(): Promise<void> {
  const states = campaign(settings);
  report.describe([`${states.toLocaleString('en')} distinct crash states per pass`]);
  const g = await compare({
    title: PER_CORE, unit: 'ops/s', ratio: { ref: 'pruned (default)', mode: 'row/ref', label: '÷ pruned' },
    note: 'ops = crash states judged (mounted, or proven to read the same bytes as a mounted one)',
  }, [
    trial({ name: 'pruned (default)', work: states, run: () => void campaign(settings) }),
    trial({ name: 'every state mounted', work: states, run: () => void campaign(noPrune) }),
  ], opts);
  report.add(g);
  for (const row of g.rows) report.describe([`${row.name}: ${Math.round(row.rate).toLocaleString('en')} states/s/core, goal >= ${GOAL}: ${row.rate >= GOAL ? 'ok' : 'MISS'}`]);
}

// --- cost per state vs image size --------------------------------------------------------------

const small = seq2.filter((w) => !w.ops.some((op) => op.kind === 'mmap')).slice(0, opts.quick ? 20 : 60);

function traced(deviceSize: number): TracedRun[] {
  return small.map((w) => runTraced(w, { deviceSize, logBlocks: 16, mode: 'adr', faults: [], checkpointEvery: settings.checkpointEvery }));
}

function explore(runs: TracedRun[]): number {
  let n = 0;
  for (const r of runs) n += exploreStates(r, { policy: statePolicy(noPrune), points: 'fence', faults: [], prune: false, owns: () => true }, () => undefined).states;
  return n;
}

async function sizeGroup(): Promise<void> {
  const sizes = [{ name: '16 MiB image', bytes: 16 << 20 }, { name: '1 GiB image', bytes: 1 << 30 }];
  const states = explore(traced(16 << 20));
  report.describe([`size group: ${small.length} non-mapping workloads of the sample, ${states.toLocaleString('en')} states each pass, every state mounted`]);
  report.add(await compare({
    title: SIZE, unit: 'ops/s', ratio: { ref: '16 MiB image', mode: 'ref/row', label: 'cost ÷ 16 MiB' },
    note: 'traces made untimed before each repetition (one size alive at a time), then every state mounted and checked',
  }, sizes.map((s) => trial({
    name: s.name, work: states, goal: s.name === '1 GiB image' ? { max: 1.5 } : undefined,
    setup: () => traced(s.bytes), run: (runs: TracedRun[]) => void explore(runs),
  })), opts));
}

report.describe([
  `seq-2 sample: ${seq2.length} of ${countAce(2).toLocaleString('en')} workloads (seed ${SEED}), chipmunk K=2, fence points, 8 MiB device, log 16 blocks, a checkpoint every ${settings.checkpointEvery} ops`,
]);
if (selected(opts, PER_CORE)) await perCoreGroup();
if (selected(opts, SIZE)) await sizeGroup();
report.finish();
