/**
 * Geometry of the emulated device: the units every other pmem file speaks in.
 *
 *   LINE    64 B     cache line, the unit of write-back (flush, fence, crash choice)
 *   WORD     8 B     the failure-atomic store unit; larger stores tear at WORD granularity
 *   PAGE     4 KiB   copy-on-write unit of snapshots and crash-state overlays
 *   REGION   1 MiB   unit of lazy loading from the image file and of write-back at close
 *   CHUNK    1 GiB   one ArrayBuffer (SharedArrayBuffer once published); a DAX view never spans two (Node 20 caps a typed
 *                   array at 4 GiB, so a 16 GiB device is 16 chunks)
 *
 * Interface: checkRange() validates caller offsets and throws an EINVAL FsError; firstLine() and
 * endLine() give the lines a range touches (two numbers, no array: they are on every store);
 * eachPiece() cuts a range at unit boundaries; eachRun() walks the runs of a per-unit mark array.
 */
import { fsError } from '../errno/index.js';

export const LINE = 64;
export const LINE_SHIFT = 6;
export const WORD = 8;
export const PAGE = 4096;
export const PAGE_SHIFT = 12;
export const REGION = 1 << 20;
export const REGION_SHIFT = 20;
export const CHUNK = 1 << 30;
export const CHUNK_SHIFT = 30;
/** Smallest and largest devices we create. */
export const MIN_DEVICE_SIZE = 64 * 1024;
export const MAX_DEVICE_SIZE = 2 ** 46; // 64 TiB: well past what 24 GiB of RAM can populate

/**
 * Cuts [offset, offset+length) at multiples of `unit` (a word, a line, a page, a chunk) and calls
 * fn(unit index, offset within the unit, offset within the range, bytes) for each piece: the
 * one loop behind every store or read that must be split at a boundary.
 */
export function eachPiece(offset: number, length: number, unit: number, fn: (index: number, at: number, pos: number, n: number) => void): void {
  for (let pos = 0; pos < length;) {
    const abs = offset + pos;
    const index = Math.floor(abs / unit);
    const at = abs - index * unit;
    const n = Math.min(length - pos, unit - at);
    fn(index, at, pos, n);
    pos += n;
  }
}

export function checkRange(op: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw fsError('EINVAL', op, { detail: `offset ${offset} and length ${length} must be non-negative integers` });
  }
  if (offset + length > size) {
    throw fsError('EINVAL', op, { detail: `range ${offset}+${length} is past the end of the ${size}-byte device` });
  }
}

export function checkDeviceSize(op: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < MIN_DEVICE_SIZE || size > MAX_DEVICE_SIZE || size % PAGE !== 0) {
    throw fsError('EINVAL', op, {
      detail: `device size ${size} must be a multiple of ${PAGE} between ${MIN_DEVICE_SIZE} and ${MAX_DEVICE_SIZE}`,
    });
  }
}

/** First line index touched by a range starting at `offset`. */
export function firstLine(offset: number): number {
  return Math.floor(offset / LINE);
}

/** One past the last line index touched by [offset, offset+length); firstLine(offset) if empty. */
export function endLine(offset: number, length: number): number {
  return length === 0 ? Math.floor(offset / LINE) : Math.floor((offset + length - 1) / LINE) + 1;
}

/** Calls fn(first, end) for each run [first, end) of non-zero entries of `marks`. */
export function eachRun(marks: Uint8Array, fn: (first: number, end: number) => void): void {
  for (let g = 0; g < marks.length; g++) {
    if (marks[g] === 0) continue;
    let end = g + 1;
    while (end < marks.length && marks[end] !== 0) end++;
    fn(g, end);
    g = end - 1;
  }
}
