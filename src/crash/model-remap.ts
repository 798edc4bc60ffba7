/**
 * Remap operations of the reference model: reflink (FICLONE of a whole file into a created or
 * truncated destination), clone (FICLONERANGE) and dedupe (FIDEDUPERANGE), with the checks of
 * Linux's generic_remap_checks. Sharing is invisible in the model: a clone copies bytes, a
 * successful dedupe changes nothing. EXDEV cannot happen (one filesystem).
 *
 * Interface: `reflink(s, src, dst)`, `cloneRange(s, src, srcOffset, dst, dstOffset, length)`,
 * `dedupeRange(...)` → bytes deduped.
 *
 *   reflink  src a regular file (EISDIR/ENOENT); dst followed, created if missing, EISDIR if a
 *            directory, EINVAL if it is src itself; every seal on either file conflicts.
 *            A failing reflink changes nothing (dst is not created).
 *   clone    both exist; length 0 means "to src EOF" (nothing at all when srcOffset = EOF);
 *            offsets block-aligned; srcOffset < src size; the range must lie within src (no
 *            shortening: EINVAL); the length block-aligned unless the range ends at src EOF;
 *            same file: overlapping ranges (the EOF block rounded up) are EINVAL. dst grows to
 *            dstOffset + length if shorter.
 *   dedupe   both ranges within EOF (EINVAL otherwise); length 0 dedupes 0 bytes; the length is
 *            rounded down to blocks unless both ranges end at their EOFs; equal bytes → that
 *            many bytes deduped, different bytes → 0, no error.
 * Uncertain bytes travel with cloned data.
 */
import { addNode, newFile, readBytes, setSize, writeBytes, type FileNode, type ModelState } from './model-node.js';
import { fail, lookupCreate, openFile } from './model-path.js';
import { checkSeals, rangeTouch, type Touch } from './model-seal.js';
import { BLOCK, updateUncertain } from './model-data.js';
import { addRange, removeRange, sliceRanges, type RangeSet } from './range-set.js';

const aligned = (n: number) => n % BLOCK === 0;
const alignUp = (n: number) => Math.ceil(n / BLOCK) * BLOCK;
const wholeFile = (f: FileNode): Touch => ({ ino: f.ino, start: 0, end: Infinity, resize: true });

/** The destination of a reflink: an existing regular file, or where to create one. */
function reflinkDst(s: ModelState, src: FileNode, srcPath: string, dst: string): FileNode | (() => FileNode) {
  const lk = lookupCreate(s, dst, 'ioctl');
  const n = lk.node;
  if (n === undefined) {
    return () => {
      const f = addNode(s, newFile);
      lk.parent.entries.set(lk.name, f.ino);
      return f;
    };
  }
  if (n.kind === 'dir') return fail('EISDIR', 'ioctl', srcPath, dst);
  if (n.kind !== 'file') return fail('EINVAL', 'ioctl', srcPath, dst);
  if (n.ino === src.ino) fail('EINVAL', 'ioctl', srcPath, dst);
  return n;
}

/** Copy [srcOffset, +length) of src over dst at dstOffset, uncertainty included. */
function copyRange(s: ModelState, src: FileNode, srcOffset: number, dst: FileNode, dstOffset: number, length: number): void {
  const data = readBytes(src, srcOffset, length);
  const moved: RangeSet = sliceRanges(s.uncertain.get(src.ino) ?? [], srcOffset, length, dstOffset);
  writeBytes(dst, dstOffset, data);
  updateUncertain(s, dst.ino, (r) => moved.reduce((acc, m) => addRange(acc, m[0], m[1]), removeRange(r, dstOffset, dstOffset + length)));
}

export function reflink(s: ModelState, src: string, dst: string): void {
  const from = openFile(s, src, 'ioctl');
  const to = reflinkDst(s, from, src, dst);
  const touches: Touch[] = [{ ...wholeFile(from), source: true }];
  if (typeof to !== 'function') touches.push(wholeFile(to));
  checkSeals(s, touches, 'ioctl', src);
  const target = typeof to === 'function' ? to() : to;
  setSize(target, 0);
  s.uncertain.delete(target.ino);
  copyRange(s, from, 0, target, 0, from.size);
}

