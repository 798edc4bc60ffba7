import { describe, expect, it } from 'vitest';
import { isFsError } from '../../src/errno/index.js';
import { Model, runWorkload } from '../../src/crash/model.js';
import { patternBytes } from '../../src/crash/pattern.js';
import { parseWorkload } from '../../src/crash/workload.js';
import { expectBytes, expectSameTree } from './expect-bytes.js';

/** Run a script in the workload language; every op must do what its `=> CODE` says. */
function script(text: string, model = new Model()): Model {
  const r = runWorkload(parseWorkload(text, 'test'), model);
  if (r.mismatch !== undefined) {
    const { line, got, expected } = r.mismatch;
    throw new Error(`line ${line} (${text.split('\n')[line - 1]?.trim()}): got ${got}, expected ${expected}`);
  }
  return r.model;
}

function fileOf(m: Model, path: string) {
  const e = m.tree().get(path);
  if (e?.type !== 'file') throw new Error(`${path} is not a file`);
  return e;
}

const pat = (seed: number, off: number, len: number) => patternBytes(seed, off, len);
const zeros = (n: number) => new Uint8Array(n);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};

const NAME256 = 'n'.repeat(256);
const NAME255 = 'n'.repeat(255);

/** [title, script]: each script states its own expected errors. */
const ERROR_CASES: Array<[string, string]> = [
  ['mkdir: exists, missing parent, under a file, root, dangling symlink',
    'mkdir /a\nmkdir /a => EEXIST\nmkdir /x/y => ENOENT\ncreat /f\nmkdir /f/d => ENOTDIR\nmkdir / => EEXIST\nsymlink /nowhere /l\nmkdir /l => EEXIST'],
  ['rmdir: not empty, a file, missing, root, dot, dotdot, a symlink to a dir',
    'mkdir /a\ncreat /a/f\nrmdir /a => ENOTEMPTY\nrmdir /a/f => ENOTDIR\nrmdir /b => ENOENT\nrmdir / => EBUSY\nrmdir /a/. => EINVAL\nrmdir /a/.. => ENOTEMPTY\nmkdir /d\nsymlink /d /l\nrmdir /l => ENOTDIR\nrmdir /d'],
  ['creat: a dir, missing parent, trailing slash',
    'mkdir /a\ncreat /a => EISDIR\ncreat /x/f => ENOENT\ncreat /new/ => EISDIR\ncreat /f\ncreat /f/ => EISDIR'],
  ['unlink: a dir, missing, trailing slash on a file',
    'mkdir /a\nunlink /a => EISDIR\nunlink /b => ENOENT\ncreat /f\nunlink /f/ => ENOTDIR\nunlink /f'],
  ['link: a dir, existing target, missing source',
    'mkdir /a\nlink /a /b => EPERM\ncreat /f\ncreat /g\nlink /f /g => EEXIST\nlink /nope /h => ENOENT\nlink /f /a/h'],
  ['symlink: existing path', 'creat /f\nsymlink /x /f => EEXIST'],
  ['ENOTDIR for a file used as a directory', 'creat /f\ncreat /f/g => ENOTDIR\nwrite /f/g 0 1 => ENOTDIR'],
  ['ELOOP for symlink cycles, as final or middle component',
    'symlink /l2 /l1\nsymlink /l1 /l2\ncreat /l1 => ELOOP\nwrite /l1/x 0 1 => ELOOP\nsymlink /self /self\ntruncate /self 0 => ELOOP\nunlink /l1'],
  ['ENAMETOOLONG over 255 bytes', `creat /${NAME256} => ENAMETOOLONG\ncreat /${NAME255}\nmkdir /${NAME256} => ENAMETOOLONG`],
  ['rename: file over dir, dir over file, dir over non-empty dir',
    'creat /f\nmkdir /d\nmkdir /e\ncreat /e/x\nrename /f /d => EISDIR\nrename /d /f => ENOTDIR\nrename /d /e => ENOTEMPTY\nrename /d /e/x => ENOTDIR'],
  ['rename: into its own subtree, onto an ancestor, missing, root',
    'mkdir /a\nmkdir /a/b\nrename /a /a/b/c => EINVAL\nrename /a /a/c => EINVAL\nrename /a/b /a => ENOTEMPTY\nrename /nope /x => ENOENT\nrename / /x => EBUSY\nrename /a / => EBUSY'],
  ['rename: trailing slash on a file', 'creat /f\nrename /f/ /g => ENOTDIR\nrename /f /g/ => ENOTDIR'],
  ['data ops on directories and missing files',
    'mkdir /d\nwrite /d 0 1 => EISDIR\ntruncate /d 0 => EISDIR\nfalloc /d 0 1 => EISDIR\nwrite /m 0 1 => ENOENT\ntruncate /m 0 => ENOENT\npunch /m 0 1 => ENOENT'],
  ['fallocate: zero length', 'creat /f\nfalloc /f 0 0 => EINVAL\npunch /f 0 0 => EINVAL\nzero /f 0 0 => EINVAL'],
  ['collapse: unaligned, reaching EOF',
    'creat /f\nwrite /f 0 16k\ncollapse /f 1 4k => EINVAL\ncollapse /f 0 100 => EINVAL\ncollapse /f 12k 4k => EINVAL\ncollapse /f 8k 16k => EINVAL\ncollapse /f 8k 4k'],
  ['insert: unaligned, at or past EOF',
    'creat /f\nwrite /f 0 16k\ninsert /f 1 4k => EINVAL\ninsert /f 0 1 => EINVAL\ninsert /f 16k 4k => EINVAL\ninsert /f 20k 4k => EINVAL\ninsert /f 12k 4k'],
  ['reflink: dirs, same file, missing',
    'mkdir /d\ncreat /f\nreflink /d /g => EISDIR\nreflink /f /d => EISDIR\nreflink /f /f => EINVAL\nlink /f /h\nreflink /f /h => EINVAL\nreflink /nope /g => ENOENT\nreflink /f /x/g => ENOENT'],
  ['clone: alignment, EOF, overlap, missing dst',
    'creat /s\nwrite /s 0 10000\ncreat /d\nclone /s 1 /d 0 4k => EINVAL\nclone /s 0 /d 1 4k => EINVAL\nclone /s 0 /d 0 100 => EINVAL\nclone /s 8k /d 0 4k => EINVAL\nclone /s 12k /d 0 0 => EINVAL\nclone /s 0 /s 4k 8k => EINVAL\nclone /s 4k /s 8k 0 => EINVAL\nclone /s 0 /nope 0 4k => ENOENT\nclone /s 8k /d 0 1808\nclone /s 0 /s 8k 4k'],
  ['dedupe: alignment and EOF of both',
    'creat /s\nwrite /s 0 8k\ncreat /d\nwrite /d 0 4k\ndedupe /s 1 /d 0 4k => EINVAL\ndedupe /s 0 /d 0 8k => EINVAL\ndedupe /s 4k /d 4k 4k => EINVAL\ndedupe /s 0 /s 0 8k => EINVAL\ndedupe /s 0 /d 0 4k'],
  ['xattrs: missing, namespace, name length, missing file',
    `creat /f\nremovexattr /f user.a => ENODATA\nsetxattr /f foo.a v => EOPNOTSUPP\nsetxattr /f user. v => EINVAL\nsetxattr /f user.${'x'.repeat(251)} v => ERANGE\nsetxattr /nope user.a v => ENOENT\nsetxattr /f user.a v\nremovexattr /f user.a\nremovexattr /f user.a => ENODATA`],
  ['mmap: errors', 'mkdir /d\nmmap /d 0 4k => EISDIR\nmmap /m 0 4k => ENOENT\ncreat /f\nwrite /f 0 8k\nmmap /f 0 12k => EINVAL\nmmap /f 1 4k => EINVAL\nmmap /f 0 0 => EINVAL\nmmap /f 0 8k\nmmap /f 0 4k => EBUSY\nmunmap /f\nmunmap /f => EINVAL'],
  ['mwrite/msync: without or outside a mapping, past EOF',
    'creat /f\nwrite /f 0 16k\nmwrite /f 0 1 => EINVAL\nmmap /f 4k 8k\nmwrite /f 0 4k => EINVAL\nmwrite /f 8k 8k => EINVAL\nmsync /f 0 4k => EINVAL\nmwrite /f 4k 8k\ntruncate /f 6k\nmwrite /f 4k 4k => EINVAL\nmwrite /f 4k 2k\nmunmap /f'],
  ['seal: dir, missing, twice, unseal without a seal',
    'mkdir /d\nseal /d => EINVAL\nseal /nope => ENOENT\ncreat /f\nseal /f 0 0 => EINVAL\nseal /f\nseal /f => EBUSY\nunseal /f\nunseal /f => EINVAL'],
  ['fsync of a missing file', 'fsync /nope => ENOENT\nfdatasync /nope => ENOENT\nmkdir /d\nfsync /d\nsync'],
];

