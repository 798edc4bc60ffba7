/** statSync/lstatSync/fstatSync with { bigint: true }: node's BigIntStats, field for field. */
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BigIntStats } from '../../src/index.js';
import { freshFs } from './helpers.js';

const real = mkdtempSync(join(tmpdir(), 'pmemfs-bigint-'));
afterAll(() => rmSync(real, { recursive: true, force: true }));

/** What can agree between two filesystems: types, sizes, modes, links, set times. */
function shape(st: nodeFs.BigIntStats | BigIntStats) {
  return {
    types: ['dev', 'ino', 'mode', 'nlink', 'size', 'blocks', 'atimeMs', 'mtimeNs', 'birthtimeNs'].map((k) => typeof (st as unknown as Record<string, unknown>)[k]),
    size: st.size, mode: st.mode & 0o170777n, nlink: st.nlink, mtimeNs: st.mtimeNs, mtimeMs: st.mtimeMs,
    atimeNs: st.atimeNs, date: st.mtime.getTime(), file: st.isFile(), link: st.isSymbolicLink(),
  };
}

describe('BigIntStats', () => {
  it('agree with node:fs for a file, a symlink and a descriptor', () => {
    const { fs } = freshFs();
    const run = (f: typeof nodeFs, p: (s: string) => string) => {
      f.writeFileSync(p('/f'), 'hello bigint');
      f.chmodSync(p('/f'), 0o640);
      f.utimesSync(p('/f'), 1000.25, 2000.5);
      f.symlinkSync('f', p('/s'));
      const fd = f.openSync(p('/f'), 'r');
      try {
        return [shape(f.statSync(p('/f'), { bigint: true })!), shape(f.lstatSync(p('/s'), { bigint: true })!).link, shape(f.fstatSync(fd, { bigint: true }))];
      } finally {
        f.closeSync(fd);
      }
    };
    const want = run(nodeFs, (s) => join(real, s));
    const got = run(fs as unknown as typeof nodeFs, (s) => s);
    expect(got).toEqual(want);
    expect(fs.statSync('/f', { bigint: true })).toBeInstanceOf(BigIntStats);
    expect(typeof fs.statSync('/f')!.size).toBe('number');
  });
});
