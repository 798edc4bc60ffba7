/**
 * `pmemfs crash gen`: write generated workloads as .wl files and say how many.
 *
 *   --ace seq-1|seq-2|seq-3 --out DIR [--sample N] [--seed S]
 *       ACE-style bounded exhaustive workloads (crash/ace.ts): all of the level, or a seeded
 *       sample of N of them (the same N for the same seed)
 *   --random N --seed S --out DIR [--count C]
 *       C (default 1) long random workloads of N ops each, seeds S, S+1, ...
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aceWorkload, countAce, formatWorkload, generateRandom, sampleIndices, type AceLevel, type Workload } from '../../crash/index.js';
import { UsageError } from '../exit-status.js';

export interface GenFlags {
  ace?: string;
  random?: number;
  seed?: number;
  out: string;
  sample?: number;
  count?: number;
  json?: boolean;
}

export function crashGen(f: GenFlags): void {
  if ((f.ace === undefined) === (f.random === undefined)) throw new UsageError('give exactly one of --ace LEVEL and --random N');
  mkdirSync(f.out, { recursive: true });
  let written = 0;
  const put = (w: Workload): void => {
    writeFileSync(join(f.out, `${w.name}.wl`), formatWorkload(w));
    written++;
  };
  let what: string;
  if (f.ace !== undefined) {
    const level = aceLevel(f.ace);
    const total = countAce(level);
    const indices = f.sample === undefined ? null : sampleIndices(total, f.sample, f.seed ?? 1);
    if (indices === null) for (let i = 0; i < total; i++) put(aceWorkload(level, i));
    else for (const i of indices) put(aceWorkload(level, i));
    what = `ACE seq-${level} (${total.toLocaleString('en')} in all${indices === null ? '' : `; a sample with seed ${f.seed ?? 1}`})`;
  } else {
    const n = f.random!;
    const seed = f.seed ?? 1;
    const count = f.count ?? 1;
    for (let c = 0; c < count; c++) put(generateRandom(n, seed + c));
    what = `random, ${n} ops each, seeds ${seed}..${seed + count - 1}`;
  }
  if (f.json === true) process.stdout.write(`${JSON.stringify({ written, out: f.out, what })}\n`);
  else process.stdout.write(`wrote ${written.toLocaleString('en')} workload(s) to ${f.out}: ${what}\n`);
}

function aceLevel(text: string): AceLevel {
  const m = /^(?:seq-?)?([123])$/.exec(text);
  if (m === null) throw new UsageError(`--ace takes seq-1, seq-2 or seq-3, not '${text}'`);
  return Number(m[1]) as AceLevel;
}