interface RemapArgs {
  src: FileNode;
  srcOffset: number;
  dst: FileNode;
  dstOffset: number;
  length: number;
  srcPath: string;
  dstPath: string;
}

function openPair(s: ModelState, src: string, dst: string): { from: FileNode; to: FileNode } {
  return { from: openFile(s, src, 'ioctl'), to: openFile(s, dst, 'ioctl') };
}

function overlapSameFile(a: RemapArgs, blockCount: number): boolean {
  return a.src.ino === a.dst.ino && a.dstOffset + blockCount > a.srcOffset && a.dstOffset < a.srcOffset + blockCount;
}

/** FICLONERANGE's checks; returns the length to clone (0: nothing to do). */
function cloneLength(a: RemapArgs, maxFileSize: number): number {
  const e = () => fail('EINVAL', 'ioctl', a.srcPath, a.dstPath);
  const size = a.src.size;
  let len = a.length;
  if (a.srcOffset < 0 || a.dstOffset < 0 || len < 0) e();
  if (len === 0) {
    if (a.srcOffset === size) return 0;
    if (a.srcOffset > size) e();
    len = size - a.srcOffset;
  }
  if (!aligned(a.srcOffset) || !aligned(a.dstOffset)) e();
  if (a.srcOffset >= size || a.srcOffset + len > size) e();
  if (a.dstOffset + len > maxFileSize) fail('EFBIG', 'ioctl', a.srcPath, a.dstPath);
  const toEof = a.srcOffset + len === size;
  if (!toEof && !aligned(len)) e();
  // Linux's generic_remap_check_len: a partial EOF block may not land inside the destination.
  if (!aligned(len) && a.dstOffset + len < a.dst.size) e();
  if (overlapSameFile(a, toEof ? alignUp(size) - a.srcOffset : len)) e();
  return len;
}

export function cloneRange(s: ModelState, src: string, srcOffset: number, dst: string, dstOffset: number, length: number): void {
  const { from, to } = openPair(s, src, dst);
  const a: RemapArgs = { src: from, srcOffset, dst: to, dstOffset, length, srcPath: src, dstPath: dst };
  const len = cloneLength(a, s.maxFileSize);
  if (len === 0) return;
  const touches: Touch[] = [
    { ino: from.ino, start: srcOffset, end: srcOffset + len, resize: false, source: true },
    rangeTouch(to, dstOffset, dstOffset + len, true),
  ];
  checkSeals(s, touches, 'ioctl', src);
  copyRange(s, from, srcOffset, to, dstOffset, len);
}

/** FIDEDUPERANGE's checks; returns the length to compare (0: nothing to do). */
function dedupeLength(a: RemapArgs): number {
  const e = () => fail('EINVAL', 'ioctl', a.srcPath, a.dstPath);
  if (a.srcOffset < 0 || a.dstOffset < 0 || a.length < 0) e();
  if (a.length === 0) return 0;
  if (!aligned(a.srcOffset) || !aligned(a.dstOffset)) e();
  const srcEnd = a.srcOffset + a.length;
  const dstEnd = a.dstOffset + a.length;
  if (a.srcOffset >= a.src.size || srcEnd > a.src.size || a.dstOffset >= a.dst.size || dstEnd > a.dst.size) e();
  const toEof = srcEnd === a.src.size && dstEnd === a.dst.size;
  const len = toEof ? a.length : a.length - (a.length % BLOCK);
  if (overlapSameFile(a, toEof ? alignUp(a.src.size) - a.srcOffset : len)) e();
  return len;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function dedupeRange(s: ModelState, src: string, srcOffset: number, dst: string, dstOffset: number, length: number): number {
  const { from, to } = openPair(s, src, dst);
  const a: RemapArgs = { src: from, srcOffset, dst: to, dstOffset, length, srcPath: src, dstPath: dst };
  const len = dedupeLength(a);
  if (len === 0) return 0;
  const touches: Touch[] = [
    { ino: from.ino, start: srcOffset, end: srcOffset + len, resize: false, source: true },
    { ino: to.ino, start: dstOffset, end: dstOffset + len, resize: false },
  ];
  checkSeals(s, touches, 'ioctl', src);
  return sameBytes(readBytes(from, srcOffset, len), readBytes(to, dstOffset, len)) ? len : 0;
}
