/**
 * node:fs's callback API on a mounted pmemfs: one script, run against node:fs in a tmpdir and
 * against pmemfs, must see the same results and errors; results arrive on a later tick; a wrong
 * argument or a missing callback throws at once, as in node:fs.
 */
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CALLBACK_NAMES } from '../../src/fs/api/callbacks.js';
import { Filesystem } from '../../src/index.js';
import { freshFs } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type CbFs = typeof nodeFs;

/** Calls `name` with `args` and a callback; resolves to what the callback got. */
function call(fs: CbFs, name: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve) => (fs as unknown as Record<string, (...a: unknown[]) => void>)[name]!(...args, (...got: unknown[]) => resolve(got)));
}

async function script(fs: CbFs, p: (s: string) => string): Promise<unknown[]> {
  const out: unknown[] = [];
  const errOf = (got: unknown[]) => {
    const e = got[0] as NodeJS.ErrnoException | null;
    return e === null ? 'ok' : `${e.code} ${e.syscall}`;
  };
  out.push(errOf(await call(fs, 'mkdir', p('/d/e'), { recursive: true })));
  out.push(errOf(await call(fs, 'writeFile', p('/d/f'), 'hello')));
  out.push(errOf(await call(fs, 'appendFile', p('/d/f'), ' world')));
  out.push((await call(fs, 'readFile', p('/d/f'), 'utf8'))[1]);
  out.push(((await call(fs, 'stat', p('/d/f')))[1] as nodeFs.Stats).size);
  const fd = (await call(fs, 'open', p('/d/f'), 'r+'))[1] as number;
  const buf = Buffer.alloc(5);
  const [rerr, n, same] = await call(fs, 'read', fd, buf, 0, 5, 6);
  out.push(rerr, n, same === buf, buf.toString());
  const [, m, viaOptions] = await call(fs, 'read', fd, { buffer: Buffer.alloc(3), position: 1 });
  out.push(m, (viaOptions as Buffer).toString());
  const [, k, fresh] = await call(fs, 'read', fd); // a 16 KiB buffer of its own, at the file position
  out.push(k, (fresh as Buffer).length);
  const [, w, wbuf] = await call(fs, 'write', fd, Buffer.from('HELLO'), 0, 5, 0);
  out.push(w, Buffer.isBuffer(wbuf));
  out.push((await call(fs, 'writev', fd, [Buffer.from('a'), Buffer.from('b')], 11)).slice(0, 2));
  out.push(errOf(await call(fs, 'fsync', fd)), errOf(await call(fs, 'ftruncate', fd, 12)), errOf(await call(fs, 'close', fd)));
  out.push((await call(fs, 'readFile', p('/d/f'), 'latin1'))[1]);
  out.push(errOf(await call(fs, 'rename', p('/d/f'), p('/d/g'))), errOf(await call(fs, 'copyFile', p('/d/g'), p('/d/h'))));
  out.push(errOf(await call(fs, 'symlink', 'g', p('/d/s'))), (await call(fs, 'readlink', p('/d/s')))[1]);
  out.push(((await call(fs, 'readdir', p('/d')))[1] as string[]).sort());
  out.push(errOf(await call(fs, 'readFile', p('/d/missing'))), errOf(await call(fs, 'mkdir', p('/d'))), errOf(await call(fs, 'rmdir', p('/d'))));
  out.push(await new Promise((resolve) => fs.exists(p('/d/g'), resolve)), await new Promise((resolve) => fs.exists(p('/nope'), resolve)));
  out.push(errOf(await call(fs, 'rm', p('/d'), { recursive: true })), errOf(await call(fs, 'stat', p('/d'))));
  return out;
}

describe('callback API', () => {
  it('gives what node:fs\'s callbacks give', async () => {
    const real = mkdtempSync(join(tmpdir(), 'pmemfs-cb-'));
    dirs.push(real);
    const expected = await script(nodeFs, (q) => join(real, q));
    const { fs } = freshFs();
    expect(await script(fs as unknown as CbFs, (q) => q)).toEqual(expected);
    expect(fs.openFiles).toBe(0);
  });

  it('calls back on a later tick; a bad argument or a missing callback throws at once', async () => {
    const { fs } = freshFs();
    const f = fs as unknown as CbFs;
    let called = false;
    f.stat('/', () => (called = true));
    expect(called).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(called).toBe(true);
    expect(() => f.stat(5 as unknown as string, () => {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => (f.stat as unknown as (p: string) => void)('/')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'The "cb" argument must be of type function. Received undefined' }));
    // promisify works on them (bound: they are methods, as memfs Volume's are).
    expect(((await promisify(f.stat.bind(f))('/')) as nodeFs.Stats).isDirectory()).toBe(true);
    await expect(promisify(f.readFile.bind(f))('/nope')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('shadows no method: each callback name belongs to the callback API alone, beside its Sync call', () => {
    const { fs } = freshFs();
    for (const name of CALLBACK_NAMES) {
      expect(typeof (fs as unknown as Record<string, unknown>)[`${name}Sync`], name).toBe('function');
      expect(Object.getOwnPropertyNames(fs), `${name} as an own property would shadow the callback`).not.toContain(name);
      let proto = Object.getPrototypeOf(Filesystem.prototype) as object | null;
      for (; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
        expect(Object.getOwnPropertyNames(proto), `${name} on a base class would be shadowed`).not.toContain(name);
      }
    }
  });
});
