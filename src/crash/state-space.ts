/**
 * exploreStates: the second half of checking a workload. For every crash point of its trace
 * (that the shard owns) and every distinct crash state the policy yields there, recover the
 * image and judge it against the oracle of the operation in flight.
 *
 * Interface:
 *   exploreStates(run, { policy, points, faults, prune, owns }, report) -> ExploreStats
 *   `owns(ordinal)` says which points this shard checks; `report(v)` receives each violating
 *   state that was mounted (its verdict and the choice that built it); states proven equivalent
 *   to it are counted in its `equivalents`, which is final when exploreStates returns.
 *
 * Equivalence pruning (sound; docs/CRASH-TESTING.md): at each point the strict state (durable
 * lines only) is checked in full, recording the words it read (read-set.ts). Any other state
 * whose differing words (durable-image.ts masks) miss that read set reads exactly the same bytes,
 * so it gets the same verdict without being mounted. Between points, the strict check of the
 * previous point is reused the same way when the newly durable words miss its read set (only
 * the oracle comparison is redone). `prune: false` mounts every state.
 */
import { TraceReplay, type CrashPoint, type CrashPointKind, type CrashState, type StatePolicy } from '../pmem/index.js';
import { DurableImage } from './durable-image.js';
import { ReadSet } from './read-set.js';
import { checkRecovery, type FailureKind, type Recovery } from './recovery-check.js';
import { parseLabel } from './trace-labels.js';
import type { TracedRun } from './traced-run.js';

export interface ExploreOptions {
  policy: StatePolicy;
  points: CrashPointKind;
  faults: readonly string[];
  prune: boolean;
  owns: (ordinal: number) => boolean;
}

export type ViolationKind = FailureKind | 'tree';

/** One violating crash state, as the explorer sees it. */
export interface StateViolation {
  point: CrashPoint;
  /** The op in flight (1-based; 0 before the first, ops+1 after the last). */
  op: number;
  /** The cleaner was running after op `op` returned. */
  settled: boolean;
  choice: string;
  lines: number[];
  kind: ViolationKind;
  detail: string[];
  /** Further states proven equivalent (same verdict) without being mounted. */
  equivalents: number;
}

export interface PointStats {
  ordinal: number;
  index: number;
  op: number;
  label: string | null;
  states: number;
  mounted: number;
  violations: number;
}

export interface ExploreStats {
  points: PointStats[];
  states: number;
  mounted: number;
  violations: number;
}

export interface InFlight {
  op: number;
  /** Op `op` had returned (the cleaner ran after it): only the state after it is valid. */
  settled: boolean;
}

interface Checked {
  recovery: Recovery;
  reads: ReadSet;
}

export function exploreStates(run: TracedRun, opts: ExploreOptions, report: (v: StateViolation) => void): ExploreStats {
  const replay = new TraceReplay(run.trace);
  const image = new DurableImage(run.trace.base, run.trace.mode);
  const opAt = opsInFlight(run);
  const limit = run.problem === null ? Infinity : run.problem.op;
  const stats: ExploreStats = { points: [], states: 0, mounted: 0, violations: 0 };
  let ref: Checked | null = null;
  for (const point of replay.points(opts.points)) {
    const { op, settled } = opAt(point.index);
    if (op >= limit) break;
    if (!opts.owns(point.ordinal)) continue;
    replay.seek(point);
    const changed = image.sync(replay.durableLines);
    const ps: PointStats = { ordinal: point.ordinal, index: point.index, op, label: point.label, states: 0, mounted: 0, violations: 0 };
    const full = (lines: ReadonlyMap<number, Uint8Array>): Checked => {
      ps.mounted++;
      const dev = image.device(lines);
      const reads = new ReadSet();
      reads.watch(dev);
      return { recovery: checkRecovery(dev, opts.faults), reads };
    };
    const record = (c: Checked, state: CrashState | null): StateViolation | null => {
      ps.states++;
      const v = verdictOf(run, c.recovery, op, settled);
      if (v === null) return null;
      ps.violations++;
      const out: StateViolation = { point, op, settled, choice: state?.choice ?? 'strict', lines: state === null ? [] : [...state.lines.keys()], ...v, equivalents: 0 };
      report(out);
      return out;
    };
    if (ref === null || !opts.prune || ref.reads.touches(changed)) ref = full(new Map());
    const strict = ref;
    const strictViolation = record(strict, null);
    for (const state of replay.states(point, opts.policy)) {
      const masks = differingWords(image, state);
      if (masks.size === 0) continue; // the strict state, judged above
      if (opts.prune && !strict.reads.touches(masks)) {
        ps.states++;
        if (strictViolation !== null) {
          ps.violations++;
          strictViolation.equivalents++;
        }
      } else record(full(state.lines), state);
    }
    stats.points.push(ps);
    stats.states += ps.states;
    stats.mounted += ps.mounted;
    stats.violations += ps.violations;
  }
  return stats;
}

/** Per line of the state, the words that differ from the durable image (empty: the strict state). */
function differingWords(image: DurableImage, state: CrashState): Map<number, number> {
  const masks = new Map<number, number>();
  for (const [line, data] of state.lines) {
    const m = image.wordDiff(line, data);
    if (m !== 0) masks.set(line, m);
  }
  return masks;
}

function verdictOf(run: TracedRun, r: Recovery, op: number, settled: boolean): { kind: ViolationKind; detail: string[] } | null {
  if (r.failure !== null) return r.failure;
  const diff = run.oracle.judge(r.tree!, op, settled);
  return diff === null ? null : { kind: 'tree', detail: diff };
}

/**
 * For each event index: the op in flight after that many events, and whether it had returned
 * (a `clean:K` phase runs after op K returned: only the state after K is valid then).
 */
export function opsInFlight(run: TracedRun): (index: number) => InFlight {
  const events = run.trace.events;
  const at: InFlight[] = [{ op: 0, settled: true }];
  let cur: InFlight = at[0]!;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const p = e.kind === 'label' ? parseLabel(e.text) : null;
    if (p !== null) cur = p.kind === 'end' ? { op: run.oracle.ops + 1, settled: true } : { op: p.k, settled: p.kind === 'clean' };
    at.push(cur);
  }
  return (index) => at[index] ?? cur;
}
