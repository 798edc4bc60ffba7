/**
 * The bounded choices of the ACE generator (ace.ts): each core operation with its arguments and
 * the setup that makes it valid on the workload so far. The table is documented in ace.ts.
 *
 * Interface: `ACE_CORE` (49 choices, in enumeration order), the `Choice` type.
 * Invariants: a choice's setup only emits ops that succeed on the model (WorkloadBuilder asserts
 * it); the op itself may still be refused (its error then becomes `=> CODE`); ids are unique and
 * safe in file names.
 */
import { WorkloadBuilder, parentOf } from './workload-builder.js';
import type { OpBody } from './workload.js';

const K = 1024;
const DATA_FILES = ['/foo', '/A/foo'] as const;
const ALL_FILES = ['/foo', '/A/foo', '/bar', '/A/bar', '/A/C/bar'] as const;
/** What a data op's file holds at least after setup. */
const FILL = 16 * K;

/** What persists an op's effect: fsync of a path, or msync of a mapped range. */
export type Related = string | { msync: [path: string, offset: number, length: number] };

/** One core op: `run` emits its setup on the builder and returns the op (the j-th of its workload). */
export interface Choice {
  id: string;
  run(b: WorkloadBuilder, j: number): { op: OpBody; related: Related };
}

const tag = (p: string) => p.slice(1).replace(/\//g, '_');

/** Setup data of op j for a file: distinct per file, so moved or cloned data is recognisable. */
const FILE_INDEX = new Map<string, number>(ALL_FILES.map((p, i) => [p, i]));
const fillSeed = (j: number, path: string) => 100 + 10 * j + (FILE_INDEX.get(path) ?? 0);

function creatChoice(path: string): Choice {
  return {
    id: `creat-${tag(path)}`,
    run: (b) => {
      b.ensureDir(parentOf(path));
      return { op: { kind: 'creat', path }, related: path };
    },
  };
}

function mkdirChoice(path: string): Choice {
  return {
    id: `mkdir-${tag(path)}`,
    run: (b) => {
      b.ensureDir(parentOf(path));
      b.ensureAbsent(path);
      return { op: { kind: 'mkdir', path }, related: path };
    },
  };
}

function writeChoices(path: string): Choice[] {
  const mk = (variant: string, min: number, at: (b: WorkloadBuilder) => [number, number]): Choice => ({
    id: `write-${variant}-${tag(path)}`,
    run: (b, j) => {
      b.ensureFile(path, min, fillSeed(j, path));
      const [offset, length] = at(b);
      return { op: { kind: 'write', path, offset, length, seed: 10 + j }, related: path };
    },
  });
  return [
    mk('append', 0, (b) => [b.sizeOf(path), 4 * K]),
    mk('overwrite', 8 * K, () => [0, 4 * K]),
    mk('unaligned', 8 * K, () => [3000, 2000]),
  ];
}

type RangeOp = 'falloc' | 'punch' | 'zero' | 'collapse' | 'insert';

function fallocChoices(path: string): Choice[] {
  const mk = (kind: RangeOp, offset: number, length: number, keepSize: boolean): Choice => ({
    id: `${kind}${keepSize && kind !== 'punch' ? '-keep' : ''}-${tag(path)}`,
    run: (b, j) => {
      b.ensureFile(path, FILL, fillSeed(j, path));
      const op: OpBody =
        kind === 'falloc' || kind === 'zero' ? { kind, path, offset, length, keepSize } : { kind, path, offset, length };
      return { op, related: path };
    },
  });
  return [
    mk('falloc', 12 * K, 8 * K, false),
    mk('falloc', 16 * K, 16 * K, true),
    mk('punch', 4 * K, 4 * K, true),
    mk('zero', 2000, 4000, false),
    mk('zero', 14 * K, 8 * K, true),
    mk('collapse', 4 * K, 4 * K, false),
    mk('insert', 4 * K, 4 * K, false),
  ];
}

function truncateChoices(path: string): Choice[] {
  return [1000, 20000].map((length): Choice => ({
    id: `truncate-${length}-${tag(path)}`,
    run: (b, j) => {
      b.ensureFile(path, FILL, fillSeed(j, path));
      return { op: { kind: 'truncate', path, length }, related: path };
    },
  }));
}

function linkChoice(oldPath: string, newPath: string): Choice {
  return {
    id: `link-${tag(oldPath)}-${tag(newPath)}`,
    run: (b, j) => {
      b.ensureFile(oldPath, 0, fillSeed(j, oldPath));
      b.ensureDir(parentOf(newPath));
      b.ensureAbsent(newPath);
      return { op: { kind: 'link', oldPath, newPath }, related: newPath };
    },
  };
}

function unlinkChoice(path: string): Choice {
  return {
    id: `unlink-${tag(path)}`,
    run: (b, j) => {
      if (b.kindOf(path) === 'missing') b.ensureFile(path, 0, fillSeed(j, path));
      return { op: { kind: 'unlink', path }, related: parentOf(path) };
    },
  };
}

function renameChoice(oldPath: string, newPath: string, how: 'file' | 'over' | 'dir'): Choice {
  return {
    id: `rename-${tag(oldPath)}-${tag(newPath)}`,
    run: (b, j) => {
      if (how === 'dir') {
        b.ensureFile(`${oldPath}/bar`, 0, fillSeed(j, oldPath));
        b.ensureAbsent(newPath);
      } else {
        b.ensureFile(oldPath, 0, fillSeed(j, oldPath));
        if (how === 'over') b.ensureDistinct(oldPath, newPath, 0, (p) => fillSeed(j, p));
        else b.ensureDir(parentOf(newPath));
      }
      return { op: { kind: 'rename', oldPath, newPath }, related: newPath };
    },
  };
}

/** The core choices, in enumeration order. */
export const ACE_CORE: readonly Choice[] = [
  ...ALL_FILES.map(creatChoice),
  mkdirChoice('/A'),
  mkdirChoice('/A/C'),
  ...DATA_FILES.flatMap(writeChoices),
  ...DATA_FILES.flatMap(fallocChoices),
  ...DATA_FILES.flatMap(truncateChoices),
  linkChoice('/foo', '/bar'),
  linkChoice('/A/foo', '/A/C/bar'),
  unlinkChoice('/foo'),
  unlinkChoice('/A/C/bar'),
  renameChoice('/foo', '/bar', 'file'),
  renameChoice('/foo', '/A/bar', 'file'),
  renameChoice('/A/foo', '/foo', 'over'),
  renameChoice('/A/C', '/B', 'dir'),
  ...remainingChoices(),
];

function remainingChoices(): Choice[] {
  return [
    {
      id: 'symlink-A_bar',
      run: (b) => {
        b.ensureDir('/A');
        b.ensureAbsent('/A/bar');
        return { op: { kind: 'symlink', target: '../foo', path: '/A/bar' }, related: '/A' };
      },
    },
    {
      id: 'setxattr-foo',
      run: (b, j) => {
        b.ensureFile('/foo', 0, fillSeed(j, '/foo'));
        return { op: { kind: 'setxattr', path: '/foo', name: 'user.ace', value: `v${j}` }, related: '/foo' };
      },
    },
    {
      id: 'removexattr-foo',
      run: (b, j) => {
        b.ensureFile('/foo', 0, fillSeed(j, '/foo'));
        b.ensureXattr('/foo', 'user.ace', `s${j}`);
        return { op: { kind: 'removexattr', path: '/foo', name: 'user.ace' }, related: '/foo' };
      },
    },
    {
      id: 'reflink-foo-bar',
      run: (b, j) => {
        b.ensureDistinct('/foo', '/bar', 8 * K, (p) => fillSeed(j, p));
        return { op: { kind: 'reflink', src: '/foo', dst: '/bar' }, related: '/bar' };
      },
    },
    remapChoice('clone', '/foo', 0, '/A/foo', 4 * K, 8 * K),
    remapChoice('clone', '/A/foo', 4 * K, '/foo', 0, 0),
    {
      id: 'dedupe-same-foo-bar',
      run: (b, j) => {
        b.ensureSameBytes('/foo', '/bar', 4 * K, fillSeed(j, '/foo'));
        return { op: { kind: 'dedupe', src: '/foo', srcOffset: 0, dst: '/bar', dstOffset: 0, length: 4 * K }, related: '/bar' };
      },
    },
    remapChoice('dedupe', '/foo', 0, '/A/foo', 4 * K, 4 * K),
    ...DATA_FILES.map(mwriteChoice),
  ];
}

function remapChoice(kind: 'clone' | 'dedupe', src: string, srcOffset: number, dst: string, dstOffset: number, length: number): Choice {
  return {
    id: `${kind}-${tag(src)}-${tag(dst)}`,
    run: (b, j) => {
      b.ensureDistinct(src, dst, FILL, (p) => fillSeed(j, p));
      return { op: { kind, src, srcOffset, dst, dstOffset, length }, related: dst };
    },
  };
}

function mwriteChoice(path: string): Choice {
  return {
    id: `mwrite-${tag(path)}`,
    run: (b, j) => {
      b.ensureMapped(path, FILL, fillSeed(j, path));
      return { op: { kind: 'mwrite', path, offset: 0, length: 4 * K, seed: 10 + j }, related: { msync: [path, 0, 4 * K] } };
    },
  };
}
