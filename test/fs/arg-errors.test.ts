/**
 * Argument errors, against node:fs itself: each call with a wrong argument runs on pmemfs and on
 * node:fs in a tmpdir, and the two must throw the same thing: the class (TypeError, RangeError,
 * or an errno Error), the code and the message, word for word (paths made relative to the tmpdir).
 * A bad argument is checked before anything else, so a missing path or a closed descriptor
 * beside it does not change the answer.
 */
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshFs } from './helpers.js';

/** Either filesystem, called with arguments its types forbid (that is the point). */
type AnyFs = any;
type Case = (fs: AnyFs, p: (s: string) => string, fd: number) => unknown;

const real = mkdtempSync(join(tmpdir(), 'pmemfs-args-'));
afterAll(() => rmSync(real, { recursive: true, force: true }));

const CLOSED = 99_999;
const b4 = () => Buffer.alloc(4);

const CASES: Record<string, Case> = {
  // descriptors
  'close("a")': (fs) => fs.closeSync('a'),
  'close(-1)': (fs) => fs.closeSync(-1),
  'close(1.5)': (fs) => fs.closeSync(1.5),
  'close(2**31)': (fs) => fs.closeSync(2 ** 31),
  'close()': (fs) => fs.closeSync(),
  'close(closed)': (fs) => fs.closeSync(CLOSED),
  'fstat("x")': (fs) => fs.fstatSync('x'),
  'fsync("x")': (fs) => fs.fsyncSync('x'),
  'fdatasync(-1)': (fs) => fs.fdatasyncSync(-1),
  // read
  'read(fd, null)': (fs, _p, fd) => fs.readSync(fd, null),
  'read(closed, null)': (fs) => fs.readSync(CLOSED, null),
  'read(fd, "a")': (fs, _p, fd) => fs.readSync(fd, 'a'),
  'read offset 10': (fs, _p, fd) => fs.readSync(fd, b4(), 10, 1, 0),
  'read offset -1': (fs, _p, fd) => fs.readSync(fd, b4(), -1, 1, 0),
  'read offset 1.5': (fs, _p, fd) => fs.readSync(fd, b4(), 1.5, 1, 0),
  'read offset "a"': (fs, _p, fd) => fs.readSync(fd, b4(), 'a', 1, 0),
  'read length 10': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 10, 0),
  'read length -1': (fs, _p, fd) => fs.readSync(fd, b4(), 0, -1, 0),
  'read length 1.5': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 1.5, 0),
  'read length "a"': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 'a', 0),
  'read position -2': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 1, -2),
  'read position 1.5': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 1, 1.5),
  'read position "a"': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 1, 'a'),
  'read position 2**53': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 1, 2 ** 53),
  'read position -2n': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 1, -2n),
  'read position 2n**63n': (fs, _p, fd) => fs.readSync(fd, b4(), 0, 1, 2n ** 63n),
  'read {offset: 10}': (fs, _p, fd) => fs.readSync(fd, b4(), { offset: 10 }),
  'read {offset: "a"}': (fs, _p, fd) => fs.readSync(fd, b4(), { offset: 'a' }),
  'read 3 arguments': (fs, _p, fd) => fs.readSync(fd, b4(), 1),
  'read empty buffer': (fs, _p, fd) => fs.readSync(fd, Buffer.alloc(0), 0, 1, 0),
  'read length 0 of closed': (fs) => fs.readSync(CLOSED, b4(), 0, 0, 0),
  // write
  'write(fd, 123)': (fs, _p, fd) => fs.writeSync(fd, 123),
  'write(fd, {})': (fs, _p, fd) => fs.writeSync(fd, {}),
  'write(fd, null)': (fs, _p, fd) => fs.writeSync(fd, null),
  'write(closed, 5)': (fs) => fs.writeSync(CLOSED, 5),
  'write offset 10': (fs, _p, fd) => fs.writeSync(fd, b4(), 10, 1, 0),
  'write offset -1': (fs, _p, fd) => fs.writeSync(fd, b4(), -1, 1, 0),
  'write offset 1.5': (fs, _p, fd) => fs.writeSync(fd, b4(), 1.5, 1, 0),
  'write offset "a"': (fs, _p, fd) => fs.writeSync(fd, b4(), 'a', 1, 0),
  'write offset 5, no length': (fs, _p, fd) => fs.writeSync(fd, b4(), 5),
  'write length 10': (fs, _p, fd) => fs.writeSync(fd, b4(), 0, 10, 0),
  'write length -1': (fs, _p, fd) => fs.writeSync(fd, b4(), 0, -1, 0),
  'write length 1.5': (fs, _p, fd) => fs.writeSync(fd, b4(), 0, 1.5, 0),
  // paths
  'stat(undefined)': (fs) => fs.statSync(undefined),
  'stat(null)': (fs) => fs.statSync(null),
  'stat({})': (fs) => fs.statSync({}),
  'stat(1.5)': (fs) => fs.statSync(1.5),
  'stat with NUL': (fs) => fs.statSync('/a\u0000b'),
  'stat(http URL)': (fs) => fs.statSync(new URL('http://x/y')),
  'lstat(5)': (fs) => fs.lstatSync(5),
  'open(123)': (fs) => fs.openSync(123),
  'unlink([])': (fs) => fs.unlinkSync([]),
  'rename(1, p)': (fs, p) => fs.renameSync(1, p('/x')),
  'rename(p, 1)': (fs, p) => fs.renameSync(p('/x'), 1),
  'link(1, p)': (fs, p) => fs.linkSync(1, p('/x')),
  'link(p, 1)': (fs, p) => fs.linkSync(p('/x'), 1),
  'symlink(1, p)': (fs, p) => fs.symlinkSync(1, p('/x')),
  'symlink(p, 1)': (fs, p) => fs.symlinkSync(p('/x'), 1),
  'copyFile(1, p)': (fs, p) => fs.copyFileSync(1, p('/x')),
  'copyFile(p, 1)': (fs, p) => fs.copyFileSync(p('/f'), 1),
  'readlink(1)': (fs) => fs.readlinkSync(1),
  'realpath.native(1)': (fs) => fs.realpathSync.native(1),
  'exists(1)': (fs) => fs.existsSync(1),
  'exists with NUL': (fs) => fs.existsSync('/a\u0000b'),
  // flags and modes
  'open flags "xyz"': (fs, p) => fs.openSync(p('/f'), 'xyz'),
  'open flags {}': (fs, p) => fs.openSync(p('/f'), {}),
  'open flags true': (fs, p) => fs.openSync(p('/f'), true),
  'open flags 1.5': (fs, p) => fs.openSync(p('/f'), 1.5),
  'open flags 2**40': (fs, p) => fs.openSync(p('/f'), 2 ** 40),
  'open mode "zz"': (fs, p) => fs.openSync(p('/f'), 'r', 'zz'),
  'open mode -1': (fs, p) => fs.openSync(p('/f'), 'r', -1),
  'open mode {}': (fs, p) => fs.openSync(p('/f'), 'r', {}),
  'open missing, flags "xyz"': (fs, p) => fs.openSync(p('/nope'), 'xyz'),
  'chmod mode "zz"': (fs, p) => fs.chmodSync(p('/f'), 'zz'),
  'chmod mode 1.5': (fs, p) => fs.chmodSync(p('/f'), 1.5),
  'chmod mode -1': (fs, p) => fs.chmodSync(p('/f'), -1),
  'chmod missing, mode "zz"': (fs, p) => fs.chmodSync(p('/nope'), 'zz'),
  'mkdir mode "q"': (fs, p) => fs.mkdirSync(p('/m'), { mode: 'q' }),
  'mkdir mode -1': (fs, p) => fs.mkdirSync(p('/m'), -1),
  'mkdir recursive "yes"': (fs, p) => fs.mkdirSync(p('/m'), { recursive: 'yes' }),
  'access mode 8': (fs, p) => fs.accessSync(p('/f'), 8),
  'access mode "1"': (fs, p) => fs.accessSync(p('/f'), '1'),
  'access mode NaN': (fs, p) => fs.accessSync(p('/f'), NaN),
  'access missing, mode 99': (fs, p) => fs.accessSync(p('/nope'), 99),
  'copyFile mode 99': (fs, p) => fs.copyFileSync(p('/f'), p('/g'), 99),
  'copyFile mode "a"': (fs, p) => fs.copyFileSync(p('/f'), p('/g'), 'a'),
  'copyFile missing, mode -1': (fs, p) => fs.copyFileSync(p('/nope'), p('/g'), -1),
  // owners, times, lengths
  'chown uid "a"': (fs, p) => fs.chownSync(p('/f'), 'a', 0),
  'chown uid -2': (fs, p) => fs.chownSync(p('/f'), -2, 0),
  'chown gid 1.5': (fs, p) => fs.chownSync(p('/f'), 0, 1.5),
  'chown gid 2**32': (fs, p) => fs.chownSync(p('/f'), 0, 2 ** 32),
  'utimes atime {}': (fs, p) => fs.utimesSync(p('/f'), {}, 0),
  'utimes mtime NaN': (fs, p) => fs.utimesSync(p('/f'), 0, NaN),
  'utimes atime Infinity': (fs, p) => fs.utimesSync(p('/f'), Infinity, 0),
  'utimes missing, atime {}': (fs, p) => fs.utimesSync(p('/nope'), {}, 0),
  'truncate len "a"': (fs, p) => fs.truncateSync(p('/f'), 'a'),
  'truncate len 1.5': (fs, p) => fs.truncateSync(p('/f'), 1.5),
  'truncate missing, len "a"': (fs, p) => fs.truncateSync(p('/nope'), 'a'),
  'truncate(closed fd)': (fs) => fs.truncateSync(CLOSED, 0),
  'ftruncate len "a"': (fs, _p, fd) => fs.ftruncateSync(fd, 'a'),
  'ftruncate(closed, "a")': (fs) => fs.ftruncateSync(CLOSED, 'a'),
  'ftruncate len 2**60': (fs, _p, fd) => fs.ftruncateSync(fd, 2 ** 60),
  // options and encodings
  'readFile encoding "nope"': (fs, p) => fs.readFileSync(p('/f'), 'nope'),
  'readFile missing, encoding "nope"': (fs, p) => fs.readFileSync(p('/nope'), 'nope'),
  'readFile options 5': (fs, p) => fs.readFileSync(p('/f'), 5),
  'readFile flag "zz"': (fs, p) => fs.readFileSync(p('/f'), { flag: 'zz' }),
  'writeFile data 123': (fs, p) => fs.writeFileSync(p('/w'), 123),
  'writeFile encoding "nope"': (fs, p) => fs.writeFileSync(p('/w'), 'x', 'nope'),
  'writeFile options 5': (fs, p) => fs.writeFileSync(p('/w'), 'x', 5),
  'writeFile flag "zz"': (fs, p) => fs.writeFileSync(p('/w'), 'x', { flag: 'zz' }),
  'writeFile mode "zz"': (fs, p) => fs.writeFileSync(p('/w'), 'x', { mode: 'zz' }),
  'appendFile data 123': (fs, p) => fs.appendFileSync(p('/w'), 123),
  'readdir encoding "nope"': (fs, p) => fs.readdirSync(p('/'), 'nope'),
  'readdir missing, encoding "nope"': (fs, p) => fs.readdirSync(p('/nope'), 'nope'),
  'readdir options 5': (fs, p) => fs.readdirSync(p('/'), 5),
  'readdir recursive "x"': (fs, p) => fs.readdirSync(p('/'), { recursive: 'x' }),
  'readlink encoding "nope"': (fs, p) => fs.readlinkSync(p('/l'), 'nope'),
  'realpath encoding "nope"': (fs, p) => fs.realpathSync(p('/'), 'nope'),
  'rm options 5': (fs, p) => fs.rmSync(p('/nope'), 5),
  'rm force "yes"': (fs, p) => fs.rmSync(p('/nope'), { force: 'yes' }),
  'rm recursive 1': (fs, p) => fs.rmSync(p('/nope'), { recursive: 1 }),
  'rmdir recursive "x"': (fs, p) => fs.rmdirSync(p('/nope'), { recursive: 'x' }),
  // the descriptor and no-follow forms, mkdtemp, readv/writev, opendir
  'fchmod("a")': (fs) => fs.fchmodSync('a', 0o644),
  'fchmod mode "zz"': (fs, _p, fd) => fs.fchmodSync(fd, 'zz'),
  'fchown uid "a"': (fs, _p, fd) => fs.fchownSync(fd, 'a', 0),
  'futimes atime {}': (fs, _p, fd) => fs.futimesSync(fd, {}, 0),
  'futimes mtime {}': (fs, _p, fd) => fs.futimesSync(fd, 0, {}),
  'lutimes atime {}': (fs, p) => fs.lutimesSync(p('/f'), {}, 0),
  'lutimes(1)': (fs) => fs.lutimesSync(1, 0, 0),
  'lchown uid "a"': (fs, p) => fs.lchownSync(p('/f'), 'a', 0),
  'mkdtemp(1)': (fs) => fs.mkdtempSync(1),
  'mkdtemp with NUL': (fs) => fs.mkdtempSync('/a\u0000'),
  'mkdtemp encoding "nope"': (fs, p) => fs.mkdtempSync(p('/t-'), 'nope'),
  'readv(fd, buffer)': (fs, _p, fd) => fs.readvSync(fd, b4()),
  'readv(fd, [1])': (fs, _p, fd) => fs.readvSync(fd, [1]),
  'writev(fd, "x")': (fs, _p, fd) => fs.writevSync(fd, 'x'),
  'writev(fd, ["x"])': (fs, _p, fd) => fs.writevSync(fd, ['x']),
  'opendir(1)': (fs) => fs.opendirSync(1),
  'opendir encoding "nope"': (fs, p) => fs.opendirSync(p('/'), { encoding: 'nope' }),
};

