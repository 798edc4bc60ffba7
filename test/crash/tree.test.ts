import * as nodefs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume } from 'memfs';
import { afterAll, describe, expect, it } from 'vitest';
import { Model, runWorkload } from '../../src/crash/model.js';
import { patternBytes } from '../../src/crash/pattern.js';
import { captureTree, diffTrees, firstDifference, xattrText, type FsLike, type Tree } from '../../src/crash/tree.js';
import { parseWorkload } from '../../src/crash/workload.js';

/** The same small tree, built by hand on any node:fs-like API. */
const SCRIPT = 'mkdir /a\nmkdir /a/b\ncreat /a/f\nwrite /a/f 0 5000 3\nlink /a/f /a/b/g\ncreat /e\nsymlink ../e /a/l\nsymlink /nowhere /dangling';

interface Builder {
  mkdirSync(p: string): unknown;
  writeFileSync(p: string, d: Uint8Array): void;
  linkSync(a: string, b: string): void;
  symlinkSync(t: string, p: string): void;
}

function build(fs: Builder, root: string): void {
  const p = (x: string) => root + x;
  fs.mkdirSync(p('/a'));
  fs.mkdirSync(p('/a/b'));
  fs.writeFileSync(p('/a/f'), patternBytes(3, 0, 5000));
  fs.linkSync(p('/a/f'), p('/a/b/g'));
  fs.writeFileSync(p('/e'), new Uint8Array(0));
  fs.symlinkSync('../e', p('/a/l'));
  fs.symlinkSync('/nowhere', p('/dangling'));
}

function modelTree(text = SCRIPT): Tree {
  const r = runWorkload(parseWorkload(text, 't'));
  expect(r.mismatch).toBeUndefined();
  return r.model.tree();
}

describe('captureTree', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pmemfs-tree-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads real node:fs in a tmpdir exactly as the model predicts', () => {
    build(nodefs, tmp);
    const fs: FsLike = nodefs;
    const t = captureTree(fs, tmp);
    expect(diffTrees(modelTree(), t)).toEqual([]);
    expect(t.get('/a/b/g')).toMatchObject({ type: 'file', size: 5000, nlink: 2, group: '/a/b/g' });
    expect(t.get('/a/f')).toMatchObject({ group: '/a/b/g' });
    expect(t.get('/dangling')).toEqual({ type: 'symlink', target: '/nowhere', xattrs: {} });
  });

  it('reads memfs the same way', () => {
    const vol = new Volume();
    build(vol, '');
    const t = captureTree(vol);
    expect(diffTrees(modelTree(), t)).toEqual([]);
    expect([...t.keys()]).toEqual([...modelTree().keys()]);
  });

  it('reads xattrs when the fs offers them, as UTF-8 or hex', () => {
    const vol = new Volume();
    vol.writeFileSync('/f', 'x');
    const xattrs: Record<string, Record<string, Uint8Array>> = {
      '/': { 'user.root': new TextEncoder().encode('r') },
      '/f': { 'user.b': new Uint8Array([0xff, 0x00]), 'user.a': new TextEncoder().encode('é') },
    };
    const fs: FsLike = Object.assign(Object.create(vol) as Volume, {
      listxattrSync: (p: string) => Object.keys(xattrs[p] ?? {}),
      getxattrSync: (p: string, n: string) => xattrs[p]?.[n] ?? new Uint8Array(0),
    });
    const t = captureTree(fs);
    expect(t.get('/')).toEqual({ type: 'dir', xattrs: { 'user.root': 'r' } });
    expect(t.get('/f')?.xattrs).toEqual({ 'user.a': 'é', 'user.b': 'hex:ff00' });
    expect(xattrText('plain')).toBe('plain');
  });
});

describe('diffTrees', () => {
  const base = () => modelTree('mkdir /d\ncreat /f\nwrite /f 0 100\nsetxattr /f user.a 1\nsymlink /f /s\ncreat /g\nlink /g /h');

  it('equal trees have no differences', () => {
    expect(diffTrees(base(), base())).toEqual([]);
  });

  it('names missing, unexpected and retyped entries', () => {
    const a = modelTree('mkdir /d\ncreat /x\nmkdir /y');
    const e = modelTree('mkdir /d\ncreat /y\ncreat /z');
    expect(diffTrees(e, a)).toEqual(['/x: unexpected file', '/y: is a dir, expected a file', '/z: missing (expected a file)']);
  });

  it('names size, content, link count, link group, symlink target and xattr differences', () => {
    const e = base();
    const a = modelTree('mkdir /d\ncreat /f\nwrite /f 0 50\nwrite /f 50 60 9\nsetxattr /f user.a 2\nsetxattr /f user.b 3\nsymlink /g /s\ncreat /g\ncreat /h\nsetxattr /d user.c 4');
    const diff = diffTrees(e, a);
    expect(diff).toContain('/f: size 110, expected 100');
    expect(diff.some((l) => /^\/f: content differs at offset 50 \(0x[0-9a-f]{2}, expected 0x[0-9a-f]{2}\)$/.test(l))).toBe(true);
    expect(diff).toContain("/f: xattr user.a = '2', expected '1'");
    expect(diff).toContain("/f: unexpected xattr user.b = '3'");
    expect(diff).toContain("/d: unexpected xattr user.c = '4'");
    expect(diff).toContain("/s: symlink target '/g', expected '/f'");
    expect(diff).toContain('/g: nlink 1, expected 2');
    expect(diff).toContain("/h: hard-link group '/h', expected '/g'");
    expect(diffTrees(a, e)).toContain("/f: xattr user.b missing, expected '3'");
  });

  it('ignores content in uncertain ranges, and only there', () => {
    const e = modelTree('creat /f\nwrite /f 0 100 1');
    const a = modelTree('creat /f\nwrite /f 0 100 1\nwrite /f 10 10 2\nwrite /f 50 1 2');
    expect(diffTrees(e, a, { uncertain: new Map([['/f', [[10, 20], [50, 51]]]]) })).toEqual([]);
    expect(diffTrees(e, a, { uncertain: new Map([['/f', [[10, 20]]]]) })).toEqual([
      expect.stringMatching(/^\/f: content differs at offset 50 /),
    ]);
    expect(diffTrees(e, a, { uncertain: new Map([['/g', [[0, 100]]]]) })[0]).toMatch(/offset 10 /);
  });

  it('firstDifference and the limit', () => {
    expect(firstDifference(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(2);
    expect(firstDifference(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]), [[2, 3]])).toBe(-1);
    expect(firstDifference(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(-1);
    const many = new Model();
    for (let i = 0; i < 20; i++) many.apply({ kind: 'mkdir', path: `/d${i}` });
    expect(diffTrees(new Model().tree(), many.tree(), { limit: 5 })).toHaveLength(5);
  });
});
