/**
 * Data operations of the reference model: write, truncate, read and every fallocate(2) mode,
 * with Linux's errors (vfs_fallocate, then XFS's collapse/insert checks).
 *
 * Interface: `write`, `truncate`, `read`, `fallocate(s, path, mode, keepSize, offset, length)`
 * where mode is a FallocMode. Each validates first, then checks seals, then mutates.
 *
 *   mode      keepSize  effect                                          errors beyond the usual
 *   allocate  either    none on the bytes; without keep, size ≥ end     -
 *   unshare   either    as allocate (sharing is invisible in the model)  -
 *   punch     required  zero [off, end) ∩ [0, size)                     EOPNOTSUPP without keep
 *   zero      either    zero; without keep, size ≥ end                   -
 *   collapse  no        remove [off, end), size -= len                   EINVAL: unaligned, end ≥ size, keep
 *   insert    no        open a zero gap at off, size += len              EINVAL: unaligned, off ≥ size, keep;
 *                                                                         EFBIG: size + len > max
 * Common: EINVAL for length 0; EFBIG past the maximum file size; EISDIR for a directory.
 * Alignment is to BLOCK = 4096 bytes. Bytes written by `write` become certain (see model-mapping).
 */
import { collapseBytes, insertBytes, readBytes, setSize, writeBytes, zeroBytes, type FileNode, type ModelState } from './model-node.js';
import { fail, openFile } from './model-path.js';
import { checkSeals, rangeTouch, resizeTouch, writeTouch, type Touch } from './model-seal.js';
import { patternBytes } from './pattern.js';
import { unreachable } from '../errno/index.js';
import { clipRanges, collapseRanges, insertRanges, removeRange, type RangeSet } from './range-set.js';

export const BLOCK = 4096;

export type FallocMode = 'allocate' | 'unshare' | 'punch' | 'zero' | 'collapse' | 'insert';

/** Replace the uncertain bytes of an inode. */
export function updateUncertain(s: ModelState, ino: number, fn: (r: RangeSet) => RangeSet): void {
  const next = fn(s.uncertain.get(ino) ?? []);
  if (next.length === 0) s.uncertain.delete(ino);
  else s.uncertain.set(ino, next);
}

export function write(s: ModelState, path: string, offset: number, length: number, seed: number): void {
  const f = openFile(s, path, 'write');
  if (offset < 0 || length < 0) fail('EINVAL', 'write', path);
  const end = offset + length;
  if (end > s.maxFileSize) fail('EFBIG', 'write', path);
  if (length === 0) return;
  checkSeals(s, [writeTouch(f, offset, end)], 'write', path);
  writeBytes(f, offset, patternBytes(seed, offset, length));
  updateUncertain(s, f.ino, (r) => removeRange(r, offset, end));
}

export function truncate(s: ModelState, path: string, length: number): void {
  const f = openFile(s, path, 'truncate');
  if (length < 0) fail('EINVAL', 'truncate', path);
  if (length > s.maxFileSize) fail('EFBIG', 'truncate', path);
  checkSeals(s, [resizeTouch(f, length)], 'truncate', path);
  setSize(f, length);
  updateUncertain(s, f.ino, (r) => clipRanges(r, length));
}

/** pread: at most `length` bytes from `offset` (fewer at EOF). */
export function read(s: ModelState, path: string, offset: number, length: number): Uint8Array {
  const f = openFile(s, path, 'read');
  return readBytes(f, offset, Math.max(0, Math.min(length, f.size - offset)));
}

const aligned = (n: number) => n % BLOCK === 0;

/** vfs_fallocate's and the filesystem's argument checks, in Linux's order. */
function checkFalloc(s: ModelState, f: FileNode, path: string, mode: FallocMode, keep: boolean, offset: number, length: number): void {
  const e = (code: Parameters<typeof fail>[0]) => fail(code, 'fallocate', path);
  if (length <= 0 || offset < 0) e('EINVAL');
  if (mode === 'punch' && !keep) e('EOPNOTSUPP');
  if ((mode === 'collapse' || mode === 'insert') && keep) e('EINVAL');
  if (offset + length > s.maxFileSize) e('EFBIG');
  if (mode === 'collapse') {
    if (!aligned(offset) || !aligned(length)) e('EINVAL');
    if (offset + length >= f.size) e('EINVAL');
  }
  if (mode === 'insert') {
    if (!aligned(offset) || !aligned(length)) e('EINVAL');
    if (f.size + length > s.maxFileSize) e('EFBIG');
    if (offset >= f.size) e('EINVAL');
  }
}

function fallocTouch(f: FileNode, mode: FallocMode, keep: boolean, offset: number, end: number): Touch {
  switch (mode) {
    case 'allocate': case 'unshare': case 'zero':
      return rangeTouch(f, offset, end, !keep);
    case 'punch':
      return rangeTouch(f, offset, end, false);
    case 'collapse': case 'insert':
      return { ino: f.ino, start: offset, end: Infinity, resize: true };
    default:
      return unreachable(mode, 'fallocate mode');
  }
}

function fallocApply(s: ModelState, f: FileNode, mode: FallocMode, keep: boolean, offset: number, length: number): void {
  const end = offset + length;
  const grow = () => {
    if (!keep && end > f.size) setSize(f, end);
  };
  switch (mode) {
    case 'allocate': case 'unshare':
      return grow();
    case 'punch': case 'zero':
      zeroBytes(f, offset, end);
      updateUncertain(s, f.ino, (r) => removeRange(r, offset, end));
      return grow();
    case 'collapse':
      collapseBytes(f, offset, length);
      return updateUncertain(s, f.ino, (r) => collapseRanges(r, offset, length));
    case 'insert':
      insertBytes(f, offset, length);
      return updateUncertain(s, f.ino, (r) => insertRanges(r, offset, length));
    default:
      return unreachable(mode, 'fallocate mode');
  }
}

export function fallocate(s: ModelState, path: string, mode: FallocMode, keepSize: boolean, offset: number, length: number): void {
  const f = openFile(s, path, 'fallocate');
  checkFalloc(s, f, path, mode, keepSize, offset, length);
  checkSeals(s, [fallocTouch(f, mode, keepSize, offset, offset + length)], 'fallocate', path);
  fallocApply(s, f, mode, keepSize, offset, length);
}
