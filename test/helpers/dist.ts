/**
 * Tests that cross a process or thread boundary (workers, SIGKILLed children) run the compiled
 * package: `npm test` builds it first (tsc -p tsconfig.json emits dist/).
 *
 * Interface: DIST_URL (import it from a worker or child), distBuilt(), staleDist(dirs): the
 * sources under src/<dir> newer than their compiled .js, so a suite can refuse to test old
 * code when someone ran vitest without building.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(__dirname, '..', '..');
export const DIST_ENTRY = resolve(ROOT, 'dist', 'src', 'index.js');
export const DIST_URL = pathToFileURL(DIST_ENTRY).href;

export function distBuilt(): boolean {
  return existsSync(DIST_ENTRY);
}

/** Sources under src/<dir> (each of `dirs`, '' for src itself, not recursive for '') newer than their dist .js. */
export function staleDist(dirs: string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    const srcDir = join(ROOT, 'src', dir);
    for (const name of readdirSync(srcDir)) {
      if (!name.endsWith('.ts')) continue;
      const src = join(srcDir, name);
      const js = join(ROOT, 'dist', 'src', dir, name.replace(/\.ts$/, '.js'));
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(src).mtimeMs) out.push(relative(ROOT, src));
    }
  }
  return out;
}

/** Throws, naming the stale files, unless the compiled pmem layer matches its sources. */
export function requireFreshDist(): void {
  const stale = staleDist(['', 'errno', 'pmem']);
  if (stale.length > 0) {
    throw new Error(`dist/ is older than ${stale.join(', ')}: run \`npx tsc -p tsconfig.json\` (npm test does)`);
  }
}
