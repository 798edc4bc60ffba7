/**
 * Shards: a deterministic split of a campaign's state space, so a campaign can fan out over
 * machines (a Kubernetes indexed Job, a CI matrix) and be merged afterwards (results-db.ts).
 *
 * Interface:
 *   parseShard('2/8') -> { index: 2, count: 8 }      index from 0; EINVAL otherwise
 *   ownsPoint(shard, workloadIndex, ordinal)          does this shard check that crash point?
 *
 * The unit is a crash point of a workload: point p of workload w belongs to shard
 * (mix(w) + p) mod N. Every shard runs every workload (the traced run is cheap next to its
 * states) and checks only its points, so the shards are disjoint, their union is the whole
 * campaign, and consecutive points of one workload land on different shards (balance). The
 * assignment depends only on (w, p, N): the same on every machine and every run.
 */
import { fsError } from '../errno/index.js';

export interface Shard {
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m === null ? NaN : Number(m[1]);
  const count = m === null ? NaN : Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw fsError('EINVAL', 'shard', { detail: `'${text}' is not I/N with 0 <= I < N` });
  }
  return { index, count };
}

/** Workload indices spread over the shards (Knuth's multiplicative hash). */
function mix(workloadIndex: number): number {
  return Math.imul(workloadIndex + 1, 0x9e3779b1) >>> 0;
}

export function ownsPoint(shard: Shard, workloadIndex: number, ordinal: number): boolean {
  if (shard.count === 1) return true;
  return (mix(workloadIndex) % shard.count + ordinal) % shard.count === shard.index;
}
