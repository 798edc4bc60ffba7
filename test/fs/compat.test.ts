/**
 * One suite, three filesystems: code written against memfs or node:fs runs unchanged on pmemfs.
 * Each scenario runs on pmemfs, on a memfs Volume and on real node:fs in a tmpdir, and the
 * observable results (values, error codes) must agree. node:fs also fixes the error messages.
 */
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume } from 'memfs';
import { afterAll, describe, expect, it } from 'vitest';
import { freshFs } from './helpers.js';

/** The node:fs subset the scenarios use; all three filesystems satisfy it. */
interface Fs {
  writeFileSync(p: string, d: string | Uint8Array): void;
  appendFileSync(p: string, d: string): void;
  readFileSync(p: string, enc?: 'utf8'): string | Buffer;
  mkdirSync(p: string, o?: { recursive?: boolean }): string | undefined;
  readdirSync(p: string, o?: { withFileTypes?: boolean }): unknown[];
  statSync(p: string): { size: number; isFile(): boolean; isDirectory(): boolean; nlink: number; mode: number; mtimeMs: number } | undefined;
  lstatSync(p: string): { isSymbolicLink(): boolean } | undefined;
  renameSync(a: string, b: string): void;
  linkSync(a: string, b: string): void;
  symlinkSync(t: string, p: string): void;
  readlinkSync(p: string): string | Buffer;
  unlinkSync(p: string): void;
  rmdirSync(p: string): void;
  rmSync(p: string, o?: { recursive?: boolean; force?: boolean }): void;
  existsSync(p: string): boolean;
  openSync(p: string, f: string): number;
  closeSync(fd: number): void;
  readSync(fd: number, b: Uint8Array, o: number, l: number, p: number | null): number;
  writeSync(fd: number, b: Uint8Array, o: number, l: number, p: number | null): number;
  ftruncateSync(fd: number, l: number): void;
  truncateSync(p: string, l: number): void;
  copyFileSync(a: string, b: string): void;
  chmodSync(p: string, m: number): void;
  utimesSync(p: string, a: number, m: number): void;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function targets(): Array<[string, Fs, (p: string) => string]> {
  const { fs: pm } = freshFs(16 << 20);
  const vol = Volume.fromJSON({}) as unknown as Fs;
  const real = mkdtempSync(join(tmpdir(), 'pmemfs-compat-'));
  dirs.push(real);
  return [
    ['pmemfs', pm as unknown as Fs, (p) => p],
    ['memfs', vol, (p) => p],
    ['node:fs', nodeFs as unknown as Fs, (p) => join(real, p)],
  ];
}

type Scenario = (fs: Fs, p: (s: string) => string) => unknown;

function attempt(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    return { code: (e as { code?: string }).code };
  }
}

