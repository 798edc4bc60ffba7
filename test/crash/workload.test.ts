import { EXAMPLE_WORKLOADS } from '../helpers/workloads.js';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isFsError } from '../../src/errno/index.js';
import {
  DEFAULT_SEED,
  formatWorkload,
  loadWorkloads,
  parseSize,
  parseWorkload,
  type Op,
  type OpBody,
  type Workload,
} from '../../src/crash/workload.js';

const SHARED = EXAMPLE_WORKLOADS;

const one = (line: string): Op => {
  const w = parseWorkload(line, 't');
  expect(w.ops).toHaveLength(1);
  return w.ops[0]!;
};

const body = (op: Op): OpBody => {
  const { line: _line, expect: _expect, ...rest } = op;
  return rest as OpBody;
};

const strip = (w: Workload) => w.ops.map(body);

/** Every form of the grammar and what it parses to. */
const FORMS: Array<[string, OpBody]> = [
  ['mkdir /a', { kind: 'mkdir', path: '/a' }],
  ['rmdir /a', { kind: 'rmdir', path: '/a' }],
  ['creat /a/f', { kind: 'creat', path: '/a/f' }],
  ['unlink /f', { kind: 'unlink', path: '/f' }],
  ['link /f /g', { kind: 'link', oldPath: '/f', newPath: '/g' }],
  ['symlink ../x /a/l', { kind: 'symlink', target: '../x', path: '/a/l' }],
  ['rename /f /g', { kind: 'rename', oldPath: '/f', newPath: '/g' }],
  ['write /f 0 4k 7', { kind: 'write', path: '/f', offset: 0, length: 4096, seed: 7 }],
  ['write /f 1m 100', { kind: 'write', path: '/f', offset: 1048576, length: 100, seed: DEFAULT_SEED }],
  ['truncate /f 300000', { kind: 'truncate', path: '/f', length: 300000 }],
  ['falloc /f 0 8k', { kind: 'falloc', path: '/f', offset: 0, length: 8192, keepSize: false }],
  ['falloc /f 0 8k keep', { kind: 'falloc', path: '/f', offset: 0, length: 8192, keepSize: true }],
  ['punch /f 4k 4k', { kind: 'punch', path: '/f', offset: 4096, length: 4096 }],
  ['zero /f 1 2', { kind: 'zero', path: '/f', offset: 1, length: 2, keepSize: false }],
  ['zero /f 1 2 keep', { kind: 'zero', path: '/f', offset: 1, length: 2, keepSize: true }],
  ['collapse /f 4k 4k', { kind: 'collapse', path: '/f', offset: 4096, length: 4096 }],
  ['insert /f 4k 8k', { kind: 'insert', path: '/f', offset: 4096, length: 8192 }],
  ['reflink /s /d', { kind: 'reflink', src: '/s', dst: '/d' }],
  ['clone /s 0 /d 4k 8k', { kind: 'clone', src: '/s', srcOffset: 0, dst: '/d', dstOffset: 4096, length: 8192 }],
  ['dedupe /s 4k /d 0 4k', { kind: 'dedupe', src: '/s', srcOffset: 4096, dst: '/d', dstOffset: 0, length: 4096 }],
  ['setxattr /f user.a hello', { kind: 'setxattr', path: '/f', name: 'user.a', value: 'hello' }],
  ['removexattr /f user.a', { kind: 'removexattr', path: '/f', name: 'user.a' }],
  ['fsync /f', { kind: 'fsync', path: '/f' }],
  ['fdatasync /f', { kind: 'fdatasync', path: '/f' }],
  ['sync', { kind: 'sync' }],
  ['mmap /m 0 64k', { kind: 'mmap', path: '/m', offset: 0, length: 65536, direct: false, sync: false }],
  ['mmap /m 0 64k direct', { kind: 'mmap', path: '/m', offset: 0, length: 65536, direct: true, sync: false }],
  ['mmap /m 0 64k sync', { kind: 'mmap', path: '/m', offset: 0, length: 65536, direct: false, sync: true }],
  ['mmap /m 0 64k direct sync', { kind: 'mmap', path: '/m', offset: 0, length: 65536, direct: true, sync: true }],
  ['mwrite /m 60k 4k 22', { kind: 'mwrite', path: '/m', offset: 61440, length: 4096, seed: 22 }],
  ['mwrite /m 0 1', { kind: 'mwrite', path: '/m', offset: 0, length: 1, seed: DEFAULT_SEED }],
  ['msync /m 0 4k', { kind: 'msync', path: '/m', offset: 0, length: 4096 }],
  ['munmap /m', { kind: 'munmap', path: '/m' }],
  ['seal /d', { kind: 'seal', path: '/d', mode: 'fail' }],
  ['seal /d lease', { kind: 'seal', path: '/d', mode: 'lease' }],
  ['seal /d 0 4k', { kind: 'seal', path: '/d', range: { offset: 0, length: 4096 }, mode: 'fail' }],
  ['seal /d 4k 4k lease', { kind: 'seal', path: '/d', range: { offset: 4096, length: 4096 }, mode: 'lease' }],
  ['seal /d 4k 4k fail', { kind: 'seal', path: '/d', range: { offset: 4096, length: 4096 }, mode: 'fail' }],
  ['unseal /d', { kind: 'unseal', path: '/d' }],
];

