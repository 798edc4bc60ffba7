/**
 * The layer picture in docs/DESIGN.md, enforced: every import in src/ may only go down.
 * A folder's rank is its position in LAYERS; a file may import its own folder or a lower one.
 * src/index.ts is the package root and may import anything. Also: MAP items have one maker.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');

/** Lowest first. fs sub-folders are ranked inside the fs band. */
const LAYERS = [
  'errno',
  'pmem',
  'fs/format',
  'fs/alloc',
  'fs/log',
  'fs/inode',
  'fs/seal',
  'fs/dir',
  'fs/api',
  'fs',
  'crash',
  'cli',
] as const;

function layerOf(file: string): string {
  const rel = relative(SRC, file).split(sep).join('/');
  let best = '';
  for (const l of LAYERS) if ((rel.startsWith(l + '/')) && l.length > best.length) best = l;
  return best === '' ? '<root>' : best;
}

function rank(layer: string): number {
  return layer === '<root>' ? Infinity : LAYERS.indexOf(layer as (typeof LAYERS)[number]);
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('architecture', () => {
  const files = walk(SRC);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it('every file belongs to a known layer', () => {
    const stray = files.filter((f) => layerOf(f) === '<root>' && relative(SRC, f) !== 'index.ts');
    expect(stray).toEqual([]);
  });

  it('imports only go down the layer stack', () => {
    const bad: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? '';
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        const to = layerOf(target);
        if (rank(to) > rank(from)) bad.push(`${relative(SRC, file)} (${from}) -> ${spec} (${to})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('MAP items are made by mapItem() only, never as object literals (see its comment)', () => {
    const literal = /\bt: 'map'\s*,/;
    const bad = files.filter((f) => relative(SRC, f) !== join('fs', 'format', 'items.ts') && literal.test(readFileSync(f, 'utf8')));
    expect(bad.map((f) => relative(SRC, f))).toEqual([]);
    expect(literal.test("txn.add({ t: 'map', ino: 1 })")).toBe(true); // the pattern itself catches one
  });

  it('the layer check itself rejects an upward edge', () => {
    expect(rank(layerOf(join(SRC, 'cli/x.ts')))).toBeGreaterThan(rank(layerOf(join(SRC, 'pmem/x.ts'))));
    expect(rank(layerOf(join(SRC, 'fs/api/x.ts')))).toBeGreaterThan(rank(layerOf(join(SRC, 'fs/format/x.ts'))));
  });
});