const SCENARIOS: Record<string, Scenario> = {
  'write, append, read back': (fs, p) => {
    fs.writeFileSync(p('/a.txt'), 'hello');
    fs.appendFileSync(p('/a.txt'), ' world');
    return [fs.readFileSync(p('/a.txt'), 'utf8'), fs.statSync(p('/a.txt'))!.size];
  },
  'recursive mkdir and readdir with types': (fs, p) => {
    fs.mkdirSync(p('/x/y/z'), { recursive: true });
    fs.writeFileSync(p('/x/f'), 'f');
    fs.symlinkSync(p('/x/f'), p('/x/l'));
    return (fs.readdirSync(p('/x'), { withFileTypes: true }) as Array<{ name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }>)
      .map((d) => [d.name, d.isFile(), d.isDirectory(), d.isSymbolicLink()]).sort();
  },
  'rename over a file, hard links and nlink': (fs, p) => {
    fs.writeFileSync(p('/r1'), 'one');
    fs.writeFileSync(p('/r2'), 'two');
    fs.renameSync(p('/r1'), p('/r2'));
    fs.linkSync(p('/r2'), p('/r3'));
    return [fs.existsSync(p('/r1')), fs.readFileSync(p('/r2'), 'utf8'), fs.statSync(p('/r3'))!.nlink];
  },
  'fd I/O: positioned writes, reads, ftruncate': (fs, p) => {
    const fd = fs.openSync(p('/io'), 'w+');
    fs.writeSync(fd, Buffer.from('abcdef'), 0, 6, null);
    fs.writeSync(fd, Buffer.from('XY'), 0, 2, 2);
    const b = Buffer.alloc(6);
    const n = fs.readSync(fd, b, 0, 6, 0);
    fs.ftruncateSync(fd, 3);
    fs.closeSync(fd);
    return [n, b.toString(), fs.readFileSync(p('/io'), 'utf8')];
  },
  'truncate up makes a hole of zeros': (fs, p) => {
    fs.writeFileSync(p('/t'), 'ab');
    fs.truncateSync(p('/t'), 5);
    return [...(fs.readFileSync(p('/t')) as Buffer)];
  },
  'copyFile, chmod, utimes, rmSync recursive': (fs, p) => {
    fs.writeFileSync(p('/c1'), 'copy me');
    fs.copyFileSync(p('/c1'), p('/c2'));
    fs.chmodSync(p('/c2'), 0o600);
    fs.utimesSync(p('/c2'), 1000, 2000);
    const st = fs.statSync(p('/c2'))!;
    fs.mkdirSync(p('/tree/a/b'), { recursive: true });
    fs.writeFileSync(p('/tree/a/b/f'), 'x');
    fs.rmSync(p('/tree'), { recursive: true });
    return [fs.readFileSync(p('/c2'), 'utf8'), st.mode & 0o777, st.mtimeMs, fs.existsSync(p('/tree'))];
  },
  'symlinks: readlink and following': (fs, p) => {
    fs.writeFileSync(p('/target'), 'T');
    fs.symlinkSync(p('/target'), p('/link'));
    return [fs.readlinkSync(p('/link')).toString() === p('/target'), fs.readFileSync(p('/link'), 'utf8'), fs.lstatSync(p('/link'))!.isSymbolicLink()];
  },
  'error codes': (fs, p) => {
    fs.mkdirSync(p('/e'));
    fs.writeFileSync(p('/e/f'), 'x');
    return [
      attempt(() => fs.readFileSync(p('/missing'))),
      attempt(() => fs.mkdirSync(p('/e'))),
      attempt(() => fs.rmdirSync(p('/e'))),
      attempt(() => fs.readFileSync(p('/e'))),
      attempt(() => fs.writeFileSync(p('/e/f/g'), 'x')),
      attempt(() => fs.openSync(p('/nope/x'), 'r')),
      attempt(() => fs.closeSync(99999)),
      attempt(() => fs.renameSync(p('/missing'), p('/m2'))),
      attempt(() => fs.linkSync(p('/e/f'), p('/e/f'))),
    ];
  },
};

