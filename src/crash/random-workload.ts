/**
 * Long random workloads (`pmemfs crash gen --random N --seed S`), in the spirit of fsx: a seeded
 * stream of every operation of the language over a small namespace, generated against a Model so
 * that the result is valid: an op the model accepts is kept; an op it refuses is kept with its
 * error as `=> CODE` one time in ten (error paths must be atomic too) and dropped otherwise.
 * The workload starts by creating the directories and the first three files.
 *
 * Namespace: directories /d0, /d1, /d0/d2; files /f0, /f1, /d0/f2, /d0/f3, /d1/f4, /d0/d2/f5;
 * symlink names /l0, /d1/l1. Offsets and lengths mix block-aligned and unaligned values below
 * 64 KiB, so fallocate modes, clone and dedupe hit both their success and their EINVAL cases.
 *
 * Interface: `generateRandom(n, seed)` → a Workload of n ops followed by the munmap/unseal lines
 * that release what is still held. Deterministic in (n, seed).
 */
import { unreachable } from '../errno/index.js';
import { prng, type Prng } from '../pmem/index.js';
import { WorkloadBuilder } from './workload-builder.js';
import type { OpBody, OpKind, SealMode, Workload } from './workload.js';

const DIRS = ['/d0', '/d1', '/d0/d2'];
const FILES = ['/f0', '/f1', '/d0/f2', '/d0/f3', '/d1/f4', '/d0/d2/f5'];
const LINKS = ['/l0', '/d1/l1'];
const ANY = [...DIRS, ...FILES, ...LINKS];
const K = 4096;
/** How often a refused op is kept (with `=> CODE`) rather than dropped. */
const KEEP_FAILURE = 0.1;

const WEIGHTS: ReadonlyArray<[OpKind, number]> = [
  ['write', 18], ['mwrite', 4], ['truncate', 6], ['falloc', 4], ['punch', 4], ['zero', 4],
  ['collapse', 3], ['insert', 3], ['creat', 6], ['mkdir', 4], ['rmdir', 2], ['unlink', 4],
  ['link', 3], ['symlink', 2], ['rename', 6], ['reflink', 3], ['clone', 4], ['dedupe', 3],
  ['setxattr', 3], ['removexattr', 2], ['fsync', 3], ['fdatasync', 1], ['sync', 1],
  ['mmap', 3], ['msync', 2], ['munmap', 2], ['seal', 2], ['unseal', 2],
];
const TOTAL = WEIGHTS.reduce((n, [, w]) => n + w, 0);

/** Draws for one generator: paths, offsets and lengths. */
class Draw {
  constructor(readonly r: Prng) {}
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.r.int(xs.length)];
    if (x === undefined) throw new RangeError('pick from an empty list');
    return x;
  }
  chance(p: number): boolean {
    return this.r.next() < p;
  }
  offset(): number {
    return this.chance(0.6) ? this.r.int(16) * K : this.r.int(16 * K);
  }
  length(): number {
    return this.chance(0.6) ? (1 + this.r.int(4)) * K : 1 + this.r.int(9000);
  }
  kind(): OpKind {
    let x = this.r.int(TOTAL);
    for (const [k, w] of WEIGHTS) if ((x -= w) < 0) return k;
    return 'sync';
  }
}

function rangeOp(d: Draw, kind: 'punch' | 'collapse' | 'insert' | 'falloc' | 'zero'): OpBody {
  const path = d.pick(FILES);
  const offset = d.offset();
  const length = d.length();
  if (kind === 'falloc' || kind === 'zero') return { kind, path, offset, length, keepSize: d.chance(0.5) };
  return { kind, path, offset, length };
}

function mappedOp(d: Draw, b: WorkloadBuilder, kind: 'mwrite' | 'msync'): OpBody {
  const maps = b.model.mappings();
  if (maps.length === 0 || d.chance(0.05)) return { kind: 'mwrite', path: d.pick(FILES), offset: 0, length: 1, seed: 1 };
  const m = d.pick(maps);
  const offset = m.offset + d.r.int(m.length);
  const length = 1 + d.r.int(m.offset + m.length - offset);
  return kind === 'mwrite' ? { kind, path: m.name, offset, length, seed: 1 + d.r.int(1000) } : { kind, path: m.name, offset, length };
}

