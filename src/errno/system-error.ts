/**
 * SystemError: the error node:fs raises from calls it implements in JavaScript on top of
 * system calls (cpSync), shaped as node's: name 'SystemError', a node code
 * (ERR_FS_CP_EEXIST, ...), a positive `errno`, `syscall`, `path` (and `dest`), and `info`
 * holding the system call's own view ({ message, path, syscall, errno, code }).
 *
 * Interface: systemError(code, prefix, info) -> Error, with node's message:
 *   "<prefix>: <syscall> returned <info.code> (<info.message>) <path>[ => <dest>]"
 *   errnoCodeOf(e) -> the errno code ('EISDIR') such an error stands for, or undefined
 */
import { constants } from 'node:os';

export type SystemErrorCode =
  | 'ERR_FS_EISDIR' | 'ERR_FS_CP_EINVAL' | 'ERR_FS_CP_EEXIST' | 'ERR_FS_CP_DIR_TO_NON_DIR'
  | 'ERR_FS_CP_NON_DIR_TO_DIR' | 'ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY';

export interface SystemErrorInfo {
  message: string;
  path: string;
  dest?: string;
  syscall: string;
  /** The errno code the error stands for; its positive number becomes `errno`... */
  code: keyof typeof constants.errno;
  /** ...unless node gives another one (its ERR_FS_EISDIR says EISDIR with EINVAL's number). */
  errnoOf?: keyof typeof constants.errno;
}

export function systemError(code: SystemErrorCode, prefix: string, ctx: SystemErrorInfo): Error {
  const errno = constants.errno[ctx.errnoOf ?? ctx.code];
  let message = `${prefix}: ${ctx.syscall} returned ${ctx.code} (${ctx.message}) ${ctx.path}`;
  if (ctx.dest !== undefined) message += ` => ${ctx.dest}`;
  const e = new Error(message);
  Object.defineProperty(e, 'name', { value: 'SystemError', configurable: true, writable: true });
  Object.defineProperty(e, 'toString', { value: () => `SystemError [${code}]: ${message}`, configurable: true, writable: true });
  // Own enumerable properties in node's order.
  const info = { message: ctx.message, path: ctx.path, ...(ctx.dest === undefined ? {} : { dest: ctx.dest }), syscall: ctx.syscall, errno, code: ctx.code };
  Object.assign(e, { code, info, errno, syscall: ctx.syscall, path: ctx.path });
  if (ctx.dest !== undefined) Object.assign(e, { dest: ctx.dest });
  return e;
}

/** The errno code a SystemError (ours or node's own) stands for: its info.code. */
export function errnoCodeOf(e: unknown): string | undefined {
  if (!(e instanceof Error) || e.name !== 'SystemError') return undefined;
  const code = (e as { info?: { code?: unknown } }).info?.code;
  return typeof code === 'string' ? code : undefined;
}
