/**
 * coreTree (read from the recovered metadata) equals captureTree over the node:fs surface, on
 * filesystems built by the example workloads and by long random workloads (hard links, symlinks,
 * xattrs, holes, mappings, unlinked-while-mapped files).
 */
import { describe, expect, it } from 'vitest';
import { coreTree } from '../../src/crash/core-tree.js';
import { generateRandom } from '../../src/crash/random-workload.js';
import { treeOf } from '../../src/crash/recovery-check.js';
import { WorkloadRunner } from '../../src/crash/runner.js';
import { loadWorkloads, type Workload } from '../../src/crash/workload.js';
import { PmemDevice, mkfs, mount } from '../../src/index.js';
import { expectSameTree } from './expect-bytes.js';

function check(w: Workload): void {
  const dev = PmemDevice.create({ size: 8 << 20 });
  mkfs(dev, { logBlocks: 16 });
  const fs = mount(dev, { leaseBreakTime: 0 });
  const runner = new WorkloadRunner(fs);
  w.ops.forEach((op, i) => {
    runner.run(op, i + 1);
    if (i % 7 === 0 || i === w.ops.length - 1) expectSameTree(coreTree(fs), treeOf(fs));
  });
}

describe('coreTree', () => {
  it('equals the tree read through the node:fs surface', () => {
    for (const w of loadWorkloads(`${__dirname}/workloads`)) check(w);
    for (const seed of [1, 2, 3]) check(generateRandom(200, seed));
    expect(true).toBe(true);
  });
});
