/**
 * fsx-style differential test: seeded random workloads (every operation of the workload
 * language: writes, truncates, every fallocate mode, clone, dedupe, reflink, rename, link,
 * unlink, mkdir, rmdir, xattrs, mappings and seals) run on pmemfs and on the reference model,
 * comparing every outcome (success or the exact error code) and, every few operations, every
 * file's type, size, contents, link count, symlink target and xattrs.
 * CI runs FSX_OPS operations in total (default 20,000); `npm run soak` runs a million.
 *
 * DAX operations (mmap, mwrite, msync, munmap, seal, unseal) are included: stores through a
 * mapping are compared too, including stores through a revoked view, which reach the file only
 * in blocks another live pin has held since the revocation (docs/SEALS.md, model-alias.ts).
 * Bytes stored through a view and not yet msync'ed are the model's "uncertain" bytes and are not
 * compared. FSX_DAX=0 leaves the DAX operations out.
 */
import { describe, expect, it } from 'vitest';
import { Model, captureTree, diffTrees, generateRandom, type FsLike } from '../../src/crash/index.js';
import { WorkloadRunner } from '../../src/crash/runner.js';
import { fsck } from '../../src/index.js';
import { freshFs } from './helpers.js';

const TOTAL = Number(process.env.FSX_OPS ?? 20_000);
const DAX = process.env.FSX_DAX !== '0';
const DAX_OPS = new Set(['mmap', 'mwrite', 'msync', 'munmap', 'seal', 'unseal']);
const PER_RUN = 2_000;
const CHECK_EVERY = 25;

function fsx(seed: number, n: number): { ops: number; checks: number } {
  const { dev, fs } = freshFs(64 << 20);
  fs.leaseBreakTime = 0; // one thread: a lease holder cannot let go while the breaker waits
  const model = new Model();
  const runner = new WorkloadRunner(fs);
  const generated = generateRandom(n, seed);
  const w = DAX ? generated : { ...generated, ops: generated.ops.filter((op) => !DAX_OPS.has(op.kind)) };
  let checks = 0;
  w.ops.forEach((op, i) => {
    const want = model.apply(op);
    const got = runner.run(op, i + 1);
    const where = `seed ${seed}, op ${i + 1} (line ${op.line}): ${JSON.stringify(op)}`;
    expect(got.ok ? 'ok' : got.code, where).toBe(want.ok ? 'ok' : want.code);
    if ((i + 1) % CHECK_EVERY === 0 || i === w.ops.length - 1) {
      checks++;
      const diff = diffTrees(model.tree(), captureTree(fs as unknown as FsLike), { uncertain: model.uncertain() });
      expect(diff, `tree after ${where}`).toEqual([]);
    }
  });
  runner.releaseAll();
  fs.unmount();
  expect(fsck(dev).findings).toEqual([]);
  return { ops: w.ops.length, checks };
}

describe('fsx: pmemfs against the reference model', () => {
  const runs = Math.max(1, Math.ceil(TOTAL / PER_RUN));
  for (let r = 0; r < runs; r++) {
    it(`seed ${1000 + r}: ${Math.min(PER_RUN, TOTAL - r * PER_RUN)} random operations`, async () => {
      // Let the worker's event loop run between seeds: a soak is minutes of synchronous work,
      // and vitest's worker RPC (task updates) times out, failing the run, if it never does.
      await new Promise((resolve) => setImmediate(resolve));
      const { ops, checks } = fsx(1000 + r, Math.min(PER_RUN, TOTAL - r * PER_RUN));
      expect(ops).toBeGreaterThan(0);
      expect(checks).toBeGreaterThan(0);
    });
  }
});
