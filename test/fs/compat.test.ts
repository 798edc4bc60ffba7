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
};

describe('node:fs compatibility: pmemfs, memfs and node:fs agree', () => {
  for (const [name, scenario] of Object.entries(LINUX_ONLY)) {
    it(name, () => {
      const [pm, , real] = targets().map(([, fs, p]) => JSON.stringify(scenario(fs, p)));
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
});
