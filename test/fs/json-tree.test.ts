/**
 * memfs's tree helpers (fromJSON, fromNestedJSON, toJSON, reset) on pmemfs, against a memfs
 * Volume: the same calls must build and report the same trees.
 */
import { Volume } from 'memfs';
import { describe, expect, it } from 'vitest';
import { freshFs } from './helpers.js';

type Helpers = {
  fromJSON(json: Record<string, string | Uint8Array | null>, cwd?: string): void;
  fromNestedJSON(json: Record<string, unknown>, cwd?: string): void;
  toJSON(paths?: string | string[], json?: object, isRelative?: boolean, asBuffer?: boolean): Record<string, unknown>;
  reset(): void;
  symlinkSync(target: string, path: string): void;
  mkdirSync(path: string): void;
};

function script(v: Helpers): unknown[] {
  const out: unknown[] = [];
  v.fromJSON({ '/a/b.txt': 'hello', '/a/c': null, '/d/e/f': Buffer.from([1, 2, 255]), 'rel.txt': 'r' }, '/cwd');
  v.symlinkSync('/a/b.txt', '/lnk'); // left out of toJSON, as memfs leaves links out
  v.mkdirSync('/empty');
  out.push(v.toJSON(), v.toJSON('/a'), v.toJSON(['/a', '/d'], {}, true), v.toJSON('/a/b.txt'), v.toJSON('/empty'), v.toJSON('/nope'));
  out.push(JSON.stringify(v.toJSON('/d', {}, false, true)));
  v.fromNestedJSON({ n: { m: 'M', o: {}, p: null } }, '/base');
  out.push(v.toJSON('/base'));
  v.reset();
  out.push(v.toJSON());
  return out;
}

describe('memfs tree helpers', () => {
  it('build and report the same trees as memfs\'s', () => {
    const want = script(new Volume() as unknown as Helpers);
    const { fs } = freshFs();
    expect(script(fs as unknown as Helpers)).toEqual(want);
  });
});
