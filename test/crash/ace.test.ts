import { describe, expect, it } from 'vitest';
import { ACE_CHOICES, aceWorkload, countAce, generateAce } from '../../src/crash/ace.js';
import { runWorkload } from '../../src/crash/model.js';
import { generateRandom } from '../../src/crash/random-workload.js';
import { formatWorkload, parseWorkload, type Op, type Workload } from '../../src/crash/workload.js';
import { prng } from '../../src/pmem/index.js';

const bodies = (w: Workload) => w.ops.map(({ line: _l, ...rest }: Op) => rest);

function runsClean(w: Workload): void {
  const r = runWorkload(w);
  expect(r.mismatch, w.name).toBeUndefined();
  expect(r.model.mappings(), w.name).toEqual([]);
  expect(r.model.seals(true), w.name).toEqual([]);
}

describe('ACE generator', () => {
  it('has the documented bounded choices and counts', () => {
    expect(ACE_CHOICES).toHaveLength(49);
    expect(new Set(ACE_CHOICES).size).toBe(49);
    expect([countAce(1), countAce(2), countAce(3)]).toEqual([147, 21609, 3176523]);
  });

  const seq1 = [...generateAce(1)];

  it('seq-1: every workload runs on the model, and no op needs an expected error', () => {
    expect(seq1).toHaveLength(countAce(1));
    for (const w of seq1) {
      runsClean(w);
      expect(w.ops.filter((o) => o.expect !== undefined), w.name).toEqual([]);
    }
  });

  it('seq-1 covers the whole core op set', () => {
    const kinds = new Set(seq1.flatMap((w) => w.ops.map((o) => o.kind)));
    for (const k of ['creat', 'mkdir', 'write', 'falloc', 'punch', 'zero', 'collapse', 'insert', 'truncate', 'link',
      'unlink', 'rename', 'symlink', 'setxattr', 'removexattr', 'reflink', 'clone', 'dedupe', 'mwrite', 'mmap',
      'munmap', 'msync', 'fsync', 'sync']) {
      expect(kinds.has(k as Op['kind']), k).toBe(true);
    }
  });

  it('names are unique and say what the workload does', () => {
    expect(new Set(seq1.map((w) => w.name)).size).toBe(seq1.length);
    expect(seq1[0]!.name).toBe('seq1-000-creat-foo');
    expect(aceWorkload(2, countAce(2) - 1).name).toMatch(/^seq2-21608-mwrite-A_foo\.fsync\+mwrite-A_foo\.fsync$/);
  });

  it('the setup makes ops valid: mwrite is mapped, then unmapped at the end', () => {
    const w = seq1.find((x) => x.name.endsWith('mwrite-foo.fsync'))!;
    expect(formatWorkload(w)).toBe('creat /foo\nwrite /foo 0 16k 100\nmmap /foo 0 16k sync\nmwrite /foo 0 4k 10\nmsync /foo 0 4k\nmunmap /foo\n');
  });

  it('seq-2: a seeded sample runs on the model without an unexpected error', () => {
    const r = prng(2024);
    let annotated = 0;
    const sample = 400;
    for (let i = 0; i < sample; i++) {
      const w = aceWorkload(2, r.int(countAce(2)));
      runsClean(w);
      if (w.ops.some((o) => o.expect !== undefined)) annotated++;
    }
    expect(annotated).toBeLessThan(sample / 4);
  });

  it('seq-3 is random-access too', () => {
    for (const i of [0, 1234567, countAce(3) - 1]) runsClean(aceWorkload(3, i));
    expect(() => aceWorkload(1, countAce(1))).toThrow(/out of range/);
  });

  it('workloads round-trip through the language', () => {
    for (const w of [...seq1.slice(0, 30), aceWorkload(2, 777)]) {
      expect(bodies(parseWorkload(formatWorkload(w), w.name))).toEqual(bodies(w));
    }
  });
});

describe('random workloads', () => {
  it('are deterministic in the seed and valid on the model', () => {
    const a = generateRandom(500, 7);
    expect(generateRandom(500, 7)).toEqual(a);
    expect(generateRandom(500, 8)).not.toEqual(a);
    expect(a.ops.length).toBeGreaterThanOrEqual(500);
    runsClean(a);
    expect(bodies(parseWorkload(formatWorkload(a), a.name))).toEqual(bodies(a));
  });

  it('exercise most of the language, with successes and expected errors', () => {
    const w = generateRandom(3000, 1);
    runsClean(w);
    const kinds = new Set(w.ops.map((o) => o.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(26);
    const codes = new Set(w.ops.map((o) => o.expect).filter((c) => c !== undefined));
    for (const c of ['ENOENT', 'EEXIST', 'EINVAL', 'ETXTBSY']) expect(codes.has(c as never), c).toBe(true);
    expect(w.ops.filter((o) => o.expect === undefined).length).toBeGreaterThan(w.ops.length / 2);
  });
});
