/**
 * node:fs calls past the list the issue names (memfs's Volume has them too): the descriptor and
 * no-follow forms of chmod/chown/utimes, mkdtempSync, readvSync/writevSync, opendirSync, and
 * readdirSync's recursive order. Each scenario runs on pmemfs and on node:fs in a tmpdir and
 * must give the same result (paths made relative to the tmpdir; random names masked).
 */
import { execFileSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PmemDevice, mkfs, mount } from '../../src/index.js';
import { freshFs } from './helpers.js';

/** Either filesystem, typed as node:fs (pmemfs's overloads differ only in Buffer generics). */
type AnyFs = typeof nodeFs;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function both(): Array<[AnyFs, (s: string) => string, string]> {
  const { fs } = freshFs(16 << 20);
  const real = mkdtempSync(join(tmpdir(), 'pmemfs-more-'));
  dirs.push(real);
  const out: Array<[AnyFs, (s: string) => string, string]> = [
    [fs as unknown as AnyFs, (q) => q, ''],
    [nodeFs, (q) => join(real, q), real],
  ];
  for (const [f, p] of out) {
    f.mkdirSync(p('/d/s/t'), { recursive: true });
    f.writeFileSync(p('/d/x'), 'x');
    f.writeFileSync(p('/d/s/t/y'), 'y');
    f.mkdirSync(p('/d/a'));
    f.writeFileSync(p('/d/a/z'), 'z');
    f.symlinkSync(p('/d/x'), p('/d/lnk'));
  }
  return out;
}

function outcome(fn: () => unknown, real: string): string {
  try {
    return JSON.stringify(fn()).split(real).join('');
  } catch (e) {
    const err = e as Error & { code?: string; syscall?: string };
    return `${err.name} ${err.code} ${err.syscall}: ${err.message.split(real).join('')}`;
  }
}

