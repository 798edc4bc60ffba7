/**
 * memfs's tree helpers, so test code written against a memfs Volume runs on a mounted pmemfs:
 *
 *   fromJSON(fs, { '/a/b.txt': 'hi', '/empty': null }, cwd = '/')
 *       each file written (parents made), each null value a directory; relative paths resolve
 *       against cwd (memfs's default is process.cwd(); a pmemfs has no working directory, so '/')
 *   fromNestedJSON(fs, { a: { 'b.txt': 'hi', empty: null } }, cwd = '/')
 *   toJSON(fs, paths = '/', json = {}, isRelative = false, asBuffer = false)
 *       every file as its contents (UTF-8 text, or a Buffer), every empty directory as null;
 *       symlinks are left out, as memfs leaves them; keys absolute, or relative to the path given
 *   reset(fs)   everything under the root removed
 *
 * As in memfs, these are conveniences, not transactions: each file is its own operation (each
 * atomic and durable), so a crash in the middle of fromJSON leaves part of the tree.
 */
import { posix } from 'node:path';
import type { Dirent } from './stats.js';

export type JsonTree = Record<string, string | Uint8Array | null>;
export type NestedJsonTree = { [name: string]: string | Uint8Array | null | NestedJsonTree };

/** What the helpers need of the filesystem: node:fs's synchronous calls. */
export interface TreeFs {
  mkdirSync(path: string, options: { recursive: true }): string | undefined;
  writeFileSync(path: string, data: string | Uint8Array): void;
  readFileSync(path: string): Buffer | string;
  lstatSync(path: string, options: { throwIfNoEntry: false }): { isDirectory(): boolean; isFile(): boolean } | undefined;
  readdirSync(path: string, options: { withFileTypes: true }): Dirent[];
  rmSync(path: string, options: { recursive: true; force: true }): void;
}

export function fromJSON(fs: TreeFs, json: JsonTree, cwd = '/'): void {
  for (const [path, data] of Object.entries(json)) {
    const abs = posix.resolve('/', cwd, path);
    if (data === null) {
      fs.mkdirSync(abs, { recursive: true });
      continue;
    }
    fs.mkdirSync(posix.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, data);
  }
}

export function fromNestedJSON(fs: TreeFs, json: NestedJsonTree, cwd = '/'): void {
  fromJSON(fs, flatten(json, ''), cwd);
}

/** { a: { b: 'x' }, c: {} } -> { 'a/b': 'x', c: null } (an empty object is an empty directory). */
function flatten(json: NestedJsonTree, prefix: string): JsonTree {
  const out: JsonTree = {};
  for (const [name, v] of Object.entries(json)) {
    const path = prefix + name;
    if (v === null || typeof v === 'string' || v instanceof Uint8Array) out[path] = v;
    else if (Object.keys(v).length === 0) out[path] = null;
    else Object.assign(out, flatten(v, `${path}/`));
  }
  return out;
}

export function toJSON(fs: TreeFs, paths: string | readonly string[] = '/', json: Record<string, string | Buffer | null> = {}, isRelative = false, asBuffer = false):
  Record<string, string | Buffer | null> {
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    const root = posix.resolve('/', path);
    const key = (p: string) => (isRelative ? posix.relative(root, p) : p);
    const content = (p: string) => {
      const b = fs.readFileSync(p) as Buffer;
      return asBuffer ? b : b.toString('utf8');
    };
    const visit = (dir: string): void => {
      const entries = fs.readdirSync(dir, { withFileTypes: true });
      if (entries.length === 0 && dir !== '/') json[key(dir)] = null; // an empty directory
      for (const e of entries) {
        const p = posix.join(dir, e.name);
        if (e.isDirectory()) visit(p);
        else if (e.isFile()) json[key(p)] = content(p);
      }
    };
    const st = fs.lstatSync(path, { throwIfNoEntry: false }); // a missing path adds nothing
    if (st?.isDirectory()) visit(root);
    else if (st?.isFile()) json[key(root)] = content(root);
  }
  return json;
}

export function reset(fs: TreeFs): void {
  for (const e of fs.readdirSync('/', { withFileTypes: true })) fs.rmSync(posix.join('/', e.name), { recursive: true, force: true });
}