describe('model: error cases', () => {
  it.each(ERROR_CASES)('%s', (_title, text) => {
    script(text);
  });

  it('an empty symlink target is ENOENT', () => {
    expect(new Model().apply({ kind: 'symlink', target: '', path: '/x' })).toEqual({ ok: false, code: 'ENOENT' });
  });

  it('a failed operation changes nothing', () => {
    const m = script('creat /f\nwrite /f 0 16k\nmkdir /a\ncreat /a/x\nseal /f');
    const before = m.tree();
    script('rename /a /a/x/y => ENOTDIR\ntruncate /f 0 => ETXTBSY\ncollapse /f 12k 4k => EINVAL\nreflink /f /g => ETXTBSY', m);
    expectSameTree(m.tree(), before);
  });
});

describe('model: namespace semantics', () => {
  it('creat truncates an existing file and creates through a dangling symlink', () => {
    const m = script('creat /f\nwrite /f 0 100\ncreat /f\nsymlink t /l\ncreat /l\nwrite /l 0 10');
    expect(fileOf(m, '/f').size).toBe(0);
    expectBytes(fileOf(m, '/t').data, pat(1, 0, 10));
    expect(m.tree().get('/l')).toEqual({ type: 'symlink', target: 't', xattrs: {} });
  });

  it('hard links share an inode, count links and survive unlink of one name', () => {
    const m = script('mkdir /a\ncreat /f\nlink /f /a/g\nwrite /a/g 0 10 3');
    expect(fileOf(m, '/f')).toMatchObject({ nlink: 2, group: '/a/g', data: pat(3, 0, 10) });
    expect(fileOf(m, '/a/g').group).toBe('/a/g');
    script('unlink /a/g', m);
    expect(fileOf(m, '/f')).toMatchObject({ nlink: 1, group: '/f' });
  });

  it('link does not follow a symlink; a symlink can be hard-linked', () => {
    const m = script('creat /f\nsymlink /f /l\nlink /l /l2');
    expect(m.lstat('/l2')).toMatchObject({ type: 'symlink', nlink: 2 });
    expect(m.stat('/l2')).toMatchObject({ type: 'file', nlink: 1 });
  });

  it('rename replaces a file, moves a directory, and is a no-op between hard links', () => {
    const m = script('creat /f\nwrite /f 0 5 2\ncreat /g\nlink /g /g2\nrename /f /g\nmkdir /a\nmkdir /b\nmkdir /a/c\ncreat /a/c/x\nrename /a/c /b/c\nrename /b /a/e\nlink /g /h\nrename /g /h');
    expect(fileOf(m, '/g')).toMatchObject({ nlink: 2, data: pat(2, 0, 5), group: '/g' });
    expect(fileOf(m, '/h')).toMatchObject({ nlink: 2, group: '/g' });
    expect(fileOf(m, '/g2').nlink).toBe(1);
    expect([...m.tree().keys()]).toEqual(['/', '/a', '/a/e', '/a/e/c', '/a/e/c/x', '/g', '/g2', '/h']);
    script('rename /a/e/c/.. /x => EBUSY\nrmdir /a/e/c/../c/.. => ENOTEMPTY', m);
    script('mkdir /z\ncreat /z/q\nrename /a/e /z => ENOTEMPTY\nunlink /z/q\nrename /a/e /z', m);
    expect(m.tree().has('/z/c/x')).toBe(true);
  });

  it('relative symlinks resolve from their directory, .. is physical', () => {
    const m = script('mkdir /a\nmkdir /a/b\nsymlink b/.. /a/up\ncreat /a/up/f\nsymlink .. /a/b/l\nwrite /a/b/l/b/g 0 1 => ENOENT\ncreat /a/b/l/b/g');
    expect(m.tree().has('/a/f')).toBe(true);
    expect(m.tree().has('/a/b/g')).toBe(true);
  });

  it('stat and readdir', () => {
    const m = script('mkdir /a\nmkdir /a/b\ncreat /a/f\nsymlink /a/f /s');
    expect(m.stat('/a')).toMatchObject({ type: 'dir', nlink: 3 });
    expect(m.readdir('/a')).toEqual(['b', 'f']);
    expect(m.readlink('/s')).toBe('/a/f');
    expect(() => m.readdir('/a/f')).toThrow(/ENOTDIR/);
    expect(() => m.readlink('/a/f')).toThrow(/EINVAL/);
  });
});

