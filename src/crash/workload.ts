/**
 * The workload language: one filesystem operation a line (grammar in
 * ../shared/workloads/README.md, fixed by the crash-consistency issue).
 *
 *   mkdir P | rmdir P | creat P | unlink P | link OLD NEW | symlink TARGET P | rename OLD NEW
 *   write P OFF LEN [SEED] | truncate P LEN
 *   falloc P OFF LEN [keep] | punch P OFF LEN | zero P OFF LEN [keep]
 *   collapse P OFF LEN | insert P OFF LEN
 *   reflink SRC DST | clone SRC SOFF DST DOFF LEN | dedupe SRC SOFF DST DOFF LEN
 *   setxattr P NAME VALUE | removexattr P NAME
 *   fsync P | fdatasync P | sync
 *   mmap P OFF LEN [direct] [sync] | mwrite P OFF LEN [SEED] | msync P OFF LEN | munmap P
 *   seal P [OFF LEN] [fail|lease] | unseal P
 *
 * Interface: `parseWorkload(text, name, file?)`, `loadWorkloads(fileOrDir)` (a directory yields
 * its *.wl files, sorted by name), the Op types; and, from workload-format.ts, `formatWorkload(w)`
 * and `formatOp(op)`.
 *
 * Lexical rules: tokens are separated by whitespace; a token starting with `#` starts a comment
 * that runs to the end of the line; sizes and offsets are decimal with an optional k (×1024) or
 * m (×1048576) suffix; SEED is a decimal integer below 2^32 and defaults to 1 when omitted
 * (DEFAULT_SEED); every P, OLD, NEW, SRC, DST is an absolute path (TARGET may be anything);
 * `seal` defaults to a whole-file seal in `fail` mode; a trailing `=> CODE` names the error code
 * the operation must fail with (a key of the ERRNO table).
 *
 * Invariants: parse(format(w)) equals w except for line numbers (formatWorkload prints one op a
 * line, so line numbers become 1..n). Parse errors are FsError EINVAL, syscall 'parse', path the
 * file, detail `line N: ...`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fsError, isErrorCode, type ErrorCode } from '../errno/index.js';

export { formatOp, formatSize, formatWorkload } from './workload-format.js';

/** SEED of a `write`/`mwrite` line that gives none. */
export const DEFAULT_SEED = 1;

export type SealMode = 'fail' | 'lease';

/** One operation without its position: what the model and the runner execute. */
export type OpBody =
  | { kind: 'mkdir' | 'rmdir' | 'creat' | 'unlink' | 'fsync' | 'fdatasync' | 'munmap' | 'unseal'; path: string }
  | { kind: 'link' | 'rename'; oldPath: string; newPath: string }
  | { kind: 'symlink'; target: string; path: string }
  | { kind: 'write' | 'mwrite'; path: string; offset: number; length: number; seed: number }
  | { kind: 'truncate'; path: string; length: number }
  | { kind: 'falloc' | 'zero'; path: string; offset: number; length: number; keepSize: boolean }
  | { kind: 'punch' | 'collapse' | 'insert' | 'msync'; path: string; offset: number; length: number }
  | { kind: 'reflink'; src: string; dst: string }
  | { kind: 'clone' | 'dedupe'; src: string; srcOffset: number; dst: string; dstOffset: number; length: number }
  | { kind: 'setxattr'; path: string; name: string; value: string }
  | { kind: 'removexattr'; path: string; name: string }
  | { kind: 'sync' }
  | { kind: 'mmap'; path: string; offset: number; length: number; direct: boolean; sync: boolean }
  | { kind: 'seal'; path: string; range?: { offset: number; length: number }; mode: SealMode };

export type OpKind = OpBody['kind'];

/** Where an op came from and what it must do: `line` is 1-based; `expect` an error code. */
export interface OpMeta {
  line: number;
  expect?: ErrorCode;
}

export type Op = OpBody & OpMeta;

export interface Workload {
  name: string;
  ops: Op[];
}

/** Attach position (and an expected error) to an op body. */
export function withMeta(body: OpBody, line: number, expect?: ErrorCode): Op {
  return expect === undefined ? { ...body, line } : { ...body, line, expect };
}

// ---------------------------------------------------------------------------------------------
// Parsing

class ParseError extends Error {}

