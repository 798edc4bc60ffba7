/**
 * sampleIndices: a seeded sample of workload indices, for running part of a big generated level
 * (ACE seq-2 has 21,609 workloads, seq-3 over 3 million): `crash gen --ace seq-2 --sample 100
 * --seed 7` and the bounded CI campaigns. The same (total, n, seed) always gives the same sample.
 *
 * Interface: sampleIndices(total, n, seed) -> min(n, total) distinct indices below total, ascending.
 */
import { prng } from '../pmem/index.js';

/** Floyd's algorithm: n draws, no rejection, uniform over the n-subsets. */
export function sampleIndices(total: number, n: number, seed: number): number[] {
  const r = prng(seed);
  const chosen = new Set<number>();
  for (let j = total - Math.min(n, total); j < total; j++) {
    const t = r.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}
