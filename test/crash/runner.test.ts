/**
 * The workload runner on a real pmemfs: ops execute as the model says (outcomes and trees),
 * every op is labelled in the trace, expected errors come back as codes, DAX ops hold their
 * descriptors across ops, and the language's own naming rules (EBUSY, EINVAL) hold.
 */
import { describe, expect, it } from 'vitest';
import { Model } from '../../src/crash/model.js';
import { WorkloadRunner } from '../../src/crash/runner.js';
import { parseLabel } from '../../src/crash/trace-labels.js';
import { treeOf } from '../../src/crash/recovery-check.js';
import { parseWorkload } from '../../src/crash/workload.js';
import { PmemDevice, mkfs, mount } from '../../src/index.js';
import { expectSameTree } from './expect-bytes.js';

function fresh() {
  const dev = PmemDevice.create({ size: 8 << 20 });
  mkfs(dev, { logBlocks: 16 });
  const fs = mount(dev, { leaseBreakTime: 0 });
  return { dev, fs, runner: new WorkloadRunner(fs) };
}

/** Runs text on pmemfs and the model side by side; returns each op's outcome code. */
function both(text: string): { codes: string[]; fs: ReturnType<typeof fresh>['fs']; model: Model; dev: PmemDevice } {
  const { dev, fs, runner } = fresh();
  const model = new Model();
  const codes: string[] = [];
  parseWorkload(text, 't').ops.forEach((op, i) => {
    const got = runner.run(op, i + 1);
    const want = model.apply(op);
    codes.push(got.ok ? 'ok' : got.code);
    expect(got.ok ? 'ok' : got.code, `line ${op.line}: ${got.ok ? '' : got.message}`).toBe(want.ok ? 'ok' : want.code);
  });
  expectSameTree(treeOf(fs), model.tree());
  return { codes, fs, model, dev };
}

describe('WorkloadRunner', () => {
  it('runs the shared example workloads exactly as the model does', () => {
    for (const text of [
      'creat /log\nwrite /log 0 4k 1\nfsync /log\nwrite /log 4k 4k 2\nwrite /log 8k 100 3',
      'mkdir /a\nmkdir /a/b\ncreat /a/b/f\nwrite /a/b/f 0 10000 7\nrename /a/b /c\nlink /c/f /a/g\nunlink /c/f\nrmdir /c',
      'creat /src\nwrite /src 0 128k 11\nreflink /src /dst\nwrite /dst 64k 4k 12\npunch /src 0 32k\nunlink /src',
      'creat /s\ntruncate /s 1m\nwrite /s 512k 4k 5\nfalloc /s 1m 256k keep\nzero /s 0 8k\ntruncate /s 300000',
      'creat /x\nwrite /x 0 64k 21\ncollapse /x 8k 8k\ninsert /x 4k 12k\nsymlink /x /l\nsetxattr /x user.a v\nremovexattr /x user.a',
      'creat /a\nwrite /a 0 16k 1\ncreat /b\nwrite /b 0 16k 2\nclone /a 0 /b 4k 8k\ndedupe /a 0 /b 4k 4k\nfdatasync /b\nsync',
    ]) both(text);
  });

  it('answers expected errors with their codes and goes on', () => {
    const { codes } = both('creat /f\nmkdir /f => EEXIST\nunlink /nope => ENOENT\nrmdir /f => ENOTDIR\nwrite /f 0 1 1');
    expect(codes).toEqual(['ok', 'EEXIST', 'ENOENT', 'ENOTDIR', 'ok']);
  });

  it('labels every op op:K in the device trace', () => {
    const { dev, runner } = fresh();
    dev.startTrace();
    parseWorkload('creat /a\nwrite /a 0 10 1\nsync', 't').ops.forEach((op, i) => runner.run(op, i + 1));
    const labels = dev.stopTrace().events.flatMap((e) => (e.kind === 'label' ? [e.text] : []));
    expect(labels.map(parseLabel).filter((p) => p !== null)).toEqual([1, 2, 3].map((k) => ({ kind: 'op', k })));
    expect([parseLabel('op:0'), parseLabel('write'), parseLabel('clean:x')]).toEqual([null, null, null]);
    expect([parseLabel('clean:4'), parseLabel('end')]).toEqual([{ kind: 'clean', k: 4 }, { kind: 'end' }]);
  });

  it('DAX ops: a mapping holds its descriptor until munmap, and stores land in the file', () => {
    const { fs, codes } = both('creat /m\ntruncate /m 64k\nmmap /m 0 64k sync\nmwrite /m 0 4k 21\nmsync /m 0 4k\nmwrite /m 60k 4k 22\nmunmap /m');
    expect(codes.every((c) => c === 'ok')).toBe(true);
    expect(fs.openFiles).toBe(0);
    expect(fs.liveMappings).toBe(0);
  });

  it('seals: a sealed file refuses a truncate, and the seal goes with unseal', () => {
    const { fs, codes } = both('creat /d\nwrite /d 0 64k 31\nseal /d\ntruncate /d 4k => ETXTBSY\nunseal /d\ntruncate /d 4k');
    expect(codes).toEqual(['ok', 'ok', 'ok', 'ETXTBSY', 'ok', 'ok']);
    expect(fs.liveSeals).toBe(0);
    both('creat /d\nwrite /d 0 64k 31\nmmap /d 0 64k direct\nmwrite /d 0 4k 32\nmsync /d 0 4k\ntruncate /d 4k => ETXTBSY\nmunmap /d\ntruncate /d 4k');
  });

  it('the language rules: one mapping or seal per name, mwrite/msync inside the mapping', () => {
    both('creat /m\ntruncate /m 8k\nmmap /m 0 4k\nmmap /m 0 4k => EBUSY\nmwrite /m 4k 1 1 => EINVAL\nmsync /m 0 8k => EINVAL\nmunmap /m\nmunmap /m => EINVAL');
    both('creat /s\nseal /s\nseal /s => EBUSY\nunseal /s\nunseal /s => EINVAL\nmmap /s 0 4k => EINVAL\nmwrite /nomap 0 1 1 => EINVAL');
  });

  it('releaseAll lets go of every mapping and seal', () => {
    const { fs, runner } = fresh();
    parseWorkload('creat /a\ntruncate /a 8k\nmmap /a 0 8k\nseal /a 0 4k lease', 't').ops.forEach((op, i) => expect(runner.run(op, i + 1)).toEqual({ ok: true }));
    expect(fs.openFiles).toBe(2);
    runner.releaseAll();
    expect([fs.openFiles, fs.liveMappings, fs.liveSeals]).toEqual([0, 0, 0]);
  });
});
