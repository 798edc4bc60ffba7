import { mkdtempSync, rmSync } from 'node:fs';
import * as nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileHandle, PmemDevice, mkfs, mount } from '../../src/index.js';

/** One script, run against node:fs/promises under `root` and against pmemfs's fs.promises. */
async function script(fsp: typeof nodeFsp, root: string): Promise<unknown[]> {
  const out: unknown[] = [];
  const p = (s: string) => `${root}${s}`;
  const code = async (f: () => Promise<unknown>) => f().then(() => 'ok', (e: NodeJS.ErrnoException) => `${e.code} ${e.syscall}`);
  await fsp.mkdir(p('/d/e'), { recursive: true });
  await fsp.writeFile(p('/d/f'), 'hello');
  await fsp.appendFile(p('/d/f'), ' world');
  out.push(await fsp.readFile(p('/d/f'), 'utf8'));
  out.push((await fsp.stat(p('/d/f'))).size);
  await fsp.rename(p('/d/f'), p('/d/g'));
  await fsp.copyFile(p('/d/g'), p('/d/h'));
  await fsp.symlink('g', p('/d/s'));
  out.push(await fsp.readlink(p('/d/s')));
  out.push((await fsp.lstat(p('/d/s'))).isSymbolicLink());
  out.push((await fsp.readdir(p('/d'))).sort());
  const fh = await fsp.open(p('/d/g'), 'r+');
  const buf = Buffer.alloc(5);
  out.push((await fh.read(buf, 0, 5, 6)).bytesRead, buf.toString());
  out.push((await fh.write(Buffer.from('HELLO'), 0, 5, 0)).bytesWritten);
  await fh.truncate(8);
  await fh.sync();
  out.push((await fh.stat()).size);
  out.push((await fh.writev([Buffer.from('ab'), Buffer.from('c')], 8)).bytesWritten);
  const [x, y] = [Buffer.alloc(2), Buffer.alloc(9)];
  out.push((await fh.readv([x, y], 0)).bytesRead, x.toString(), y.toString());
  await fh.chmod(0o640);
  await fh.utimes(10, 20);
  await fh.chown(process.getuid!(), process.getgid!());
  out.push(((await fh.stat()).mode & 0o777).toString(8), (await fh.stat()).mtimeMs);
  await fh.close();
  await fsp.lutimes(p('/d/s'), 30, 40);
  await fsp.lchown(p('/d/s'), process.getuid!(), process.getgid!());
  out.push((await fsp.lstat(p('/d/s'))).mtimeMs);
  const tmp = await fsp.mkdtemp(p('/d/t-'));
  out.push(tmp.slice(root.length, -6), (await fsp.stat(tmp)).mode & 0o777);
  await fsp.rmdir(tmp);
  const dir = await fsp.opendir(p('/d'));
  const names: string[] = [];
  for await (const e of dir) names.push(e.name);
  out.push(names.sort());
  out.push(await fsp.readFile(p('/d/g'), 'utf8'));
  out.push(await code(() => fsp.readFile(p('/d/missing'))));
  out.push(await code(() => fsp.mkdir(p('/d'))));
  out.push(await code(() => fsp.rmdir(p('/d'))));
  out.push(await code(() => fsp.access(p('/d/nope'))));
  await fsp.unlink(p('/d/h'));
  await fsp.rm(p('/d'), { recursive: true });
  out.push(await code(() => fsp.stat(p('/d'))));
  return out;
}

describe('fs.promises', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('gives what node:fs/promises gives, errors as rejections', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pmemfs-promises-'));
    const expected = await script(nodeFsp, dir);
    const dev = PmemDevice.create({ size: 16 << 20 });
    mkfs(dev);
    const fs = mount(dev);
    try {
      // (Typed as node's: the script is written once, for both.)
      expect(await script(fs.promises as unknown as typeof nodeFsp, '')).toEqual(expected);
      expect(fs.openFiles).toBe(0);
      expect(fs.promises.constants.O_CREAT).toBe(fs.constants.O_CREAT);
    } finally {
      fs.unmount();
      dev.close();
    }
  });

  it('rejects instead of throwing, and open resolves to a FileHandle', async () => {
    const dev = PmemDevice.create({ size: 16 << 20 });
    mkfs(dev);
    const fs = mount(dev);
    try {
      const pending = fs.promises.stat('/nope');
      await expect(pending).rejects.toMatchObject({ code: 'ENOENT', syscall: 'stat', path: '/nope' });
      const fh = await fs.promises.open('/x', 'w');
      expect(fh).toBeInstanceOf(FileHandle);
      await fh.writeFile('abc');
      await fh.close();
      expect(fs.readFileSync('/x', 'utf8')).toBe('abc');
      // realpathSync.native exists (some resolvers call it) and agrees with realpathSync.
      fs.symlinkSync('/x', '/lx');
      expect([fs.realpathSync('/lx'), fs.realpathSync.native('/lx')]).toEqual(['/x', '/x']);
      expect(await fs.promises.realpath('/lx')).toBe('/x');
    } finally {
      fs.unmount();
      dev.close();
    }
  });
});
