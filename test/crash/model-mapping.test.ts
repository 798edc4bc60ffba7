/** DAX mappings and uncertain bytes in the model; the shared workloads on the model; clone(). */
import { EXAMPLE_WORKLOADS } from '../helpers/workloads.js';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Model, runWorkload } from '../../src/crash/model.js';
import { patternBytes } from '../../src/crash/pattern.js';
import { diffTrees } from '../../src/crash/tree.js';
import { loadWorkloads, parseWorkload } from '../../src/crash/workload.js';
import { expectBytes, expectSameTree } from './expect-bytes.js';

const SHARED = EXAMPLE_WORKLOADS;

function script(text: string, model = new Model()): Model {
  const r = runWorkload(parseWorkload(text, 'test'), model);
  expect(r.mismatch).toBeUndefined();
  return r.model;
}

describe('mappings and uncertain bytes', () => {
  it('mwrite stores pattern data, uncertain until msync covers it', () => {
    const m = script('creat /m\ntruncate /m 64k\nmmap /m 0 64k sync\nmwrite /m 0 4k 21\nmwrite /m 60k 4k 22');
    const e = m.tree().get('/m');
    expectBytes(e?.type === 'file' ? e.data.subarray(0, 4096) : undefined, patternBytes(21, 0, 4096));
    expect(m.uncertain()).toEqual(new Map([['/m', [[0, 4096], [61440, 65536]]]]));
    script('msync /m 0 2k\nfsync /m\nsync', m);
    expect(m.uncertain().get('/m')).toEqual([[2048, 4096], [61440, 65536]]);
    script('msync /m 0 64k\nmunmap /m', m);
    expect(m.uncertain().size).toBe(0);
    expect(m.mappings()).toEqual([]);
  });

  it('write, punch and truncate make bytes certain; collapse and insert move them', () => {
    const m = script('creat /m\nwrite /m 0 32k\nmmap /m 0 32k\nmwrite /m 0 32k 5\nwrite /m 0 4k\npunch /m 8k 4k\ntruncate /m 28k');
    expect(m.uncertain().get('/m')).toEqual([[4096, 8192], [12288, 28672]]);
    script('collapse /m 4k 4k\ninsert /m 0 4k', m);
    expect(m.uncertain().get('/m')).toEqual([[4096 + 8192, 28672]]);
  });

  it('uncertain bytes travel with reflink and clone, and are reported under every hard link', () => {
    const m = script('creat /m\nwrite /m 0 16k\nmmap /m 0 16k\nmwrite /m 4k 4k\nreflink /m /r\ncreat /c\nclone /m 0 /c 8k 8k\nlink /m /h');
    expect(m.uncertain()).toEqual(
      new Map([
        ['/c', [[12288, 16384]]],
        ['/h', [[4096, 8192]]],
        ['/m', [[4096, 8192]]],
        ['/r', [[4096, 8192]]],
      ]),
    );
  });

  it('a mapping is a handle named by its path: it survives rename and unlink', () => {
    const m = script('creat /m\nwrite /m 0 8k\nmmap /m 0 8k\nrename /m /n\nmwrite /m 0 4k 9\nmsync /m 0 4k');
    const e = m.tree().get('/n');
    expectBytes(e?.type === 'file' ? e.data.subarray(0, 4096) : undefined, patternBytes(9, 0, 4096));
    script('unlink /n\nmwrite /m 0 1\nmunmap /m\nmwrite /m 0 1 => EINVAL', m);
    expect(m.tree().size).toBe(1);
  });
});

describe('the shared workloads run on the model as written', () => {
  for (const w of loadWorkloads(SHARED)) {
    it(w.name, () => {
      const r = runWorkload(w);
      expect(r.mismatch).toBeUndefined();
      expect(r.model.seals()).toEqual([]);
      expect(r.model.mappings()).toEqual([]);
    });
  }

  it('dir-tree ends as expected', () => {
    const [w] = loadWorkloads(resolve(SHARED, 'dir-tree.wl'));
    const t = runWorkload(w!).model.tree();
    expect([...t.keys()]).toEqual(['/', '/a', '/a/g']);
    const g = t.get('/a/g');
    expect(g).toMatchObject({ type: 'file', size: 10000, nlink: 1 });
    expectBytes(g?.type === 'file' ? g.data : undefined, patternBytes(7, 0, 10000));
  });

  it('runWorkload reports the first unexpected outcome', () => {
    const w = parseWorkload('creat /a\ntruncate /a 1 => ENOENT\nsync', 'w');
    expect(runWorkload(w).mismatch).toEqual({ line: 2, got: 'ok', expected: 'ENOENT' });
  });
});

describe('Model.clone', () => {
  it('is independent of the original', () => {
    const a = script('mkdir /d\ncreat /d/f\nwrite /d/f 0 100\nsetxattr /d/f user.x 1\nmmap /d/f 0 100\nseal /d/f');
    const b = a.clone();
    const t = a.tree();
    script('write /d/f 0 100 2\nsetxattr /d/f user.x 2\ncreat /d/g\nmunmap /d/f\nunseal /d/f', b);
    expectSameTree(a.tree(), t);
    expect(a.seals()).toHaveLength(1);
    expect(a.mappings()).toHaveLength(1);
    expect(diffTrees(t, b.tree())).not.toEqual([]);
  });
});