/** What a call threw, as comparable text: class, code and message (errno errors: code and syscall). */
function outcome(fn: () => unknown): string {
  try {
    const r = fn();
    return `returned ${typeof r === 'object' ? typeof r : String(r)}`;
  } catch (e) {
    const err = e as Error & { code?: string; errno?: number; syscall?: string };
    if (typeof err.errno === 'number') return `${err.code} ${err.errno} ${err.syscall}`; // the syscall's own (compat.test.ts compares those)
    const keys = Object.keys(err).join(',');
    return `${err.constructor.name} ${err.name} ${err.code} keys=${keys}: ${err.message.split(real).join('')}`;
  }
}

describe('argument errors are node:fs\'s', () => {
  const { fs } = freshFs(16 << 20);
  for (const [f, p] of [[fs, (q: string) => q], [nodeFs, (q: string) => join(real, q)]] as const) {
    f.writeFileSync(p('/f'), 'abcd');
    f.symlinkSync(p('/f'), p('/l'));
  }
  const pfd = fs.openSync('/f', 'r+');
  const nfd = nodeFs.openSync(join(real, 'f'), 'r+');
  afterAll(() => nodeFs.closeSync(nfd));

  it.each(Object.keys(CASES))('%s', (name) => {
    const c = CASES[name]!;
    const want = outcome(() => c(nodeFs, (q) => join(real, q), nfd));
    expect(outcome(() => c(fs, (q) => q, pfd))).toBe(want);
  });

  it('promises reject with the same errors, and never throw synchronously', async () => {
    const p = fs.promises as AnyFs;
    const n = nodeFs.promises as AnyFs;
    for (const [call, args] of [['stat', [5]], ['mkdir', ['/m', { recursive: 'yes' }]], ['chmod', ['/f', 'zz']], ['readFile', ['/f', 'nope']]] as const) {
      const got = await (p[call](...args) as Promise<unknown>).then(() => 'resolved', (e: Error & { code?: string }) => `${e.name} ${e.code}`);
      const want = await (n[call](...args.map((a) => (typeof a === 'string' && a.startsWith('/') ? join(real, a) : a))) as Promise<unknown>)
        .then(() => 'resolved', (e: Error & { code?: string }) => `${e.name} ${e.code}`);
      expect(got, call).toBe(want);
    }
  });
});
