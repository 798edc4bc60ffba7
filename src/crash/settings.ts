/**
 * CampaignSettings: everything that decides which crash states a campaign explores and how,
 * resolved from the user's options (defaults filled in), plain data so it crosses to worker
 * threads and into the results database unchanged. A violation's reproducer is its workload
 * plus these settings plus its crash point and choice.
 *
 * Interface: resolveSettings(options) -> CampaignSettings; statePolicy(settings) -> the
 * pmem layer's StatePolicy; POLICIES (the names); describePolicy(settings) ("chipmunk K=2").
 *
 *   policy    bound means                    default
 *   strict    (unused)                        -
 *   chipmunk  K: in-flight stores per state   2
 *   vinter    max pending lines enumerated    4 (else 20 seeded samples per point)
 *   prefix    (unused)                        -
 *   random    states per point                10
 */
import { fsError, unreachable } from '../errno/index.js';
import type { CrashPointKind, PmemMode, StatePolicy } from '../pmem/index.js';
import { WHOLE, type Shard } from './shard.js';

export const POLICIES = ['strict', 'chipmunk', 'vinter', 'prefix', 'random'] as const;
export type PolicyName = (typeof POLICIES)[number];

/** The counts every campaign summary, stored campaign and report carries. */
export interface CampaignCounts {
  workloads: number;
  crashPoints: number;
  states: number;
  mounted: number;
  violations: number;
  seconds: number;
}

export interface CampaignSettings {
  policy: PolicyName;
  bound: number;
  points: CrashPointKind;
  seed: number;
  shard: Shard;
  /** Injected bugs (bug-catalogue.ts), passed to every mount. */
  inject: string[];
  deviceSize: number;
  logBlocks: number;
  mode: PmemMode;
  /** A checkpoint after every N-th op (0: only when the log fills), traced-run.ts. */
  checkpointEvery: number;
  /** Those checkpoints are the whole cleaner (fs.cleanSync: defragmentation moves blocks too). */
  defrag: boolean;
  /** Equivalence pruning (state-space.ts); off mounts every state. */
  prune: boolean;
  /** Violations kept with their reproducers per workload (all are counted). */
  keep: number;
}

export interface SettingsInput {
  policy?: PolicyName;
  bound?: number;
  points?: CrashPointKind;
  seed?: number;
  shard?: Shard;
  inject?: string | readonly string[];
  deviceSize?: number;
  logBlocks?: number;
  mode?: PmemMode;
  checkpointEvery?: number;
  defrag?: boolean;
  prune?: boolean;
  keep?: number;
}

/**
 * A checkpoint after every 3rd op: the 16-block log alone fills only in long workloads, and this
 * puts checkpoints (the log cleaner of this design) inside every ACE workload.
 */
export const DEFAULT_CHECKPOINT_EVERY = 3;

const DEFAULT_BOUND: Record<PolicyName, number> = { strict: 0, chipmunk: 2, vinter: 4, prefix: 0, random: 10 };

export function resolveSettings(o: SettingsInput): CampaignSettings {
  const policy = o.policy ?? 'chipmunk';
  if (!(POLICIES as readonly string[]).includes(policy)) throw fsError('EINVAL', 'crash', { detail: `unknown policy '${policy}' (${POLICIES.join(', ')})` });
  const bound = o.bound ?? DEFAULT_BOUND[policy];
  if (!Number.isSafeInteger(bound) || bound < 0) throw fsError('EINVAL', 'crash', { detail: `bound ${bound} must be a non-negative integer` });
  const points = o.points ?? 'fence';
  if (points !== 'fence' && points !== 'store') throw fsError('EINVAL', 'crash', { detail: `points must be 'fence' or 'store'` });
  const checkpointEvery = o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 0) throw fsError('EINVAL', 'crash', { detail: `checkpoint interval ${checkpointEvery} must be a non-negative integer` });
  const inject = o.inject === undefined ? [] : typeof o.inject === 'string' ? [o.inject] : [...o.inject];
  return {
    policy, bound, points, seed: o.seed ?? 1, shard: o.shard ?? WHOLE, inject,
    deviceSize: o.deviceSize ?? 8 << 20, logBlocks: o.logBlocks ?? 16, mode: o.mode ?? 'adr', checkpointEvery, defrag: o.defrag ?? false,
    prune: o.prune ?? true, keep: o.keep ?? 20,
  };
}

export function statePolicy(s: CampaignSettings): StatePolicy {
  switch (s.policy) {
    case 'strict': return { kind: 'strict' };
    case 'chipmunk': return { kind: 'chipmunk', bound: s.bound };
    case 'vinter': return { kind: 'vinter', max: s.bound, seed: s.seed };
    case 'prefix': return { kind: 'prefix' };
    case 'random': return { kind: 'random', count: s.bound, seed: s.seed };
    default: return unreachable(s.policy, 'policy');
  }
}

export function describePolicy(s: CampaignSettings): string {
  switch (s.policy) {
    case 'chipmunk': return `chipmunk K=${s.bound}`;
    case 'vinter': return `vinter max=${s.bound} seed=${s.seed}`;
    case 'random': return `random ${s.bound}/point seed=${s.seed}`;
    default: return s.policy;
  }
}
