/**
 * open(2) flags as node:fs takes them: the string forms ('r', 'w+', 'ax', ...) and numbers
 * built from fs.constants. parseFlags() turns either into one OpenMode.
 */
import { constants } from 'node:fs';
import { fsError, invalidArgValue } from '../../errno/index.js';
import { validateInt32 } from './validate.js';

export interface OpenMode {
  read: boolean;
  write: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  append: boolean;
  directory: boolean;
  noFollow: boolean;
}

const STRINGS: Record<string, number> = {
  r: constants.O_RDONLY,
  rs: constants.O_RDONLY | constants.O_SYNC,
  sr: constants.O_RDONLY | constants.O_SYNC,
  'r+': constants.O_RDWR,
  'rs+': constants.O_RDWR | constants.O_SYNC,
  'sr+': constants.O_RDWR | constants.O_SYNC,
  w: constants.O_TRUNC | constants.O_CREAT | constants.O_WRONLY,
  wx: constants.O_TRUNC | constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL,
  xw: constants.O_TRUNC | constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL,
  'w+': constants.O_TRUNC | constants.O_CREAT | constants.O_RDWR,
  'wx+': constants.O_TRUNC | constants.O_CREAT | constants.O_RDWR | constants.O_EXCL,
  'xw+': constants.O_TRUNC | constants.O_CREAT | constants.O_RDWR | constants.O_EXCL,
  a: constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY,
  ax: constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL,
  xa: constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL,
  as: constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_SYNC,
  sa: constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_SYNC,
  'a+': constants.O_APPEND | constants.O_CREAT | constants.O_RDWR,
  'ax+': constants.O_APPEND | constants.O_CREAT | constants.O_RDWR | constants.O_EXCL,
  'xa+': constants.O_APPEND | constants.O_CREAT | constants.O_RDWR | constants.O_EXCL,
  'as+': constants.O_APPEND | constants.O_CREAT | constants.O_RDWR | constants.O_SYNC,
  'sa+': constants.O_APPEND | constants.O_CREAT | constants.O_RDWR | constants.O_SYNC,
};

/**
 * Checked as node:fs checks them (stringToFlags, then an int32): an unknown string or any other
 * type is ERR_INVALID_ARG_VALUE, a number that is no int32 ERR_OUT_OF_RANGE. What open(2)
 * itself refuses (O_ACCMODE all set) is EINVAL.
 */
export function parseFlags(flags: unknown, syscall: string, path?: string): OpenMode {
  let n: number | undefined;
  if (flags === undefined || flags === null) n = constants.O_RDONLY;
  else if (typeof flags === 'number') n = validateInt32(flags, 'flags');
  else if (typeof flags === 'string' && Object.hasOwn(STRINGS, flags)) n = STRINGS[flags];
  if (n === undefined) throw invalidArgValue('flags', flags);
  const acc = n & 3;
  if (acc === 3) throw fsError('EINVAL', syscall, { path });
  return {
    read: acc === constants.O_RDONLY || acc === constants.O_RDWR,
    write: acc === constants.O_WRONLY || acc === constants.O_RDWR,
    create: (n & constants.O_CREAT) !== 0,
    exclusive: (n & constants.O_EXCL) !== 0,
    truncate: (n & constants.O_TRUNC) !== 0,
    append: (n & constants.O_APPEND) !== 0,
    directory: (n & constants.O_DIRECTORY) !== 0,
    noFollow: (n & constants.O_NOFOLLOW) !== 0,
  };
}