/**
 * A message that echoes the input, safe to print: control characters and U+FFFD (what invalid
 * UTF-8 decodes to: a binary file given as a workload) as \u escapes, cut at 200 characters.
 */
function printable(text: string): string {
  const s = text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** A cursor over one line's argument tokens. */
class Args {
  private i = 0;
  constructor(private readonly toks: readonly string[]) {}

  private take(what: string): string {
    const t = this.toks[this.i];
    if (t === undefined) throw new ParseError(`missing ${what}`);
    this.i++;
    return t;
  }
  peek(): string | undefined {
    return this.toks[this.i];
  }
  word(what: string): string {
    return this.take(what);
  }
  path(what = 'path'): string {
    const t = this.take(what);
    if (!t.startsWith('/')) throw new ParseError(`${what} '${t}' must be absolute`);
    return t;
  }
  size(what: string): number {
    return parseSize(this.take(what), what);
  }
  seed(): number {
    const t = this.peek();
    if (t === undefined) return DEFAULT_SEED;
    this.i++;
    if (!/^\d+$/.test(t) || Number(t) >= 2 ** 32) throw new ParseError(`bad SEED '${t}'`);
    return Number(t);
  }
  flag(name: string): boolean {
    if (this.peek() !== name) return false;
    this.i++;
    return true;
  }
  done(): void {
    const t = this.peek();
    if (t !== undefined) throw new ParseError(`unexpected '${t}'`);
  }
}

/** `4096`, `4k`, `1m`: a non-negative safe integer number of bytes. */
export function parseSize(tok: string, what = 'size'): number {
  const m = /^(\d+)([kKmM]?)$/.exec(tok);
  if (m === null) throw new ParseError(`bad ${what} '${tok}'`);
  const unit = m[2] === '' ? 1 : m[2] === 'k' || m[2] === 'K' ? 1024 : 1048576;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n)) throw new ParseError(`${what} '${tok}' is too large`);
  return n;
}

type Parser = (a: Args) => OpBody;

const range = (a: Args) => ({ path: a.path(), offset: a.size('OFF'), length: a.size('LEN') });
const remap = (a: Args) => ({
  src: a.path('SRC'),
  srcOffset: a.size('SOFF'),
  dst: a.path('DST'),
  dstOffset: a.size('DOFF'),
  length: a.size('LEN'),
});

const PARSERS: { readonly [K in OpKind]: Parser } = {
  mkdir: (a) => ({ kind: 'mkdir', path: a.path() }),
  rmdir: (a) => ({ kind: 'rmdir', path: a.path() }),
  creat: (a) => ({ kind: 'creat', path: a.path() }),
  unlink: (a) => ({ kind: 'unlink', path: a.path() }),
  link: (a) => ({ kind: 'link', oldPath: a.path('OLD'), newPath: a.path('NEW') }),
  symlink: (a) => ({ kind: 'symlink', target: a.word('TARGET'), path: a.path() }),
  rename: (a) => ({ kind: 'rename', oldPath: a.path('OLD'), newPath: a.path('NEW') }),
  write: (a) => ({ kind: 'write', ...range(a), seed: a.seed() }),
  truncate: (a) => ({ kind: 'truncate', path: a.path(), length: a.size('LEN') }),
  falloc: (a) => ({ kind: 'falloc', ...range(a), keepSize: a.flag('keep') }),
  punch: (a) => ({ kind: 'punch', ...range(a) }),
  zero: (a) => ({ kind: 'zero', ...range(a), keepSize: a.flag('keep') }),
  collapse: (a) => ({ kind: 'collapse', ...range(a) }),
  insert: (a) => ({ kind: 'insert', ...range(a) }),
  reflink: (a) => ({ kind: 'reflink', src: a.path('SRC'), dst: a.path('DST') }),
  clone: (a) => ({ kind: 'clone', ...remap(a) }),
  dedupe: (a) => ({ kind: 'dedupe', ...remap(a) }),
  setxattr: (a) => ({ kind: 'setxattr', path: a.path(), name: a.word('NAME'), value: a.word('VALUE') }),
  removexattr: (a) => ({ kind: 'removexattr', path: a.path(), name: a.word('NAME') }),
  fsync: (a) => ({ kind: 'fsync', path: a.path() }),
  fdatasync: (a) => ({ kind: 'fdatasync', path: a.path() }),
  sync: () => ({ kind: 'sync' }),
  mmap: parseMmap,
  mwrite: (a) => ({ kind: 'mwrite', ...range(a), seed: a.seed() }),
  msync: (a) => ({ kind: 'msync', ...range(a) }),
  munmap: (a) => ({ kind: 'munmap', path: a.path() }),
  seal: parseSeal,
  unseal: (a) => ({ kind: 'unseal', path: a.path() }),
};