/** Where memfs departs from Linux, pmemfs follows node:fs on Linux. */
const LINUX_ONLY: Record<string, Scenario> = {
  'name encodings: readdir, readlink and realpath give Buffers or text in other encodings': (fs, p) => {
    const f = fs as unknown as typeof nodeFs;
    f.mkdirSync(p('/enc/sub'), { recursive: true });
    f.writeFileSync(p('/enc/é'), 'x');
    f.symlinkSync('tgt-é', p('/enc/l'));
    const real = (b: Buffer | string) => Buffer.isBuffer(b) && b.toString() === p('/enc/é');
    return [
      f.readdirSync(p('/enc'), 'buffer').map((b) => Buffer.isBuffer(b) && b.toString('hex')),
      f.readdirSync(p('/enc'), { encoding: 'hex' }),
      f.readdirSync(p('/enc'), { withFileTypes: true, encoding: 'buffer' }).map((d) => [Buffer.isBuffer(d.name), d.name.toString(), d.isFile()]),
      // (not recursive with 'buffer': node 20 itself throws a TypeError there, joining Buffers as paths)
      f.readdirSync(p('/enc'), { encoding: null }),
      f.readlinkSync(p('/enc/l'), 'buffer').toString('hex'),
      f.readlinkSync(p('/enc/l'), { encoding: 'base64' }),
      real(f.realpathSync(p('/enc/é'), 'buffer')),
      real(f.realpathSync(p('/enc/é'), { encoding: 'buffer' })),
      real(f.realpathSync.native(p('/enc/é'), 'buffer')),
      f.realpathSync(p('/enc/é'), 'latin1') === Buffer.from(p('/enc/é')).toString('latin1'),
      attempt(() => f.readdirSync(p('/enc/missing'), 'buffer')),
    ];
  },
  'writeFile with O_NOFOLLOW on a symlink is ELOOP': (fs, p) => {
    fs.writeFileSync(p('/nf-target'), 'x');
    fs.symlinkSync(p('/nf-target'), p('/nf-link'));
    const put = fs.writeFileSync as unknown as (p: string, d: string, o: { flag: number }) => void;
    return attempt(() => put.call(fs, p('/nf-link'), 'y', { flag: nodeFs.constants.O_WRONLY | nodeFs.constants.O_NOFOLLOW }));
  },
  'unlink of a directory is EISDIR (memfs says EPERM)': (fs, p) => {
    fs.mkdirSync(p('/u'));
    return attempt(() => fs.unlinkSync(p('/u')));
  },
  '"." is a name: f/. is ENOTDIR, d/. is not removed, renamed or created through': (fs, p) => {
    const dot = (s: string) => p('/') + s; // p() is path.join for node:fs, which would drop the "."
    fs.writeFileSync(p('/f'), 'x');
    fs.mkdirSync(p('/d'));
    fs.writeFileSync(p('/d/x'), 'x');
    fs.mkdirSync(p('/e'));
    return [
      attempt(() => fs.statSync(dot('f/.'))), fs.existsSync(dot('f/.')), attempt(() => fs.unlinkSync(dot('f/.'))),
      attempt(() => fs.rmdirSync(dot('e/.'))), attempt(() => fs.renameSync(dot('d/.'), p('/z'))),
      attempt(() => fs.mkdirSync(dot('e/new/.'))), attempt(() => fs.writeFileSync(dot('e/new/.'), 'x')),
      attempt(() => fs.rmSync(dot('d/.'), { recursive: true })),
      [fs.existsSync(p('/f')), fs.existsSync(p('/d/x')), fs.readdirSync(p('/e')), fs.existsSync(p('/z'))],
    ];
  },
  'a trailing slash does not make rmdir, unlink, rename, rm or mkdir act on a symlink\'s target': (fs, p) => {
    fs.mkdirSync(p('/d'));
    fs.writeFileSync(p('/d/x'), 'x');
    fs.mkdirSync(p('/e'));
    fs.symlinkSync('d', p('/sd'));
    fs.symlinkSync('e', p('/se'));
    fs.symlinkSync('nowhere', p('/dang'));
    return [
      attempt(() => fs.rmdirSync(p('/se/'))), attempt(() => fs.renameSync(p('/sd/'), p('/moved'))),
      attempt(() => fs.unlinkSync(p('/sd/'))), attempt(() => fs.unlinkSync(p('/dang/'))),
      attempt(() => fs.rmSync(p('/sd/'), { recursive: true, force: true })),
      attempt(() => fs.mkdirSync(p('/dang/'))), attempt(() => fs.mkdirSync(p('/dang'), { recursive: true })),
      attempt(() => fs.mkdirSync(p('/dang/n'), { recursive: true })),
      [fs.existsSync(p('/e')), fs.existsSync(p('/d/x')), fs.existsSync(p('/moved')), fs.existsSync(p('/nowhere'))],
      [fs.lstatSync(p('/sd'))!.isSymbolicLink(), fs.lstatSync(p('/se'))!.isSymbolicLink()],
    ];
  },
  'a trailing slash on a name to create: EISDIR for O_CREAT and copyFile, ENOENT for link and symlink': (fs, p) => {
    fs.writeFileSync(p('/f'), 'x');
    fs.mkdirSync(p('/d'));
    const open = (q: string, f: number) => attempt(() => fs.closeSync(fs.openSync(q, f as unknown as string)));
    return [
      attempt(() => fs.copyFileSync(p('/f'), p('/n1/'))), attempt(() => fs.linkSync(p('/f'), p('/n2/'))),
      attempt(() => fs.symlinkSync('f', p('/n3/'))), attempt(() => fs.writeFileSync(p('/f/'), 'y')),
      open(p('/f/'), nodeFs.constants.O_RDONLY | nodeFs.constants.O_CREAT), open(p('/d'), nodeFs.constants.O_RDONLY | nodeFs.constants.O_CREAT),
      fs.readdirSync(p('/')).sort(),
    ];
  },
  'open flags: O_EXCL does not follow a dangling symlink, O_RDONLY|O_TRUNC truncates, O_DIRECTORY before ELOOP': (fs, p) => {
    const c = nodeFs.constants;
    fs.writeFileSync(p('/f'), 'hello');
    fs.mkdirSync(p('/d'));
    fs.symlinkSync('nowhere', p('/dang'));
    fs.symlinkSync('d', p('/sd'));
    const open = (q: string, f: string | number) => attempt(() => fs.closeSync(fs.openSync(q, f as string)));
    return [
      open(p('/dang'), 'wx'), fs.existsSync(p('/nowhere')),
      open(p('/f'), c.O_RDONLY | c.O_TRUNC), fs.statSync(p('/f'))!.size,
      open(p('/sd'), c.O_RDONLY | c.O_NOFOLLOW | c.O_DIRECTORY), open(p('/f'), null as unknown as string),
    ];
  },
  'readSync and writeSync positions as node:fs takes them (-1n, bigint, negative, options object)': (fs, p) => {
    fs.writeFileSync(p('/f'), '0123456789');
    const fd = fs.openSync(p('/f'), 'r+');
    const w = fs.writeSync as unknown as (fd: number, b: Uint8Array, ...a: unknown[]) => number;
    const r = fs.readSync as unknown as (fd: number, b: Uint8Array, ...a: unknown[]) => number;
    const b = Buffer.alloc(3);
    const out = [
      r.call(fs, fd, b, 0, 3, null), r.call(fs, fd, b, 0, 2, -1n), b.toString('latin1', 0, 2),
      w.call(fs, fd, Buffer.from('Y'), 0, 1, 1n), w.call(fs, fd, Buffer.from('N'), 0, 1, -1),
      w.call(fs, fd, Buffer.from('abcd'), { offset: 1, length: 2, position: 0 }), w.call(fs, fd, Buffer.from('ef'), { length: 1 }),
      fs.readFileSync(p('/f'), 'utf8'),
    ];
    fs.closeSync(fd);
    return out;
  },
  'modes as octal strings; copyFile gives an existing destination the source\'s mode': (fs, p) => {
    const anyFs = fs as unknown as { chmodSync(p: string, m: string): void; mkdirSync(p: string, m: string): void; writeFileSync(p: string, d: string, o: { mode: string }): void };
    fs.writeFileSync(p('/f'), 'x');
    anyFs.chmodSync(p('/f'), '640');
    anyFs.mkdirSync(p('/d'), '750');
    anyFs.writeFileSync(p('/g'), 'longer', { mode: '600' });
    const modes = [p('/f'), p('/d'), p('/g')].map((q) => (fs.statSync(q)!.mode & 0o7777).toString(8));
    fs.copyFileSync(p('/f'), p('/g'));
    return [modes, (fs.statSync(p('/g'))!.mode & 0o7777).toString(8), fs.readFileSync(p('/g'), 'utf8')];
  },
  'truncate to a negative length truncates to 0; rmSync force ignores a missing parent': (fs, p) => {
    fs.writeFileSync(p('/f'), 'hello');
    fs.truncateSync(p('/f'), -1);
    return [fs.statSync(p('/f'))!.size, attempt(() => fs.rmSync(p('/missing/x'), { force: true })), attempt(() => fs.rmSync('', { force: true }))];
  },
  'mkdir -p: a file is EEXIST, a path through a file ENOTDIR, and the empty path ENOENT': (fs, p) => {
    fs.writeFileSync(p('/f'), 'x');
    return [
      attempt(() => fs.mkdirSync(p('/f'), { recursive: true })), attempt(() => fs.mkdirSync(p('/f/x/y'), { recursive: true })),
      attempt(() => fs.mkdirSync('', { recursive: true })),
    ];
  },
  'PATH_MAX: a path of 4096 bytes or more is ENAMETOOLONG': (fs, p) => [
    attempt(() => fs.statSync(p('/' + 'a/'.repeat(2500)))), fs.existsSync(p('/' + 'a/'.repeat(2500))), attempt(() => fs.statSync(p('/' + 'a/'.repeat(1000)))),
  ],
  'URLs: only file: URLs name files, percent-decoded': (fs, p) => {
    fs.writeFileSync(p('/a b'), 'x');
    const exists = fs.existsSync as unknown as (u: URL) => boolean;
    return [exists.call(fs, new URL('http://example.com/')), exists.call(fs, new URL('file://' + p('/a b')))];
  },
};