describe('workload parser', () => {
  it.each(FORMS)('%s', (line, expected) => {
    expect(body(one(line))).toEqual(expected);
  });

  it('covers every op kind', () => {
    const kinds = new Set(FORMS.map(([, b]) => b.kind));
    expect(kinds.size).toBe(28);
  });

  it('sizes: decimal, k and m', () => {
    expect(parseSize('0')).toBe(0);
    expect(parseSize('4k')).toBe(4096);
    expect(parseSize('1m')).toBe(1048576);
    expect(parseSize('3K')).toBe(3072);
  });

  it('comments, blank lines, line numbers and => CODE', () => {
    const w = parseWorkload('# header\n\ncreat /a   # trailing\n  truncate /a 4k => ETXTBSY\n', 'x');
    expect(w.name).toBe('x');
    expect(w.ops.map((o) => o.line)).toEqual([3, 4]);
    expect(w.ops[0]!.expect).toBeUndefined();
    expect(w.ops[1]!.expect).toBe('ETXTBSY');
    expect('expect' in w.ops[0]!).toBe(false);
  });

  it('a # inside a token is not a comment', () => {
    expect(body(one('setxattr /f user.a x#y'))).toMatchObject({ value: 'x#y' });
  });

  const BAD: Array<[string, RegExp]> = [
    ['frobnicate /a', /line 2: unknown operation 'frobnicate'/],
    ['mkdir', /line 2: missing path/],
    ['mkdir a', /line 2: path 'a' must be absolute/],
    ['mkdir /a /b', /line 2: unexpected '\/b'/],
    ['write /a x 4k', /line 2: bad OFF 'x'/],
    ['write /a 0 4g', /line 2: bad LEN '4g'/],
    ['write /a 0 4k -1', /line 2: bad SEED/],
    ['write /a 0 4k 4294967296', /line 2: bad SEED/],
    ['truncate /a 4k =>', /line 2: '=>' needs an error code/],
    ['truncate /a 4k => ENOPE', /line 2: unknown error code 'ENOPE'/],
    ['truncate /a 4k => ETXTBSY EIO', /line 2: unexpected 'EIO' after/],
    ['=> EIO', /line 2: '=>' without an operation/],
    ['falloc /a 0 4k keep keep', /line 2: unexpected 'keep'/],
    ['mmap /a 0 4k sync sync', /line 2: 'sync' given twice/],
    ['seal /a 4k', /line 2: missing LEN/],
    ['seal /a 0 4k lease fail', /line 2: unexpected 'fail'/],
    ['clone /a 0 /b 0', /line 2: missing LEN/],
    ['write /a 99999999999999999 1', /line 2: OFF .* too large/],
    // A binary file: what it echoes is escaped, never raw bytes.
    ['\u0001\ufffd\ufffdELF /a', /line 2: unknown operation '\\u0001\\ufffd\\ufffdELF'/],
  ];

  it.each(BAD)('rejects %s', (line, msg) => {
    let err: unknown;
    try {
      parseWorkload(`sync\n${line}\n`, 'bad', '/x/bad.wl');
    } catch (e) {
      err = e;
    }
    expect(isFsError(err, 'EINVAL')).toBe(true);
    expect(err).toMatchObject({ syscall: 'parse', path: '/x/bad.wl' });
    expect((err as Error).message).toMatch(msg);
  });
});

describe('formatWorkload', () => {
  it('round-trips every form', () => {
    const w = parseWorkload(FORMS.map(([l]) => l).join('\n') + '\ntruncate /a 1 => ENOENT\n', 'all');
    const again = parseWorkload(formatWorkload(w), 'all');
    expect(strip(again)).toEqual(strip(w));
    expect(again.ops.map((o) => o.expect)).toEqual(w.ops.map((o) => o.expect));
    expect(formatWorkload(again)).toBe(formatWorkload(w));
  });

  it('prints sizes with suffixes and seeds explicitly', () => {
    const w = parseWorkload('write /f 4096 1048576\ntruncate /f 4097\n', 'x');
    expect(formatWorkload(w)).toBe('write /f 4k 1m 1\ntruncate /f 4097\n');
  });

  it('refuses a value that cannot be one token', () => {
    const w: Workload = { name: 'x', ops: [{ kind: 'setxattr', path: '/f', name: 'user.a', value: 'a b', line: 1 }] };
    expect(() => formatWorkload(w)).toThrow(/cannot be written/);
  });
});

describe('shared workloads', () => {
  const all = loadWorkloads(SHARED);

  it('loads every .wl file, sorted', () => {
    expect(all.map((w) => w.name)).toEqual([
      'append-fsync',
      'dax-sync',
      'dir-tree',
      'reflink-cow',
      'seal-conflict',
      'sparse',
    ]);
    for (const w of all) expect(w.ops.length).toBeGreaterThan(3);
  });

  it('each round-trips through formatWorkload', () => {
    for (const w of all) expect(strip(parseWorkload(formatWorkload(w), w.name))).toEqual(strip(w));
  });

  it('a single file loads too, and a missing one is ENOENT', () => {
    const [w] = loadWorkloads(resolve(SHARED, 'seal-conflict.wl'));
    expect(w?.ops.find((o) => o.expect !== undefined)).toMatchObject({ kind: 'truncate', line: 7, expect: 'ETXTBSY' });
    expect(() => loadWorkloads(resolve(SHARED, 'nope.wl'))).toThrow(/ENOENT/);
  });
});
