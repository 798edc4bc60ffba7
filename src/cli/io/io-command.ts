/**
 * The xfs_io-style command language of `pmemfs io -c "CMD"`: one command per -c, parsed up front
 * so a typo stops the script before anything runs.
 *
 * Interface: parseIoCommand('pwrite -S 0xab 0 64k') -> IoCommand (a discriminated union), or a
 * UsageError naming the command and what was wrong. IO_USAGE lists every command's synopsis.
 * Numbers take the shared size syntax (4096, 0x1000, 64k, 1m); -S takes a byte (0..255).
 */
import {
  FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_UNSHARE_RANGE,
  FALLOC_FL_ZERO_RANGE,
} from '../../fs/index.js';
import { UsageError } from '../exit-status.js';
import { parseSize } from '../size.js';

export type FallocVerb = 'falloc' | 'fpunch' | 'fzero' | 'fcollapse' | 'finsert' | 'funshare';
export interface Range3 { srcOffset: number; dstOffset: number; length: number }

export type IoCommand =
  | { op: 'pwrite'; offset: number; length: number; seed: number; bufferSize: number }
  | { op: 'pread'; offset: number; length: number; verbose: boolean; bufferSize: number }
  | { op: 'fallocate'; verb: FallocVerb; mode: number; offset: number; length: number }
  | { op: 'truncate'; length: number }
  | { op: 'reflink'; source: string; range: Range3 | null }
  | { op: 'dedupe'; source: string; range: Range3 }
  | { op: 'fsync' }
  | { op: 'fdatasync' }
  | { op: 'fiemap' }
  | { op: 'stat' }
  | { op: 'setxattr'; name: string; value: string }
  | { op: 'getxattr'; name: string };

export const IO_USAGE: Record<string, string> = {
  pwrite: 'pwrite [-S seed] [-b bufsize] OFF LEN   write LEN bytes of the seed byte (default 0xcd) at OFF',
  pread: 'pread [-v] [-b bufsize] OFF LEN         read LEN bytes at OFF (-v: hex dump)',
  falloc: 'falloc [-k] OFF LEN                    allocate (-k: keep the size)',
  fpunch: 'fpunch OFF LEN                         punch a hole',
  fzero: 'fzero [-k] OFF LEN                     zero a range (-k: keep the size)',
  fcollapse: 'fcollapse OFF LEN                      remove a range, shifting the rest down',
  finsert: 'finsert OFF LEN                        insert a hole, shifting the rest up',
  funshare: 'funshare OFF LEN                       give the range private copies of shared blocks',
  truncate: 'truncate LEN                           set the size',
  reflink: 'reflink SRCPATH [SOFF DOFF LEN]        share SRCPATH\'s blocks (whole file, or a range)',
  dedupe: 'dedupe SRCPATH SOFF DOFF LEN           share identical ranges',
  fsync: 'fsync', fdatasync: 'fdatasync',
  fiemap: 'fiemap                                 the extent map, as xfs_io prints it',
  stat: 'stat                                   the open file\'s inode',
  setxattr: 'setxattr NAME VALUE', getxattr: 'getxattr NAME',
};

const FALLOC_MODES: Record<FallocVerb, { mode: number; keepFlag: boolean }> = {
  falloc: { mode: 0, keepFlag: true },
  fpunch: { mode: FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, keepFlag: false },
  fzero: { mode: FALLOC_FL_ZERO_RANGE, keepFlag: true },
  fcollapse: { mode: FALLOC_FL_COLLAPSE_RANGE, keepFlag: false },
  finsert: { mode: FALLOC_FL_INSERT_RANGE, keepFlag: false },
  funshare: { mode: FALLOC_FL_UNSHARE_RANGE, keepFlag: false },
};