describe('node:fs compatibility: pmemfs, memfs and node:fs agree', () => {
  for (const [name, scenario] of Object.entries(LINUX_ONLY)) {
    it(name, () => {
      const [pm, , real] = targets().map(([t, fs, p]) => (t === 'memfs' ? '' : JSON.stringify(scenario(fs, p)))); // memfs departs here
      expect(pm).toBe(real);
    });
  }

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, () => {
      const results = targets().map(([t, fs, p]) => [t, JSON.stringify(scenario(fs, p))] as const);
      const [pm, ...others] = results;
      for (const [t, r] of others) expect({ t, r: pm![1] }).toEqual({ t, r });
    });
  }

  it('error objects are shaped like node:fs errors', () => {
    const { fs } = freshFs();
    const real = mkdtempSync(join(tmpdir(), 'pmemfs-compat-'));
    dirs.push(real);
    const grab = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e as { code: string; errno: number; syscall: string; path: string; message: string; dest?: string };
      }
      throw new Error('no error');
    };
    const a = grab(() => fs.readFileSync('/nope'));
    const b = grab(() => nodeFs.readFileSync(join(real, 'nope')));
    expect([a.code, a.errno, a.syscall]).toEqual([b.code, b.errno, b.syscall]);
    expect(a.message).toBe(b.message.replace(join(real, 'nope'), '/nope'));
    const r = grab(() => fs.renameSync('/nope', '/x'));
    const s = grab(() => nodeFs.renameSync(join(real, 'nope'), join(real, 'x')));
    expect(r.message).toBe(s.message.split(real).join(''));
  });

  it('errors of two-path calls name both paths, whichever one failed', () => {
    const { fs } = freshFs();
    const real = mkdtempSync(join(tmpdir(), 'pmemfs-compat-'));
    dirs.push(real);
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        const { code, errno, syscall, path, dest, message } = e as { code: string; errno: number; syscall: string; path: string; dest: string; message: string };
        return JSON.stringify({ code, errno, syscall, path, dest, message }).split(real).join('');
      }
      return 'no error';
    };
    const cases: Array<(f: Fs, p: (s: string) => string) => unknown> = [
      (f, p) => f.renameSync(p('/f'), p('/nope/z')),
      (f, p) => f.renameSync(p('/f'), p('/f/z')),
      (f, p) => f.linkSync(p('/d'), p('/ld')),
      (f, p) => f.linkSync(p('/f'), p('/nope/z')),
      (f, p) => f.symlinkSync('x', p('/nope/s')),
      (f, p) => f.copyFileSync(p('/missing'), p('/g')),
      (f, p) => f.copyFileSync(p('/f'), p('/nope/g')),
      (f, p) => f.renameSync(p('/f'), p('/' + 'a'.repeat(256))),
    ];
    const fsP = (q: string) => q;
    const realP = (q: string) => join(real, q);
    for (const [f, p] of [[fs as unknown as Fs, fsP], [nodeFs as unknown as Fs, realP]] as const) {
      f.writeFileSync(p('/f'), 'x');
      f.mkdirSync(p('/d'));
    }
    for (const c of cases) expect(message(() => c(fs as unknown as Fs, fsP))).toBe(message(() => c(nodeFs as unknown as Fs, realP)));
  });

  it('readSync refuses a negative position instead of reading before the file (node:fs\'s RangeError)', () => {
    const { fs } = freshFs();
    fs.writeFileSync('/f', '0123456789');
    const fd = fs.openSync('/f', 'r');
    expect(() => fs.readSync(fd, Buffer.alloc(2), 0, 2, -2)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(() => fs.readSync(fd, Buffer.alloc(2), 0, 2, 1.5)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(fs.readSync(fd, Buffer.alloc(2), 0, 2, -1)).toBe(2); // -1: the file position
    fs.closeSync(fd);
  });

  it('an unknown name encoding is node:fs\'s ERR_INVALID_ARG_VALUE (arg-errors.test.ts has the rest)', () => {
    const { fs } = freshFs();
    fs.symlinkSync('/t', '/l');
    const bad = 'klingon' as BufferEncoding;
    const err = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: "The argument 'encoding' is invalid encoding. Received 'klingon'" });
    expect(() => fs.readdirSync('/', bad)).toThrow(err);
    expect(() => fs.readdirSync('/', { encoding: bad, withFileTypes: true })).toThrow(err);
    expect(() => fs.readlinkSync('/l', { encoding: bad })).toThrow(err);
    expect(() => fs.realpathSync.native('/l', bad)).toThrow(err);
  });
});
