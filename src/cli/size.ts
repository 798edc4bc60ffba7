/**
 * Sizes and offsets as users type them: the one parser every subcommand uses.
 *
 * Interface:
 *   parseSize(text) -> bytes      '4096', '0x1000', '64k', '64m', '1g', '1.5g', '2t', '64MiB'
 *   sizeArg(what)                 a commander argParser: InvalidArgumentError (exit 2) on bad text
 *   formatSize(bytes)             '64 MiB', '4 KiB', '1.500 GiB', '512 bytes' (xfs_io's cvtstr)
 * Suffixes are binary and case-insensitive (k = 1024, m = 1024^2, g, t, p), optionally followed by
 * 'b' or 'ib' ('64M', '64mb', '64MiB' are the same). A fraction needs a suffix and must come out
 * to a whole number of bytes. Anything else is EINVAL, never NaN.
 */
import { InvalidArgumentError } from 'commander';
import { fsError } from '../errno/index.js';

const SHIFT: Record<string, number> = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50 };
const SIZE = /^(0x[0-9a-f]+|\d+(?:\.\d+)?)\s*(?:([kmgtp])(?:i?b)?|b)?$/i;

export function parseSize(text: string): number {
  const m = SIZE.exec(text.trim());
  const bad = () => fsError('EINVAL', 'parse', { path: text, detail: 'expected a size such as 4096, 0x1000, 64k, 64m or 1g' });
  if (m === null) throw bad();
  const digits = m[1]!;
  const suffix = (m[2] ?? '').toLowerCase();
  const base = digits.startsWith('0x') || digits.startsWith('0X') ? Number.parseInt(digits, 16) : Number(digits);
  if (digits.includes('.') && suffix === '') throw bad();
  const bytes = base * 2 ** SHIFT[suffix]!;
  if (!Number.isSafeInteger(bytes)) throw bad();
  return bytes;
}

/** For commander: `.argParser(sizeArg('size'))`; a bad value is a usage error. */
export function sizeArg(what: string): (text: string) => number {
  return (text) => {
    try {
      return parseSize(text);
    } catch {
      throw new InvalidArgumentError(`EINVAL: invalid ${what} '${text}' (expected a number of bytes with an optional k, m, g or t suffix)`);
    }
  };
}

/** For commander: a non-negative integer count (blocks, seeds). */
export function countArg(what: string): (text: string) => number {
  return (text) => {
    const n = /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`EINVAL: invalid ${what} '${text}' (expected a whole number)`);
    return n;
  };
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** xfs_io's cvtstr: the largest binary unit the value reaches, exact when it divides evenly. */
export function formatSize(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v.toFixed(0) : v.toFixed(3)} ${UNITS[u]}`;
}
