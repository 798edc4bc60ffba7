/**
 * open(2) flags as node:fs takes them: the string forms ('r', 'w+', 'ax', ...) and numbers
 * built from fs.constants. parseFlags() turns either into one OpenMode.
 */
import { constants } from 'node:fs';
import { fsError } from '../../errno/index.js';

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

export function parseFlags(flags: string | number | null | undefined, syscall: string, path?: string): OpenMode {
  const n = flags === undefined || flags === null ? constants.O_RDONLY : typeof flags === 'number' ? flags : STRINGS[flags];
  if (n === undefined || !Number.isInteger(n)) throw fsError('EINVAL', syscall, { path, detail: `unknown file open flag: ${String(flags)}` });
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
