/**
 * The one table of error codes pmemfs raises.
 *
 * Interface: `ERRNO[code]` gives Linux's errno number and the text Node prints for it
 * (`ENOENT: no such file or directory, open '/a'`). Nothing else in the tree may invent a code.
 * EFSCORRUPTED and EFSBADCRC are Linux's names for EUCLEAN and EBADMSG as XFS and ext4 use them.
 */

export const ERRNO = {
  EPERM: { errno: 1, text: 'operation not permitted' },
  ENOENT: { errno: 2, text: 'no such file or directory' },
  EIO: { errno: 5, text: 'i/o error' },
  E2BIG: { errno: 7, text: 'argument list too long' },
  EBADF: { errno: 9, text: 'bad file descriptor' },
  EAGAIN: { errno: 11, text: 'resource temporarily unavailable' },
  ENOMEM: { errno: 12, text: 'not enough memory' },
  EACCES: { errno: 13, text: 'permission denied' },
  EBUSY: { errno: 16, text: 'resource busy or locked' },
  EEXIST: { errno: 17, text: 'file already exists' },
  EXDEV: { errno: 18, text: 'cross-device link not permitted' },
  ENODEV: { errno: 19, text: 'no such device' },
  ENOTDIR: { errno: 20, text: 'not a directory' },
  EISDIR: { errno: 21, text: 'illegal operation on a directory' },
  EINVAL: { errno: 22, text: 'invalid argument' },
  EMFILE: { errno: 24, text: 'too many open files' },
  ENXIO: { errno: 6, text: 'no such device or address' },
  ENOTTY: { errno: 25, text: 'inappropriate ioctl for device' },
  ETXTBSY: { errno: 26, text: 'text file is busy' },
  EFBIG: { errno: 27, text: 'file too large' },
  ENOSPC: { errno: 28, text: 'no space left on device' },
  ESPIPE: { errno: 29, text: 'invalid seek' },
  EROFS: { errno: 30, text: 'read-only file system' },
  EMLINK: { errno: 31, text: 'too many links' },
  ERANGE: { errno: 34, text: 'result too large' },
  ENAMETOOLONG: { errno: 36, text: 'name too long' },
  ENOSYS: { errno: 38, text: 'function not implemented' },
  ENOTEMPTY: { errno: 39, text: 'directory not empty' },
  ELOOP: { errno: 40, text: 'too many symbolic links encountered' },
  ENODATA: { errno: 61, text: 'no data available' },
  EOVERFLOW: { errno: 75, text: 'value too large for defined data type' },
  EBADMSG: { errno: 74, text: 'bad message' },
  EOPNOTSUPP: { errno: 95, text: 'operation not supported on socket' },
  ETIMEDOUT: { errno: 110, text: 'connection timed out' },
  EFSCORRUPTED: { errno: 117, text: 'filesystem corrupted' },
  EFSBADCRC: { errno: 74, text: 'bad checksum in filesystem metadata' },
} as const satisfies Record<string, { errno: number; text: string }>;

export type ErrorCode = keyof typeof ERRNO;

export function isErrorCode(s: string): s is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERRNO, s);
}