/** Words, honouring '...' and "..." quotes (for setxattr values with spaces); a quote never closed is a UsageError. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) {
    // A bare word that starts with a quote is one the quoted forms could not close.
    if (m[3] !== undefined && /^["']/.test(m[3])) throw new UsageError(`io: unterminated ${m[3][0]} quote in '${text}'`);
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

interface Parsed {
  flags: Map<string, string | true>;
  args: string[];
}

/** getopt for one command: `spec` maps a letter to whether it takes a value. */
function getopt(verb: string, words: string[], spec: Record<string, boolean>): Parsed {
  const flags = new Map<string, string | true>();
  let i = 0;
  for (; i < words.length && /^-[a-zA-Z]/.test(words[i]!); i++) {
    const w = words[i]!;
    const letter = w[1]!;
    if (!(letter in spec)) throw bad(verb, `unknown option -${letter}`);
    if (!spec[letter]) {
      flags.set(letter, true);
      continue;
    }
    const value = w.length > 2 ? w.slice(2) : words[++i];
    if (value === undefined) throw bad(verb, `-${letter} needs a value`);
    flags.set(letter, value);
  }
  return { flags, args: words.slice(i) };
}

function bad(verb: string, why: string): UsageError {
  const usage = IO_USAGE[verb];
  return new UsageError(`io: ${verb}: ${why}${usage !== undefined ? ` (usage: ${usage.split(/\s{2,}/)[0]})` : ''}`);
}

function num(verb: string, text: string | undefined, what: string): number {
  if (text === undefined) throw bad(verb, `missing ${what}`);
  try {
    return parseSize(text);
  } catch {
    throw bad(verb, `invalid ${what} '${text}'`);
  }
}

function arity(verb: string, args: string[], n: number): void {
  if (args.length !== n) throw bad(verb, `expected ${n} argument(s), got ${args.length}`);
}

export function parseIoCommand(text: string): IoCommand {
  const [verb, ...words] = splitWords(text);
  if (verb === undefined) throw new UsageError('io: empty command');
  switch (verb) {
    case 'pwrite': {
      const { flags, args } = getopt(verb, words, { S: true, b: true });
      arity(verb, args, 2);
      const seed = flags.has('S') ? num(verb, flags.get('S') as string, 'seed') : 0xcd;
      if (seed > 255) throw bad(verb, `seed ${seed} is not a byte (0..255)`);
      const bufferSize = flags.has('b') ? num(verb, flags.get('b') as string, 'buffer size') : 65536;
      if (bufferSize === 0) throw bad(verb, 'buffer size must not be 0');
      return { op: 'pwrite', offset: num(verb, args[0], 'offset'), length: num(verb, args[1], 'length'), seed, bufferSize };
    }
    case 'pread': {
      const { flags, args } = getopt(verb, words, { v: false, b: true });
      arity(verb, args, 2);
      const bufferSize = flags.has('b') ? num(verb, flags.get('b') as string, 'buffer size') : 65536;
      if (bufferSize === 0) throw bad(verb, 'buffer size must not be 0');
      return { op: 'pread', offset: num(verb, args[0], 'offset'), length: num(verb, args[1], 'length'), verbose: flags.has('v'), bufferSize };
    }
    case 'falloc': case 'fpunch': case 'fzero': case 'fcollapse': case 'finsert': case 'funshare': {
      const m = FALLOC_MODES[verb];
      const { flags, args } = getopt(verb, words, m.keepFlag ? { k: false } : {});
      arity(verb, args, 2);
      const mode = m.mode | (flags.has('k') ? FALLOC_FL_KEEP_SIZE : 0);
      return { op: 'fallocate', verb, mode, offset: num(verb, args[0], 'offset'), length: num(verb, args[1], 'length') };
    }
    case 'truncate':
      arity(verb, words, 1);
      return { op: 'truncate', length: num(verb, words[0], 'length') };
    case 'reflink':
    case 'dedupe': {
      if (verb === 'reflink' && words.length === 1) return { op: 'reflink', source: words[0]!, range: null };
      arity(verb, words, 4);
      const range = { srcOffset: num(verb, words[1], 'source offset'), dstOffset: num(verb, words[2], 'destination offset'), length: num(verb, words[3], 'length') };
      return verb === 'reflink' ? { op: 'reflink', source: words[0]!, range } : { op: 'dedupe', source: words[0]!, range };
    }
    case 'fsync': case 'fdatasync': case 'fiemap': case 'stat':
      arity(verb, words, 0);
      return { op: verb };
    case 'setxattr':
      arity(verb, words, 2);
      return { op: 'setxattr', name: words[0]!, value: words[1]! };
    case 'getxattr':
      arity(verb, words, 1);
      return { op: 'getxattr', name: words[0]! };
    default:
      throw new UsageError(`io: unknown command '${verb}' (known: ${Object.keys(IO_USAGE).join(', ')})`);
  }
}
