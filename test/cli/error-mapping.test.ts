/**
 * Where errors end up outside the API: the CLI's exit status and message, and the errno the
 * FUSE bridge hands the kernel. node:fs's argument errors and SystemErrors are errors of the
 * call (exit 1; EINVAL, or the errno a SystemError stands for), never an "internal error"
 * (exit 70) or an EIO.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, reportError } from '../../src/cli/exit-status.js';
import { negativeErrno } from '../../src/cli/mount/fuse-errno.js';
import { ERRNO, fsError, invalidArgType, outOfRange, systemError } from '../../src/errno/index.js';

describe('error mapping', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the kernel EINVAL for an argument error, the table errno for an FsError, nothing for a bug', () => {
    expect(negativeErrno(invalidArgType('fd', 'of type number', 'a'))).toBe(-ERRNO.EINVAL.errno);
    expect(negativeErrno(outOfRange('len', 'an integer', 1.5))).toBe(-ERRNO.EINVAL.errno);
    expect(negativeErrno(fsError('ENOENT', 'open'))).toBe(-ERRNO.ENOENT.errno);
    expect(negativeErrno(new TypeError('x is not a function'))).toBeUndefined();
    expect(negativeErrno(systemError('ERR_FS_EISDIR', 'Path is a directory', { message: 'is a directory', path: '/d', syscall: 'rm', code: 'EISDIR' }))).toBe(-ERRNO.EISDIR.errno);
  });

  it('reports an argument error with its code and exit 1, a plain TypeError as internal (70)', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(reportError(outOfRange('fd', '>= 0 && <= 2147483647', -1))).toBe(EXIT.error);
    expect(String(err.mock.calls.at(-1)![0])).toBe('pmemfs: ERR_OUT_OF_RANGE: The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received -1\n');
    expect(reportError(systemError('ERR_FS_EISDIR', 'Path is a directory', { message: 'is a directory', path: '/d', syscall: 'rm', code: 'EISDIR' }))).toBe(EXIT.error);
    expect(String(err.mock.calls.at(-1)![0])).toBe('pmemfs: EISDIR: Path is a directory: rm returned EISDIR (is a directory) /d\n');
    expect(reportError(new TypeError('x is not a function'))).toBe(EXIT.internal);
  });
});
