/**
 * ACE-style bounded exhaustive workload generation (CrashMonkey/ACE, OSDI'18): every sequence of
 * 1, 2 or 3 core operations, each with one of a bounded set of argument choices, each followed
 * by one of three persistence choices, with the setup each op needs prepended just before it.
 *
 * File set (as ACE): /foo, /A/foo, /bar, /A/bar, /A/C/bar; directories /A and /A/C.
 * Bounded choices (ACE_CORE in ace-choices.ts, 49 in all). Data ops use the two "data files"
 * /foo and /A/foo, which setup fills to 16 KiB when they are shorter than the op needs:
 *
 *   creat      each of the 5 files                                                   5
 *   mkdir      /A, /A/C                                                              2
 *   write      append 4k at EOF, overwrite [0,4k), unaligned [3000,5000) × 2 files   6
 *   fallocate  falloc 12k+8k, falloc keep 16k+16k, punch 4k+4k, zero 2000+4000,
 *              zero keep 14k+8k, collapse 4k+4k, insert 4k+4k × 2 files             14
 *   truncate   to 1000 (shrink, unaligned), to 20000 (grow) × 2 files                4
 *   link       /foo → /bar (same dir), /A/foo → /A/C/bar (across dirs)              2
 *   unlink     /foo, /A/C/bar                                                        2
 *   rename     /foo → /bar, /foo → /A/bar, /A/foo → /foo (over a file), /A/C → /B     4
 *   symlink    ../foo at /A/bar                                                      1
 *   setxattr / removexattr   user.ace on /foo                                       1 + 1
 *   reflink    /foo → /bar                                                           1
 *   clone      /foo [0,8k) → /A/foo@4k;  /A/foo from 4k to EOF → /foo@0             2
 *   dedupe     equal [0,4k) of /foo and /bar;  different: /foo@0 vs /A/foo@4k       2
 *   mwrite     [0,4k) of each data file through a MAP_SYNC mapping of [0,16k)        2
 *
 * Persistence after each op: nothing, `sync`, or fsync of a related path (the file, the new
 * name, the parent directory of a removed name; for mwrite, `msync` of the written range).
 * So level k yields (49 × 3)^k workloads: seq-1 147, seq-2 21,609, seq-3 3,176,523.
 *
 * Setup (mkdir of parents, creat and fill, setxattr before removexattr, mmap before mwrite) is
 * computed against a Model of the workload so far; an op that is still refused after its setup
 * (say mkdir /A after an earlier op created /A/foo) carries its error as `=> CODE`, so every
 * workload runs on the model without an unexpected error. Mappings are unmapped at the end.
 * Seeds: the op at position j (0-based) writes with seed 10+j; its setup fills file number i of
 * the file set with seed 100+10j+i, so data moved or cloned between files is recognisable.
 *
 * Interface: `generateAce(level)`, `countAce(level)`, `aceWorkload(level, index)` (random
 * access, for sampling and sharding), `ACE_CHOICES` (the choice ids). The choice table itself is
 * in ace-choices.ts.
 */
import { assert } from '../errno/index.js';
import { ACE_CORE, type Choice, type Related } from './ace-choices.js';
import { WorkloadBuilder } from './workload-builder.js';
import type { Workload } from './workload.js';

export type AceLevel = 1 | 2 | 3;

const PERSIST = ['none', 'sync', 'fsync'] as const;
type Persist = (typeof PERSIST)[number];

/** The ids of the core choices, in enumeration order. */
export const ACE_CHOICES: readonly string[] = ACE_CORE.map((c) => c.id);

const PER_STEP = ACE_CORE.length * PERSIST.length;

export function countAce(level: AceLevel): number {
  return PER_STEP ** level;
}

function persist(b: WorkloadBuilder, how: Persist, related: Related): void {
  if (how === 'none') return;
  if (how === 'sync') return void b.attempt({ kind: 'sync' });
  if (typeof related === 'string') return void b.attempt({ kind: 'fsync', path: related });
  const [path, offset, length] = related.msync;
  b.attempt({ kind: 'msync', path, offset, length });
}

/** The index-th workload of a level (0 ≤ index < countAce(level)). */
export function aceWorkload(level: AceLevel, index: number): Workload {
  assert(Number.isInteger(index) && index >= 0 && index < countAce(level), `ace index ${index} out of range`);
  const b = new WorkloadBuilder();
  const ids: string[] = [];
  let rest = index;
  const steps: Array<[Choice, Persist]> = [];
  for (let j = 0; j < level; j++) {
    const digit = rest % PER_STEP;
    rest = Math.floor(rest / PER_STEP);
    steps.unshift([ACE_CORE[Math.floor(digit / PERSIST.length)]!, PERSIST[digit % PERSIST.length]!]);
  }
  steps.forEach(([choice, how], j) => {
    const { op, related } = choice.run(b, j);
    b.attempt(op);
    persist(b, how, related);
    ids.push(how === 'none' ? choice.id : `${choice.id}.${how}`);
  });
  b.releaseAll();
  const width = String(countAce(level) - 1).length;
  return b.finish(`seq${level}-${String(index).padStart(width, '0')}-${ids.join('+')}`);
}

/** Every workload of a level, in index order (lazily: seq-3 has millions). */
export function* generateAce(level: AceLevel): Generator<Workload> {
  const n = countAce(level);
  for (let i = 0; i < n; i++) yield aceWorkload(level, i);
}
