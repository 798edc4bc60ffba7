/**
 * checkWorkload: one workload of a campaign, start to finish: the traced run with its
 * differential check (traced-run.ts), then every crash state of the points this shard owns
 * (state-space.ts). Pure computation on plain data: the main thread and worker threads both
 * call it, and its result goes to the results database as it is.
 *
 * Interface: checkWorkload(workload, index, settings) -> WorkloadResult, and the Violation type:
 * a violation carries its whole reproducer (the workload text, the settings that matter, the
 * crash point, the choice that built the state, the lines it chose, the diff).
 *
 * Violations found without a crash (the filesystem disagreed with the model while running the
 * workload: 'diverged', 'live') have no crash point (ordinal -1); the shard that owns the
 * workload's point 0 reports them.
 */
import type { CrashPointKind } from '../pmem/index.js';
import { statePolicy, type CampaignSettings } from './settings.js';
import { ownsPoint } from './shard.js';
import { exploreStates, type PointStats, type StateViolation, type ViolationKind } from './state-space.js';
import { runTraced, type RunStatus } from './traced-run.js';
import { formatOp, formatWorkload, type Workload } from './workload.js';

export interface Violation {
  workload: string;
  workloadIndex: number;
  workloadText: string;
  pointKind: CrashPointKind;
  /** Crash point ordinal among the points of its kind (-1: found without a crash). */
  pointOrdinal: number;
  /** Trace events applied before the crash. */
  eventIndex: number;
  /** The op in flight (1-based, 0 before the first, ops+1 after the last) and its text. */
  op: number;
  opText: string;
  label: string | null;
  choice: string;
  lines: number[];
  kind: ViolationKind | 'diverged' | 'live';
  detail: string[];
  /** Further states with the same verdict, proven equivalent without mounting them. */
  equivalents: number;
}

export interface WorkloadResult {
  index: number;
  name: string;
  text: string;
  ops: number;
  status: RunStatus;
  problem: string | null;
  crashPoints: number;
  states: number;
  mounted: number;
  violations: number;
  points: PointStats[];
  /** At most settings.keep violations, with reproducers. */
  kept: Violation[];
  seconds: number;
}

export function checkWorkload(w: Workload, index: number, s: CampaignSettings): WorkloadResult {
  const t0 = performance.now();
  const text = formatWorkload(w);
  const opText = (k: number) => (k >= 1 && k <= w.ops.length ? formatOp(w.ops[k - 1]!) : k === 0 ? '(before the first op)' : '(after the last op)');
  const kept: Violation[] = [];
  const base = { workload: w.name, workloadIndex: index, workloadText: text, pointKind: s.points };
  const run = runTraced(w, { deviceSize: s.deviceSize, logBlocks: s.logBlocks, mode: s.mode, faults: s.inject, checkpointEvery: s.checkpointEvery, defrag: s.defrag });
  let violations = 0;
  const p = run.problem;
  if ((run.status === 'diverged' || run.status === 'live') && p !== null && ownsPoint(s.shard, index, 0)) {
    violations++;
    kept.push({ ...base, pointOrdinal: -1, eventIndex: -1, op: p.op, opText: p.text, label: null, choice: 'no crash', lines: [], kind: run.status, detail: p.detail, equivalents: 0 });
  }
  const found: StateViolation[] = [];
  const stats = exploreStates(run, {
    policy: statePolicy(s), points: s.points, faults: s.inject, prune: s.prune, owns: (ordinal) => ownsPoint(s.shard, index, ordinal),
  }, (v) => {
    if (found.length < s.keep) found.push(v);
  });
  for (const v of found) {
    kept.push({
      ...base, pointOrdinal: v.point.ordinal, eventIndex: v.point.index, op: v.op, opText: `${v.settled && v.op <= w.ops.length ? 'the cleaner after ' : ''}${opText(v.op)}`, label: v.point.label,
      choice: v.choice, lines: v.lines, kind: v.kind, detail: v.detail, equivalents: v.equivalents,
    });
  }
  return {
    index, name: w.name, text, ops: w.ops.length, status: run.status,
    problem: p === null ? null : `op ${p.op} (${p.text}): ${p.detail.join('; ')}`,
    crashPoints: stats.points.length, states: stats.states, mounted: stats.mounted, violations: violations + stats.violations,
    points: stats.points, kept: kept.slice(0, s.keep), seconds: (performance.now() - t0) / 1000,
  };
}