function sealOp(d: Draw): OpBody {
  const path = d.pick(FILES);
  const mode: SealMode = d.chance(0.5) ? 'fail' : 'lease';
  if (d.chance(0.5)) return { kind: 'seal', path, mode };
  return { kind: 'seal', path, range: { offset: d.offset(), length: d.length() }, mode };
}

function remapOp(d: Draw, kind: 'clone' | 'dedupe'): OpBody {
  const length = d.chance(0.2) ? 0 : d.length();
  return { kind, src: d.pick(FILES), srcOffset: d.offset(), dst: d.pick(FILES), dstOffset: d.offset(), length };
}

function mmapOp(d: Draw, b: WorkloadBuilder): OpBody {
  const path = d.pick(FILES);
  const size = b.sizeOf(path);
  const length = size > 0 ? 1 + d.r.int(size) : K;
  return { kind: 'mmap', path, offset: 0, length, direct: d.chance(0.3), sync: d.chance(0.5) };
}

function drawOp(d: Draw, b: WorkloadBuilder, j: number): OpBody {
  const kind = d.kind();
  switch (kind) {
    case 'write': return { kind, path: d.pick(FILES), offset: d.offset(), length: d.length(), seed: 10 + j };
    case 'truncate': return { kind, path: d.pick(FILES), length: d.chance(0.3) ? 0 : d.offset() + d.r.int(K) };
    case 'falloc': case 'punch': case 'zero': case 'collapse': case 'insert': return rangeOp(d, kind);
    case 'creat': return { kind, path: d.pick(FILES) };
    case 'mkdir': case 'rmdir': return { kind, path: d.pick(DIRS) };
    case 'unlink': return { kind, path: d.pick(ANY) };
    case 'link': return { kind, oldPath: d.pick(FILES), newPath: d.pick([...FILES, ...LINKS]) };
    case 'symlink': return { kind, target: d.pick([...ANY, 'f0', '../f1', '/nowhere']), path: d.pick(LINKS) };
    case 'rename': return { kind, oldPath: d.pick(ANY), newPath: d.pick(ANY) };
    case 'reflink': return { kind, src: d.pick(FILES), dst: d.pick(FILES) };
    case 'clone': case 'dedupe': return remapOp(d, kind);
    case 'setxattr': return { kind, path: d.pick(ANY), name: d.pick(['user.a', 'user.b']), value: `v${j}` };
    case 'removexattr': return { kind, path: d.pick(ANY), name: d.pick(['user.a', 'user.b']) };
    case 'fsync': case 'fdatasync': return { kind, path: d.pick(ANY) };
    case 'sync': return { kind };
    case 'mmap': return mmapOp(d, b);
    case 'mwrite': case 'msync': return mappedOp(d, b, kind);
    case 'munmap': return { kind, path: b.model.mappings()[0]?.name ?? d.pick(FILES) };
    case 'seal': return sealOp(d);
    case 'unseal': return { kind, path: b.model.seals(true).find((s) => s.holder.kind === 'seal')?.holder.name ?? d.pick(FILES) };
    default: return unreachable(kind, 'op kind');
  }
}

/** n valid ops (the first 6 create the namespace; releases follow), deterministic in (n, seed). */
export function generateRandom(n: number, seed: number): Workload {
  const d = new Draw(prng(seed));
  const b = new WorkloadBuilder();
  for (const path of DIRS) b.setup({ kind: 'mkdir', path });
  for (const path of FILES.slice(0, 3)) b.setup({ kind: 'creat', path });
  for (let tries = 0; b.length < n && tries < 50 * n + 100; tries++) {
    const op = drawOp(d, b, b.length);
    b.tryOp(op, d.chance(KEEP_FAILURE));
  }
  b.releaseAll();
  return b.finish(`random-${seed}-${n}`);
}
