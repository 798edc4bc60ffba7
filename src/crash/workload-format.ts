/**
 * Printing workloads back in the workload language (grammar in workload.ts).
 *
 * Interface: `formatOp(op)` (one line, no newline), `formatWorkload(w)` (one op a line),
 * `formatSize(n)` (the shortest exact spelling: 1m, 4k, 100).
 * Invariants: parseWorkload(formatWorkload(w)) equals w up to line numbers; SEEDs and seal modes
 * are always printed; an argument that cannot be one token (empty, blank inside, starting with
 * `#`, or `=>`) is refused with an EINVAL FsError rather than printed ambiguously.
 */
import { fsError, unreachable, type ErrorCode } from '../errno/index.js';
import type { OpBody, Workload } from './workload.js';

/** Bytes in the shortest exact spelling: 1m, 4k, 100. */
export function formatSize(n: number): string {
  if (n !== 0 && n % 1048576 === 0) return `${n / 1048576}m`;
  if (n !== 0 && n % 1024 === 0) return `${n / 1024}k`;
  return String(n);
}

function formatBody(op: OpBody): string[] {
  const s = formatSize;
  switch (op.kind) {
    case 'mkdir': case 'rmdir': case 'creat': case 'unlink':
    case 'fsync': case 'fdatasync': case 'munmap': case 'unseal':
      return [op.path];
    case 'link': case 'rename':
      return [op.oldPath, op.newPath];
    case 'symlink':
      return [op.target, op.path];
    case 'write': case 'mwrite':
      return [op.path, s(op.offset), s(op.length), String(op.seed)];
    case 'truncate':
      return [op.path, s(op.length)];
    case 'falloc': case 'zero':
      return [op.path, s(op.offset), s(op.length), ...(op.keepSize ? ['keep'] : [])];
    case 'punch': case 'collapse': case 'insert': case 'msync':
      return [op.path, s(op.offset), s(op.length)];
    case 'reflink':
      return [op.src, op.dst];
    case 'clone': case 'dedupe':
      return [op.src, s(op.srcOffset), op.dst, s(op.dstOffset), s(op.length)];
    case 'setxattr':
      return [op.path, op.name, op.value];
    case 'removexattr':
      return [op.path, op.name];
    case 'sync':
      return [];
    case 'mmap':
      return [op.path, s(op.offset), s(op.length), ...(op.direct ? ['direct'] : []), ...(op.sync ? ['sync'] : [])];
    case 'seal': {
      const r = op.range === undefined ? [] : [s(op.range.offset), s(op.range.length)];
      return [op.path, ...r, op.mode];
    }
    default:
      return unreachable(op, 'op');
  }
}

/** A token the parser would read back as itself: no blanks, not a comment, not the arrow. */
function checkToken(tok: string, op: OpBody): string {
  if (tok === '' || /\s/.test(tok) || tok.startsWith('#') || tok === '=>') {
    throw fsError('EINVAL', 'format', { detail: `${op.kind}: '${tok}' cannot be written as one token` });
  }
  return tok;
}

/** One line of the language (no newline). Throws EINVAL for an unrepresentable argument. */
export function formatOp(op: OpBody & { expect?: ErrorCode }): string {
  const toks = [op.kind, ...formatBody(op).map((t) => checkToken(t, op))];
  if (op.expect !== undefined) toks.push('=>', op.expect);
  return toks.join(' ');
}

/** The whole workload, one op a line, newline-terminated. */
export function formatWorkload(w: Workload): string {
  return w.ops.map((op) => formatOp(op) + '\n').join('');
}
