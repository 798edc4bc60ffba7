/**
 * Exit codes and the one place errors become messages on stderr.
 *
 * Interface:
 *   EXIT                  ok 0, error 1 (an FsError, a host file error, or node:fs's argument
 *                         error or SystemError from a call the CLI made), usage 2, internal 70
 *   UsageError            a bad combination of arguments found after parsing (exit 2)
 *   reportError(err)      prints `pmemfs: CODE: message` (or `pmemfs: internal error: ...`) and
 *                         returns the exit code; commander has already printed its own errors
 * Invariant: no stack trace reaches the user unless PMEMFS_DEBUG is set in the environment.
 * fsck has its own codes (0/1/4/8/16, as e2fsck) and maps them itself (commands/fsck.ts).
 */
import { CommanderError } from 'commander';
import { errnoCodeOf, isArgError, isFsError } from '../errno/index.js';

export const EXIT = { ok: 0, error: 1, usage: 2, internal: 70 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A Node system error from the host side (cp to or from the host): same shape as an FsError. */
function isSystemError(e: unknown): e is Error & { code: string } {
  const code: unknown = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code);
}

/** `CODE: message`, adding the code when the message does not start with it. */
export function describeError(e: Error & { code: string }): string {
  return e.message.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`;
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander printed the message (or the help); its generic code 1 means a usage error.
    if (e.exitCode === 0) return EXIT.ok;
    return e.exitCode === 1 ? EXIT.usage : e.exitCode;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`pmemfs: ${e.message}\n(run 'pmemfs help' for usage)\n`);
    return EXIT.usage;
  }
  if (isSystemError(e) && e.code === 'EPIPE') return EXIT.ok; // the reader of stdout went away: not our error
  // node:fs's SystemError (cpSync, rmSync of a directory) is told by the errno it stands for.
  const errnoCode = errnoCodeOf(e);
  const text = errnoCode !== undefined ? `${errnoCode}: ${(e as Error).message}` : isFsError(e) || isSystemError(e) || isArgError(e) ? describeError(e) : null;
  if (text !== null) {
    process.stderr.write(`pmemfs: ${text}\n`);
    debugTrace(e);
    return EXIT.error;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`pmemfs: internal error: ${message}\n`);
  debugTrace(e);
  return EXIT.internal;
}

function debugTrace(e: unknown): void {
  if (process.env['PMEMFS_DEBUG'] && e instanceof Error && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
}
