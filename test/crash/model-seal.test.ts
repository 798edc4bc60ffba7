/**
 * Seals in the model: every map-changing operation × {whole-file seal, range seal [16k, 32k)}
 * × {fail, lease}. A conflict is ETXTBSY in fail mode; in lease mode the op proceeds and the
 * lease is revoked.
 */
import { describe, expect, it } from 'vitest';
import { Model, runWorkload } from '../../src/crash/model.js';
import { parseWorkload, type OpBody } from '../../src/crash/workload.js';
import { expectSameTree } from './expect-bytes.js';

const SETUP = 'creat /d\nwrite /d 0 64k 1\ncreat /e\nwrite /e 0 64k 2\n';

function setup(sealLine: string): Model {
  const r = runWorkload(parseWorkload(SETUP + sealLine, 'setup'));
  expect(r.mismatch).toBeUndefined();
  return r.model;
}

function op(line: string): OpBody {
  const w = parseWorkload(line, 'op');
  return w.ops[0]!;
}

/** [op, conflicts with a whole-file seal on /d, conflicts with a seal of [16k, 32k) of /d]. */
const TABLE: Array<[string, boolean, boolean]> = [
  ['truncate /d 4k', true, true],
  ['truncate /d 20k', true, true],
  ['truncate /d 32k', true, false],
  ['truncate /d 128k', true, false],
  ['truncate /d 64k', false, false],
  ['creat /d', true, true],
  ['write /d 0 4k', false, false],
  ['write /d 20k 4k', false, false],
  ['write /d 60k 8k', true, false],
  ['write /d 100k 1', true, false],
  ['falloc /d 0 4k keep', true, false],
  ['falloc /d 16k 4k keep', true, true],
  ['falloc /d 60k 8k', true, false],
  ['punch /d 20k 4k', true, true],
  ['punch /d 40k 4k', true, false],
  ['zero /d 0 4k', true, false],
  ['zero /d 30k 4k keep', true, true],
  ['collapse /d 4k 4k', true, true],
  ['collapse /d 40k 4k', true, false],
  ['insert /d 8k 4k', true, true],
  ['insert /d 48k 4k', true, false],
  ['reflink /d /e', true, true],
  ['reflink /e /d', true, true],
  ['reflink /d /new', true, true],
  ['clone /e 0 /d 0 4k', true, false],
  ['clone /e 0 /d 16k 4k', true, true],
  ['clone /e 0 /d 60k 8k', true, false],
  ['clone /d 16k /e 0 4k', true, true],
  ['clone /d 0 /e 0 4k', true, false],
  ['dedupe /d 0 /e 0 4k', true, false],
  ['dedupe /d 16k /e 16k 4k', true, true],
  ['dedupe /e 16k /d 16k 4k', true, true],
  ['unlink /d', false, false],
  ['rename /e /d', false, false],
  ['rename /d /f', false, false],
  ['link /d /f', false, false],
  ['setxattr /d user.a b', false, false],
  ['fsync /d', false, false],
];

const SEALS: Array<[string, string, 1 | 2]> = [
  ['whole-file', 'seal /d', 1],
  ['range', 'seal /d 16k 16k', 2],
];

describe('seals: fail mode refuses conflicting operations with ETXTBSY', () => {
  for (const [what, line, col] of SEALS) {
    it.each(TABLE)(`${what}: %s`, (text, ...conflict) => {
      const m = setup(line);
      const before = m.tree();
      const r = m.apply(op(text));
      if (conflict[col - 1]) {
        expect(r).toEqual({ ok: false, code: 'ETXTBSY' });
        expectSameTree(m.tree(), before);
      } else {
        expect(r).toEqual({ ok: true });
      }
      expect(m.seals()).toHaveLength(1);
    });
  }
});

describe('seals: lease mode never refuses; a conflict breaks the lease', () => {
  for (const [what, line, col] of SEALS) {
    it.each(TABLE)(`${what}: %s`, (text, ...conflict) => {
      const m = setup(`${line} lease`);
      expect(m.apply(op(text))).toEqual({ ok: true });
      expect(m.seals()).toHaveLength(conflict[col - 1] ? 0 : 1);
      expect(m.apply(op('unseal /d'))).toEqual({ ok: true });
    });
  }
});

describe('seals: lifecycle', () => {
  it('a direct mapping holds a whole-file fail seal until munmap', () => {
    const m = setup('mmap /d 0 64k direct');
    expect(m.seals()).toMatchObject([{ holder: { kind: 'map', name: '/d' }, mode: 'fail' }]);
    expect(m.apply(op('truncate /d 4k'))).toEqual({ ok: false, code: 'ETXTBSY' });
    expect(m.apply(op('mwrite /d 0 4k 3'))).toEqual({ ok: true });
    expect(m.apply(op('munmap /d'))).toEqual({ ok: true });
    expect(m.seals()).toEqual([]);
    expect(m.apply(op('truncate /d 4k'))).toEqual({ ok: true });
  });

  it('an unlinked sealed file is an orphan until unseal, and its seal still refuses', () => {
    const m = setup('seal /d\nmmap /d 0 64k');
    expect(m.apply(op('unlink /d'))).toEqual({ ok: true });
    expect(m.tree().has('/d')).toBe(false);
    expect(m.apply(op('mwrite /d 0 4k'))).toEqual({ ok: true });
    expect(m.apply(op('munmap /d'))).toEqual({ ok: true });
    expect(m.seals()).toHaveLength(1);
    expect(m.apply(op('unseal /d'))).toEqual({ ok: true });
    expect(m.seals()).toEqual([]);
  });

  it('a seal follows the inode across rename; seals on other files do not interfere', () => {
    const m = setup('seal /d 0 4k');
    expect(m.apply(op('rename /d /x'))).toEqual({ ok: true });
    expect(m.apply(op('punch /x 0 4k'))).toEqual({ ok: false, code: 'ETXTBSY' });
    expect(m.apply(op('punch /e 0 4k'))).toEqual({ ok: true });
    expect(m.apply(op('unseal /d'))).toEqual({ ok: true });
    expect(m.apply(op('punch /x 0 4k'))).toEqual({ ok: true });
  });

  it('a fail seal wins over a lease: nothing is revoked when the op is refused', () => {
    const m = setup('seal /d lease\nmmap /d 0 64k direct');
    expect(m.apply(op('truncate /d 0'))).toEqual({ ok: false, code: 'ETXTBSY' });
    expect(m.seals()).toHaveLength(2);
  });
});
