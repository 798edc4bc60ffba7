/**
 * cpSync against node:fs's: each scenario runs on node:fs in a tmpdir and on pmemfs and must
 * leave the same tree (types, sizes, contents, modes, link targets relative to the root) and
 * throw the same errors (class, code, message, errno, syscall, path).
 */
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshFs } from './helpers.js';

type AnyFs = typeof nodeFs;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * The tree under root, not following symlinks. Modes are compared under the umask node:fs's
 * process has (022) and pmemfs does not apply: only the bits it leaves can differ by design.
 */
function tree(f: AnyFs, root: string, real: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of (f.readdirSync(join(root, rel)) as string[]).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const p = join(root, r);
    const st = f.lstatSync(p);
    const what = st.isSymbolicLink() ? `-> ${f.readlinkSync(p).split(real).join('')}` : st.isDirectory() ? 'dir' : `file ${f.readFileSync(p, 'latin1')}`;
    out.push(`${r} ${(st.mode & 0o755).toString(8)} ${what}`);
    if (st.isDirectory()) out.push(...tree(f, root, real, r));
  }
  return out;
}

function outcome(fn: () => unknown, real: string): string {
  try {
    const r = fn();
    return typeof r === 'string' ? r.split(real).join('') : 'ok';
  } catch (e) {
    const err = e as Error & { code?: string; errno?: number; syscall?: string; path?: string; info?: unknown };
    return JSON.stringify({ name: err.name, code: err.code, message: err.message, errno: err.errno, syscall: err.syscall, path: err.path, keys: Object.keys(err), info: err.info }).split(real).join('');
  }
}

const SCENARIOS: Record<string, (f: AnyFs, p: (s: string) => string) => unknown> = {
  'a file': (f, p) => f.cpSync(p('/src/f'), p('/out/f')),
  'a file into a missing directory (made)': (f, p) => f.cpSync(p('/src/f'), p('/out/a/b/f')),
  'a directory without recursive': (f, p) => f.cpSync(p('/src'), p('/out')),
  'a directory, recursive': (f, p) => f.cpSync(p('/src'), p('/out'), { recursive: true }),
  'over an existing copy (force)': (f, p) => {
    f.cpSync(p('/src'), p('/out'), { recursive: true });
    f.writeFileSync(p('/src/f'), 'changed');
    f.cpSync(p('/src'), p('/out'), { recursive: true });
  },
  'force false keeps the target': (f, p) => {
    f.cpSync(p('/src'), p('/out'), { recursive: true });
    f.writeFileSync(p('/src/f'), 'changed');
    f.cpSync(p('/src'), p('/out'), { recursive: true, force: false });
  },
  'errorOnExist': (f, p) => {
    f.cpSync(p('/src'), p('/out'), { recursive: true });
    f.cpSync(p('/src'), p('/out'), { recursive: true, force: false, errorOnExist: true });
  },
  'into itself': (f, p) => f.cpSync(p('/src'), p('/src/d/x'), { recursive: true }),
  'onto itself': (f, p) => f.cpSync(p('/src/f'), p('/src/f')),
  'a file over a directory': (f, p) => f.cpSync(p('/src/f'), p('/src/d')),
  'a directory over a file': (f, p) => f.cpSync(p('/src/d'), p('/src/f'), { recursive: true }),
  'a missing source': (f, p) => f.cpSync(p('/nope'), p('/out')),
  'verbatim symlinks': (f, p) => f.cpSync(p('/src'), p('/out'), { recursive: true, verbatimSymlinks: true }),
  'dereference': (f, p) => f.cpSync(p('/src'), p('/out'), { recursive: true, dereference: true }),
  'a filter': (f, p) => f.cpSync(p('/src'), p('/out'), { recursive: true, filter: (s: string) => !s.endsWith('/g') }),
  'bad options': (f, p) => [
    outcome(() => f.cpSync(p('/src'), p('/out'), 5 as never), ''),
    outcome(() => f.cpSync(p('/src'), p('/out'), { force: 'y' as never }), ''),
    outcome(() => f.cpSync(p('/src'), p('/out'), { filter: 1 as never }), ''),
    outcome(() => f.cpSync(p('/src'), p('/out'), { dereference: true, verbatimSymlinks: true }), ''),
    outcome(() => f.cpSync(1 as never, p('/out')), ''),
  ].join('\n'),
};

describe('cpSync agrees with node:fs', () => {
  it.each(Object.keys(SCENARIOS))('%s', (name) => {
    const results = [];
    for (const target of ['node', 'pmemfs'] as const) {
      const real = target === 'node' ? mkdtempSync(join(tmpdir(), 'pmemfs-cp-')) : '';
      if (target === 'node') dirs.push(real);
      const f = (target === 'node' ? nodeFs : freshFs().fs) as unknown as AnyFs;
      const p = (q: string) => (target === 'node' ? join(real, q) : q);
      f.mkdirSync(p('/src/d/e'), { recursive: true });
      f.writeFileSync(p('/src/f'), 'f');
      f.writeFileSync(p('/src/g'), 'g');
      f.writeFileSync(p('/src/d/e/h'), 'h');
      f.chmodSync(p('/src/g'), 0o600);
      f.chmodSync(p('/src/d'), 0o750);
      f.symlinkSync('f', p('/src/rel'));
      f.symlinkSync(p('/src/d'), p('/src/abs'));
      const result = outcome(() => SCENARIOS[name]!(f, p), real);
      results.push([result, tree(f, p('/'), real)]);
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('cpSync on pmemfs', () => {
  it('with COPYFILE_FICLONE_FORCE copies by reflink: the copies share their blocks', () => {
    const { fs } = freshFs();
    fs.mkdirSync('/src/d', { recursive: true });
    fs.writeFileSync('/src/d/big', Buffer.alloc(64 * 1024, 7));
    const before = fs.statfsSync('/').bfree;
    fs.cpSync('/src', '/copy', { recursive: true, mode: fs.constants.COPYFILE_FICLONE_FORCE });
    expect(fs.readFileSync('/copy/d/big')).toEqual(Buffer.alloc(64 * 1024, 7));
    expect(fs.fiemapSync('/copy/d/big').every((e) => e.flags.includes('shared'))).toBe(true);
    expect(before - fs.statfsSync('/').bfree).toBeLessThan(16); // metadata only, not 16 data blocks
  });
});
