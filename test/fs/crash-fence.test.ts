/**
 * The crash oracle at every fence: run a workload with the device trace on, then at every
 * fence (strict and chipmunk K=2 states) recover and check: fsck is clean, the tree equals the
 * tree before or after the operation in flight, and a file can be created and deleted in every
 * directory. The trace labels each operation "op:K".
 */
import { describe, expect, it } from 'vitest';
import {
  COPYFILE_FICLONE_FORCE, FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE, PmemDevice, TraceReplay, fsck, mkfs, mount, type Filesystem, type StatePolicy,
} from '../../src/index.js';
import { pattern, snapshot } from './helpers.js';

type Op = (fs: Filesystem) => void;

const write = (p: string, off: number, len: number, seed: number): Op => (fs) => {
  const fd = fs.openSync(p, 'r+');
  try {
    fs.writeSync(fd, pattern(len, seed), 0, len, off);
  } finally {
    fs.closeSync(fd);
  }
};
const falloc = (p: string, mode: number, off: number, len: number): Op => (fs) => {
  const fd = fs.openSync(p, 'r+');
  try {
    fs.fallocateSync(fd, mode, off, len);
  } finally {
    fs.closeSync(fd);
  }
};

const WORKLOADS: Record<string, Op[]> = {
  'append-fsync': [(fs) => fs.writeFileSync('/log', ''), write('/log', 0, 4096, 1), write('/log', 4096, 4096, 2), write('/log', 8192, 100, 3)],
  'dir-tree': [
    (fs) => fs.mkdirSync('/a'), (fs) => fs.mkdirSync('/a/b'), (fs) => fs.writeFileSync('/a/b/f', pattern(10000, 7)),
    (fs) => fs.renameSync('/a/b', '/c'), (fs) => fs.linkSync('/c/f', '/a/g'), (fs) => fs.unlinkSync('/c/f'), (fs) => fs.rmdirSync('/c'),
  ],
  'reflink-cow': [
    (fs) => fs.writeFileSync('/src', pattern(128 * 1024, 11)), (fs) => fs.copyFileSync('/src', '/dst', COPYFILE_FICLONE_FORCE),
    write('/dst', 64 * 1024, 4096, 12), falloc('/src', FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 32 * 1024), (fs) => fs.unlinkSync('/src'),
  ],
  sparse: [
    (fs) => fs.writeFileSync('/s', ''), (fs) => fs.truncateSync('/s', 1 << 20), write('/s', 512 * 1024, 4096, 5),
    falloc('/s', FALLOC_FL_KEEP_SIZE, 1 << 20, 256 * 1024), falloc('/s', FALLOC_FL_ZERO_RANGE, 0, 8192), (fs) => fs.truncateSync('/s', 300000),
  ],
  'shift-and-rename-over': [
    (fs) => fs.writeFileSync('/x', pattern(64 * 1024, 21)), falloc('/x', FALLOC_FL_COLLAPSE_RANGE, 8192, 8192),
    falloc('/x', FALLOC_FL_INSERT_RANGE, 4096, 12288), (fs) => fs.writeFileSync('/y', 'old'), (fs) => fs.renameSync('/x', '/y'),
    (fs) => fs.symlinkSync('/y', '/l'), (fs) => fs.setxattrSync('/y', 'user.a', 'v'), (fs) => fs.removexattrSync('/y', 'user.a'),
  ],
  'unaligned-overwrite': [(fs) => fs.writeFileSync('/u', pattern(10000, 31)), write('/u', 4000, 200, 32), write('/u', 9999, 5000, 33)],
};

function runTraced(ops: Op[], mode: 'adr' | 'eadr') {
  const dev = PmemDevice.create({ size: 8 << 20, mode });
  mkfs(dev, { logBlocks: 64 });
  const fs = mount(dev);
  const trees = [snapshot(fs)];
  dev.startTrace();
  ops.forEach((op, k) => {
    dev.label(`op:${k + 1}`);
    op(fs);
    trees.push(snapshot(fs));
  });
  dev.label('end');
  return { trace: dev.stopTrace(), trees };
}

function opInFlight(label: string | null, lastOp: number): number {
  if (label === null) return 0;
  const m = /^op:(\d+)$/.exec(label);
  return m === null ? lastOp : Number(m[1]);
}

function usable(fs: Filesystem): void {
  const dirs = ['/', ...Object.entries(snapshot(fs)).filter(([, v]) => v.startsWith('dir')).map(([p]) => p)];
  for (const d of dirs) {
    const p = d === '/' ? '/.probe' : `${d}/.probe`;
    fs.writeFileSync(p, 'x');
    fs.unlinkSync(p);
  }
}

function check(ops: Op[], policy: StatePolicy, mode: 'adr' | 'eadr') {
  const { trace, trees } = runTraced(ops, mode);
  const replay = new TraceReplay(trace);
  let states = 0;
  // The filesystem labels its own commits; the op in flight is the last "op:K" label.
  const opAt: Array<string | null> = [];
  let last: string | null = null;
  for (const e of trace.events) {
    if (e.kind === 'label' && (e.text.startsWith('op:') || e.text === 'end')) last = e.text;
    opAt.push(last);
  }
  for (const point of replay.points('fence')) {
    const k = opInFlight(point.index === 0 ? null : opAt[point.index - 1]!, ops.length);
    for (const state of replay.states(point, policy)) {
      states++;
      const dev = replay.materialize(state);
      const report = fsck(dev);
      expect(report.findings, `fsck at fence ${point.ordinal} (${state.choice})`).toEqual([]);
      const fs = mount(dev);
      const tree = snapshot(fs);
      const before = trees[Math.max(0, k - 1)]!;
      const after = trees[Math.min(k, trees.length - 1)]!;
      const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);
      if (!same(tree, before) && !same(tree, after)) {
        expect({ point: point.ordinal, label: point.label, choice: state.choice, tree }).toEqual({ point: point.ordinal, label: point.label, choice: state.choice, tree: after });
      }
      usable(fs);
    }
  }
  return states;
}

describe('crash at every fence', () => {
  for (const [name, ops] of Object.entries(WORKLOADS)) {
    it(`${name}: strict and chipmunk K=2 states recover to before or after the op`, () => {
      expect(check(ops, { kind: 'chipmunk', bound: 2 }, 'adr')).toBeGreaterThan(ops.length);
    });
  }
  it('prefix states (8-byte tearing of pending lines) on a small workload', () => {
    expect(check(WORKLOADS['dir-tree']!, { kind: 'prefix' }, 'adr')).toBeGreaterThan(10);
  });
  it('eADR: every store durable, crash at every store boundary via fences', () => {
    expect(check(WORKLOADS['append-fsync']!, { kind: 'strict' }, 'eadr')).toBeGreaterThan(2);
  });
});