/** `mmap P OFF LEN [direct] [sync]`: the two flags in either order, each at most once. */
function parseMmap(a: Args): OpBody {
  const r = range(a);
  let direct = false;
  let sync = false;
  for (let t = a.peek(); t === 'direct' || t === 'sync'; t = a.peek()) {
    if ((t === 'direct' && direct) || (t === 'sync' && sync)) throw new ParseError(`'${t}' given twice`);
    if (a.flag('direct')) direct = true;
    else if (a.flag('sync')) sync = true;
  }
  return { kind: 'mmap', ...r, direct, sync };
}

/** `seal P [OFF LEN] [fail|lease]`: whole-file and `fail` unless told otherwise. */
function parseSeal(a: Args): OpBody {
  const path = a.path();
  const next = a.peek();
  const ranged = next !== undefined && next !== 'fail' && next !== 'lease';
  const r = ranged ? { offset: a.size('OFF'), length: a.size('LEN') } : undefined;
  let mode: SealMode = 'fail';
  if (a.flag('lease')) mode = 'lease';
  else a.flag('fail');
  return r === undefined ? { kind: 'seal', path, mode } : { kind: 'seal', path, range: r, mode };
}

function isOpKind(s: string): s is OpKind {
  return Object.prototype.hasOwnProperty.call(PARSERS, s);
}

/** Split off the comment and the `=> CODE` suffix; null for a blank line. */
function lex(text: string): { toks: string[]; expect?: ErrorCode } | null {
  const all = text.split(/\s+/).filter((t) => t !== '');
  const hash = all.findIndex((t) => t.startsWith('#'));
  const toks = hash < 0 ? all : all.slice(0, hash);
  if (toks.length === 0) return null;
  const arrow = toks.indexOf('=>');
  if (arrow < 0) return { toks };
  const code = toks[arrow + 1];
  if (arrow === 0) throw new ParseError(`'=>' without an operation`);
  if (code === undefined) throw new ParseError(`'=>' needs an error code`);
  if (arrow + 2 !== toks.length) throw new ParseError(`unexpected '${toks[arrow + 2] ?? ''}' after the error code`);
  if (!isErrorCode(code)) throw new ParseError(`unknown error code '${code}'`);
  return { toks: toks.slice(0, arrow), expect: code };
}

function parseLine(text: string, line: number): Op | null {
  const lexed = lex(text);
  if (lexed === null) return null;
  const [kw, ...rest] = lexed.toks;
  if (kw === undefined || !isOpKind(kw)) throw new ParseError(`unknown operation '${kw ?? ''}'`);
  const args = new Args(rest);
  const body = PARSERS[kw](args);
  args.done();
  return withMeta(body, line, lexed.expect);
}

/** Parse workload text; `file` (default `name`) is named in errors. */
export function parseWorkload(text: string, name: string, file: string = name): Workload {
  const ops: Op[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    try {
      const op = parseLine(lines[i] ?? '', i + 1);
      if (op !== null) ops.push(op);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      throw fsError('EINVAL', 'parse', { path: file, detail: `line ${i + 1}: ${printable(e.message)}` });
    }
  }
  return { name, ops };
}

// ---------------------------------------------------------------------------------------------
// Loading

/** A .wl file, or every .wl file of a directory (not recursive), sorted by name. */
export function loadWorkloads(fileOrDir: string): Workload[] {
  let isDir: boolean;
  try {
    isDir = statSync(fileOrDir).isDirectory();
  } catch {
    throw fsError('ENOENT', 'open', { path: fileOrDir });
  }
  const files = isDir
    ? readdirSync(fileOrDir).filter((n) => n.endsWith('.wl')).sort().map((n) => join(fileOrDir, n))
    : [fileOrDir];
  return files.map((f) => parseWorkload(readFileSync(f, 'utf8'), basename(f).replace(/\.wl$/, ''), f));
}