const SCENARIOS: Record<string, (f: AnyFs, p: (s: string) => string) => unknown> = {
  'recursive readdir is breadth first': (f, p) => f.readdirSync(p('/d'), { recursive: true }),
  'recursive readdir with types': (f, p) => f.readdirSync(p('/d'), { recursive: true, withFileTypes: true }).map((e) => [e.name, e.parentPath, e.isFile()]).sort(),
  'fchmod on a read-only descriptor': (f, p) => {
    const fd = f.openSync(p('/d/x'), 'r');
    f.fchmodSync(fd, 0o640);
    f.closeSync(fd);
    return f.statSync(p('/d/x')).mode.toString(8);
  },
  'futimes': (f, p) => {
    const fd = f.openSync(p('/d/x'), 'r');
    f.futimesSync(fd, 100, new Date(200_000));
    f.closeSync(fd);
    const s = f.statSync(p('/d/x'));
    return [s.atimeMs, s.mtimeMs];
  },
  'lutimes changes the link, not its target': (f, p) => {
    f.utimesSync(p('/d/x'), 1, 2);
    f.lutimesSync(p('/d/lnk'), 300, 400);
    return [f.lstatSync(p('/d/lnk')).mtimeMs, f.statSync(p('/d/x')).mtimeMs];
  },
  'lchown and fchown to the current owner': (f, p) => {
    f.lchownSync(p('/d/lnk'), process.getuid!(), process.getgid!());
    const fd = f.openSync(p('/d/x'), 'r');
    f.fchownSync(fd, -1, process.getgid!());
    f.closeSync(fd);
    return f.statSync(p('/d/x')).gid === process.getgid!();
  },
  'the f* and l* forms on what is not there': (f, p) => [
    outcome(() => f.fchmodSync(99_999, 0o600), ''),
    outcome(() => f.fchownSync(99_999, 0, 0), ''),
    outcome(() => f.futimesSync(99_999, 0, 0), ''),
    outcome(() => f.lchownSync(p('/nope'), 0, 0), ''),
    outcome(() => f.lutimesSync(p('/nope'), 0, 0), ''),
  ],
  'mkdtemp': (f, p) => {
    const made = f.mkdtempSync(p('/d/tmp-'));
    const st = f.statSync(made);
    return [made.slice(0, -6), /^[A-Za-z0-9]{6}$/.test(made.slice(-6)), st.isDirectory(), st.mode & 0o777];
  },
  'mkdtemp under a missing directory names the template': (f, p) => f.mkdtempSync(p('/nope/t-')),
  'writev then readv': (f, p) => {
    const fd = f.openSync(p('/v'), 'w+');
    const n = f.writevSync(fd, [Buffer.from('ab'), new Uint8Array([99, 100]), Buffer.from('e')]);
    const a = Buffer.alloc(2);
    const b = Buffer.alloc(4);
    const m = f.readvSync(fd, [a, b], 0);
    const appended = f.writevSync(fd, [Buffer.from('Z')]); // at the file position (5)
    const atEnd = f.readvSync(fd, [Buffer.alloc(3)]);
    const at1 = f.writevSync(fd, [Buffer.from('QQ')], 1);
    f.closeSync(fd);
    return [n, m, a.toString(), b.toString('latin1'), appended, atEnd, at1, f.readFileSync(p('/v'), 'utf8')];
  },
  'readv with no buffers, writev with none': (f, p) => {
    const fd = f.openSync(p('/d/x'), 'r+');
    try {
      return [outcome(() => f.readvSync(fd, []), ''), f.writevSync(fd, [])];
    } finally {
      f.closeSync(fd);
    }
  },
  'opendir: read to the end, then closed': (f, p) => {
    const dir = f.opendirSync(p('/d'));
    const names: Array<[string, boolean]> = [];
    for (let e = dir.readSync(); e !== null; e = dir.readSync()) names.push([e.name, e.isDirectory()]);
    dir.closeSync();
    return [dir.path, names.sort(), outcome(() => dir.readSync(), ''), outcome(() => dir.closeSync(), '')];
  },
  'opendir recursive': (f, p) => {
    const dir = f.opendirSync(p('/d'), { recursive: true });
    const names: string[] = [];
    for (let e = dir.readSync(); e !== null; e = dir.readSync()) names.push(e.name);
    dir.closeSync();
    return names.sort();
  },
  'rm of a directory without recursive is node\'s SystemError': (f, p) => f.rmSync(p('/d')),
  'writeFile and appendFile to a descriptor open for reading only': (f, p) => {
    const fd = f.openSync(p('/d/x'), 'r');
    try {
      return [outcome(() => f.writeFileSync(fd, 'y'), ''), outcome(() => f.appendFileSync(fd, 'y'), ''), f.readFileSync(p('/d/x'), 'utf8')];
    } finally {
      f.closeSync(fd);
    }
  },
  'opendir errors': (f, p) => [outcome(() => f.opendirSync(p('/nope')), ''), outcome(() => f.opendirSync(p('/d/x')), ''), outcome(() => f.opendirSync(p('/d'), { bufferSize: 0 }), '')],
};