describe('model: data semantics', () => {
  it('write extends with a hole; truncate shrinks and grows with zeros', () => {
    const m = script('creat /f\nwrite /f 100 50 4\ntruncate /f 120\ntruncate /f 200');
    expectBytes(fileOf(m, '/f').data, cat(zeros(100), pat(4, 100, 20), zeros(80)));
    expect(m.read('/f', 190, 100)).toEqual(zeros(10));
  });

  it('falloc with and without keep', () => {
    const m = script('creat /f\nwrite /f 0 100\nfalloc /f 0 4k keep\nfalloc /f 50 8k');
    expect(fileOf(m, '/f').size).toBe(50 + 8192);
    expectBytes(fileOf(m, '/f').data, cat(pat(1, 0, 100), zeros(8142)));
  });

  it('punch keeps the size; zero with and without keep', () => {
    const m = script('creat /f\nwrite /f 0 12k 6\npunch /f 4k 4k\npunch /f 10k 8k\nzero /f 100 10 keep\nzero /f 12k 4k keep');
    const f = fileOf(m, '/f');
    expect(f.size).toBe(12288);
    expectBytes(f.data, cat(pat(6, 0, 100), zeros(10), pat(6, 110, 4096 - 110), zeros(4096), pat(6, 8192, 2048), zeros(2048)));
    script('zero /f 12k 4k', m);
    expect(fileOf(m, '/f').size).toBe(16384);
  });

  it('collapse and insert move the tail', () => {
    const m = script('creat /f\nwrite /f 0 16k 8\ncollapse /f 4k 4k');
    expectBytes(fileOf(m, '/f').data, cat(pat(8, 0, 4096), pat(8, 8192, 8192)));
    script('insert /f 0 4k', m);
    expectBytes(fileOf(m, '/f').data, cat(zeros(4096), pat(8, 0, 4096), pat(8, 8192, 8192)));
  });

  it('every fallocate mode through the helper, with mode errors', () => {
    const m = script('creat /f\nwrite /f 0 8k');
    m.fallocate('/f', 'unshare', false, 0, 16384);
    expect(m.stat('/f').size).toBe(16384);
    m.fallocate('/f', 'unshare', true, 0, 32768);
    expect(m.stat('/f').size).toBe(16384);
    const code = (fn: () => void) => {
      try {
        fn();
        return 'ok';
      } catch (e) {
        return isFsError(e) ? e.code : 'other';
      }
    };
    expect(code(() => m.fallocate('/f', 'punch', false, 0, 4096))).toBe('EOPNOTSUPP');
    expect(code(() => m.fallocate('/f', 'collapse', true, 0, 4096))).toBe('EINVAL');
    expect(code(() => m.fallocate('/f', 'allocate', false, 0, 2 ** 32))).toBe('EFBIG');
    expect(code(() => m.fallocate('/f', 'allocate', false, -1, 1))).toBe('EINVAL');
  });
});

