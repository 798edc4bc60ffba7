/**
 * fuse-errno: what a thrown error becomes when it crosses into the kernel — a negative errno.
 *
 * Interface: `negativeErrno(err)` gives the negative errno of a filesystem error (an object with
 * a known `code`, or a negative integer `errno`), and undefined for anything else: a throw
 * without an errno is a bug (an AssertionError, a TypeError), which the bridge reports and
 * answers with `EIO_RESULT`.
 * Lookup order: `code` in pmemfs's ERRNO table (so EFSCORRUPTED → -EUCLEAN and EFSBADCRC →
 * -EBADMSG, as XFS and ext4 report them), then `code` in Node's os.constants.errno (codes that
 * node:fs or memfs raise and pmemfs does not), then the error's own negative `errno`. node:fs's
 * argument errors (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, ...) are the kernel's EINVAL, and its
 * SystemErrors (ERR_FS_EISDIR, ...) the errno their info.code names.
 */
import { constants } from 'node:os';
import { ERRNO, errnoCodeOf, isArgError, isErrorCode } from '../../errno/index.js';

export const EIO_RESULT = -ERRNO.EIO.errno;

const HOST_ERRNO: Readonly<Record<string, number | undefined>> = constants.errno;

export function negativeErrno(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if (isArgError(err)) return -ERRNO.EINVAL.errno;
  const systemCode = errnoCodeOf(err); // node:fs's SystemError: the errno it stands for
  if (systemCode !== undefined) return negativeErrno({ code: systemCode });
  if ('code' in err && typeof err.code === 'string') {
    const code = err.code;
    if (isErrorCode(code)) return -ERRNO[code].errno;
    const host = HOST_ERRNO[code];
    if (host !== undefined) return -host;
  }
  if ('errno' in err && typeof err.errno === 'number' && Number.isInteger(err.errno) && err.errno < 0) {
    return err.errno;
  }
  return undefined;
}