describe('node:fs calls beyond the issue\'s list agree with node:fs', () => {
  it.each(Object.keys(SCENARIOS))('%s', (name) => {
    const [[pm, pp, pr], [nf, np, nr]] = both() as [[AnyFs, (s: string) => string, string], [AnyFs, (s: string) => string, string]];
    const s = SCENARIOS[name]!;
    expect(outcome(() => s(pm, pp), pr)).toBe(outcome(() => s(nf, np), nr));
  });

  it('a Dir iterates with for await and its promise and callback forms, then closes itself', async () => {
    const { fs } = freshFs();
    fs.mkdirSync('/d/a', { recursive: true });
    for (const n of ['lnk', 's', 'x']) fs.writeFileSync(`/d/${n}`, n);
    const names: string[] = [];
    for await (const e of fs.opendirSync('/d')) names.push(e.name as string);
    expect(names).toEqual(['a', 'lnk', 's', 'x']);
    const dir = fs.opendirSync('/d');
    expect((await dir.read())?.name).toBe('a');
    const viaCallback = await new Promise((resolve, reject) => dir.read((err, e) => (err ? reject(err) : resolve(e?.name))));
    expect(viaCallback).toBe('lnk');
    await dir.close();
    await expect(dir.read()).rejects.toMatchObject({ code: 'ERR_DIR_CLOSED' });
  });

  it('writevSync is one transaction: one commit for all its buffers', () => {
    const { fs } = freshFs();
    const fd = fs.openSync('/f', 'w');
    const before = fs.core.log.seq;
    fs.writevSync(fd, [Buffer.alloc(5000, 1), Buffer.alloc(3, 2), Buffer.alloc(9000, 3)]);
    expect(fs.core.log.seq - before).toBe(1);
    expect(fs.statSync('/f')!.size).toBe(14_003);
  });

  it('a mount with this process\'s umask creates the modes node:fs creates', () => {
    // The process's umask, read where process.umask() cannot be (a worker): a child inherits it.
    const umask = parseInt(execFileSync('sh', ['-c', 'umask'], { encoding: 'utf8' }).trim(), 8);
    const dev = PmemDevice.create({ size: 16 << 20 });
    mkfs(dev);
    const pm = mount(dev, { umask }) as unknown as AnyFs;
    const real = mkdtempSync(join(tmpdir(), 'pmemfs-umask-'));
    dirs.push(real);
    const modes = (f: AnyFs, p: (s: string) => string): string[] => {
      f.writeFileSync(p('/w'), 'x');
      f.closeSync(f.openSync(p('/o'), 'w', 0o666));
      f.mkdirSync(p('/d'));
      f.mkdirSync(p('/r/s'), { recursive: true, mode: 0o777 });
      f.chmodSync(p('/w'), 0o666); // chmod is not masked
      f.copyFileSync(p('/w'), p('/c')); // the source's mode
      const t = f.mkdtempSync(p('/t-'));
      return [p('/w'), p('/o'), p('/d'), p('/r'), p('/r/s'), p('/c'), t].map((q) => (f.statSync(q).mode & 0o777).toString(8));
    };
    expect(modes(pm, (q) => q)).toEqual(modes(nodeFs, (q) => join(real, q)));
    expect(() => mount(dev, { umask: 0o1000 })).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'mount' }));
    const plain = freshFs().fs;
    plain.writeFileSync('/w', 'x');
    expect(plain.statSync('/w')!.mode & 0o777).toBe(0o666); // default: no umask, as memfs
  });
});

describe('Stats, BigIntStats and Dirent have node:fs\'s own keys', () => {
  it('in node\'s order, so code that serializes or compares them whole sees node\'s shape', () => {
    const { fs } = freshFs();
    const real = mkdtempSync(join(tmpdir(), 'pmemfs-keys-'));
    dirs.push(real);
    fs.writeFileSync('/f', 'x');
    nodeFs.writeFileSync(join(real, 'f'), 'x');
    expect(Object.keys(fs.statSync('/f')!)).toEqual(Object.keys(nodeFs.statSync(join(real, 'f'))));
    expect(Object.keys(fs.statSync('/f', { bigint: true })!)).toEqual(Object.keys(nodeFs.statSync(join(real, 'f'), { bigint: true })));
    expect(Object.keys(fs.readdirSync('/', { withFileTypes: true })[0]!)).toEqual(Object.keys(nodeFs.readdirSync(real, { withFileTypes: true })[0]!));
    // node's Stats serialize; pmemfs's nanosecond extension (a bigint) must not stop that.
    const st = fs.statSync('/f')!;
    expect(JSON.parse(JSON.stringify(st)).size).toBe(1);
    expect(typeof st.atimeNs).toBe('bigint');
  });
});