describe('model: reflink, clone, dedupe', () => {
  it('reflink creates or truncates the destination; copies stay independent', () => {
    const m = script('creat /s\nwrite /s 0 10000 11\ncreat /d\nwrite /d 0 20000 5\nreflink /s /d\nreflink /s /n\nwrite /d 0 10 12');
    expectBytes(fileOf(m, '/n').data, pat(11, 0, 10000));
    expectBytes(fileOf(m, '/d').data, cat(pat(12, 0, 10), pat(11, 10, 9990)));
    expectBytes(fileOf(m, '/s').data, pat(11, 0, 10000));
  });

  it('clone copies a range, to EOF with length 0, and extends the destination', () => {
    const m = script('creat /s\nwrite /s 0 10000 3\ncreat /d\nclone /s 0 /d 8k 4k\nclone /s 8k /d 12k 0\nclone /s 10000 /d 0 0');
    expectBytes(fileOf(m, '/d').data, cat(zeros(8192), pat(3, 0, 4096), pat(3, 8192, 1808)));
  });

  it("a partial EOF block may not land inside the destination (Linux's generic_remap_check_len)", () => {
    const m = script('creat /s\nwrite /s 0 10000 3\ncreat /d\nclone /s 0 /d 8k 4k\nclone /s 8k /d 0 0 => EINVAL');
    expect(fileOf(m, '/d').data.length).toBe(12288);
  });

  it('clone within one file when the ranges do not overlap', () => {
    const m = script('creat /s\nwrite /s 0 12k 3\nclone /s 0 /s 8k 4k');
    expectBytes(fileOf(m, '/s').data, cat(pat(3, 0, 8192), pat(3, 0, 4096)));
  });

  it('dedupe returns the bytes deduped: equal ranges share, different ones do not', () => {
    const m = script('creat /a\nwrite /a 0 8k 1\ncreat /b\nwrite /b 0 8k 1\nwrite /b 4k 4k 2');
    expect(m.dedupe('/a', 0, '/b', 0, 4096)).toBe(4096);
    expect(m.dedupe('/a', 4096, '/b', 4096, 4096)).toBe(0);
    expect(m.dedupe('/a', 0, '/b', 0, 6000)).toBe(4096); // rounded down to a block
    expect(m.dedupe('/a', 0, '/b', 0, 0)).toBe(0);
    const t = m.tree();
    script('dedupe /a 0 /b 0 8k', m);
    expectSameTree(m.tree(), t);
  });
});

describe('model: xattrs', () => {
  it('set, replace, remove, on files and dirs, through symlinks', () => {
    const m = script('creat /f\nmkdir /d\nsymlink /f /l\nsetxattr /l user.a 1\nsetxattr /f user.a 2\nsetxattr /d trusted.x y\nsetxattr /f security.s z');
    expect(m.tree().get('/f')?.xattrs).toEqual({ 'security.s': 'z', 'user.a': '2' });
    expect(m.tree().get('/d')?.xattrs).toEqual({ 'trusted.x': 'y' });
    expect(m.listxattr('/f')).toEqual(['security.s', 'user.a']);
    expect(m.getxattr('/f', 'user.a')).toBe('2');
    expect(() => m.getxattr('/f', 'user.b')).toThrow(/ENODATA/);
  });
});
