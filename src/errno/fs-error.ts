/**
 * FsError: the one error type of pmemfs, shaped like the errors node:fs throws.
 *
 * Interface: `new FsError(code, syscall, path?, dest?, detail?)` or `fsError(...)`.
 *   err.code    'ENOENT'             err.errno  -2 (negative, as libuv)
 *   err.syscall 'open'               err.path / err.dest when given
 *   err.message "ENOENT: no such file or directory, open '/a'" (Node's format), with an
 *               optional " (detail)" tail for codes Node does not know (corruption, seals).
 * Invariant: `code` is always a key of the ERRNO table. A user or a corrupted image may cause
 * an FsError; our own bugs are assertions (see assert.ts), never FsErrors.
 */
import { ERRNO, type ErrorCode } from './codes.js';

export class FsError extends Error {
  // Own properties exactly node's, in node's order (errno, code, syscall, path, dest): `declare`
  // keeps TypeScript from defining them up front (an undefined `dest` would be an own key),
  // and `name` is Error.prototype's ('Error'), as on node's errors.
  declare readonly errno: number;
  declare readonly code: ErrorCode;
  declare readonly syscall: string;
  declare readonly path?: string;
  declare readonly dest?: string;

  constructor(code: ErrorCode, syscall: string, path?: string, dest?: string, detail?: string) {
    const entry = ERRNO[code];
    let message = `${code}: ${entry.text}, ${syscall}`;
    if (path !== undefined) message += ` '${path}'`;
    if (dest !== undefined) message += ` -> '${dest}'`;
    if (detail !== undefined) message += ` (${detail})`;
    super(message);
    const self = this as { -readonly [K in 'errno' | 'code' | 'syscall' | 'path' | 'dest']: FsError[K] };
    self.errno = -entry.errno;
    self.code = code;
    self.syscall = syscall;
    if (path !== undefined) self.path = path;
    if (dest !== undefined) self.dest = dest;
    // Kept for reframe(), but not enumerable: own properties stay exactly node's.
    if (detail !== undefined) Object.defineProperty(this, 'detail', { value: detail });
  }

  /** The parenthesised tail of the message, if any. */
  declare readonly detail?: string;
}

/**
 * The syscall of errors raised while loading an inode lazily (a corrupt checkpoint group): the
 * loader does not know which call touched the inode, so the API layer reframes them.
 */
export const IGET = 'iget';

/** An IGET error as the error of `syscall` on `path` (same code and detail); anything else as is. */
export function reframe(e: unknown, syscall: string, path?: string): unknown {
  if (!(e instanceof FsError) || e.syscall !== IGET) return e;
  return new FsError(e.code, syscall, path, undefined, e.detail);
}

/** Options bag form, for call sites that only know some of the fields. */
export function fsError(
  code: ErrorCode,
  syscall: string,
  at: { path?: string | undefined; dest?: string | undefined; detail?: string | undefined } = {},
): FsError {
  return new FsError(code, syscall, at.path, at.dest, at.detail);
}

export function isFsError(e: unknown, code?: ErrorCode): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}
