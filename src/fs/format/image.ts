/**
 * The checkpoint payload (format version 2): a small top section that mount reads and checks,
 * then one group per inode that is read and checked only when that inode is first needed. So
 * mount costs the top section (16 bytes per inode plus the space map), not every item of every
 * file. Framing of the image (header block, extents, slot) is in checkpoint.ts and layout.ts.
 *
 * Payload:
 *   [0, topBytes)               top section; the slot's payloadCrc is CRC32C of exactly these bytes
 *   [topBytes, payloadBytes)    inode groups, back to back in index order (ascending inode number)
 *
 * Top section header (TOP):
 *   off  bytes type field      meaning
 *   0    4     u32  magic      0x504f5450 ("PTOP")
 *   4    4     u32  sections   number of section table entries (3)
 *   8    8     u64  topBytes   length of the top section, header included
 *   16   16*n       sections   section table: { 0:u32 kind, 4:u32 count, 8:u64 offset } (SECTION)
 * Section kinds (each exactly once; offset is a payload offset inside the top section, 8-aligned):
 *   1 orphans   count x u32 ino: inodes whose last link went while open or sealed
 *   2 index     count x 16 bytes (INDEX): { 0:u32 ino, 4:u32 bytes, 8:u64 offset } of each
 *               inode's group; strictly ascending ino (binary-searched, never expanded)
 *   3 space     count x 16 bytes (RUN): { 0:u64 pblk, 8:u32 count, 12:u32 refcount }: every data
 *               block that a file maps, as runs of equal refcount, ascending, not overlapping.
 *               Mount rebuilds free space and refcounts from it without reading an extent map.
 *
 * Inode group (GROUP header, then items of items.ts; length a multiple of 4):
 *   0    4     u32  crc        CRC32C of bytes [4, bytes) of the group
 *   4    4     u32  ino        must equal the index entry's
 *   8    4     u32  parent     the directory holding it (a directory's '..'; the inode itself otherwise)
 *   12   4     u32  bytes      group length, header included (equals the index entry's)
 *   16   ...        items      one INODE item first, then SYMLINK, MAP, XSET items of this inode
 *                              and, for a directory, the LINK items of its entries (dir = ino)
 * Applying a group's items to a state where its blocks are already counted (by the space map)
 * rebuilds the inode: that is what loading an inode is (inode/meta-state.ts).
 */
import { crc32c } from './crc32c.js';
import { INODE_ITEM_BYTES, decodeItem, type Item } from './items.js';
import { getU64, setU64, type Decoded } from './layout.js';

export const TOP_MAGIC = 0x504f5450;
export const TOP = { magic: 0, sections: 4, topBytes: 8, table: 16 } as const;
export const SECTION = { kind: 0, count: 4, offset: 8, bytes: 16 } as const;
export const SECTION_KIND = { orphans: 1, index: 2, space: 3 } as const;
export const INDEX = { ino: 0, bytes: 4, offset: 8, size: 16 } as const;
export const RUN = { pblk: 0, count: 8, refcount: 12, size: 16 } as const;
export const GROUP = { crc: 0, ino: 4, parent: 8, bytes: 12, header: 16 } as const;
const SECTIONS = 3;

/** Whether this host stores a Uint32Array's words little-endian, as the format does. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The top section, decoded: typed arrays in the format's own word layout (four u32 words per
 * index entry and per run), so one entry per inode costs no JS object, and on a little-endian
 * host decoding is a view over the bytes read, not a copy.
 */
export class ImageTop {
  readonly topBytes: number;
  readonly orphans: Uint32Array;
  /** INDEX entries as u32 words: [4i] ino, [4i+1] group bytes, [4i+2..4i+3] group offset. */
  readonly index: Uint32Array;
  /** RUN entries as u32 words: [4i..4i+1] pblk, [4i+2] count, [4i+3] refcount. */
  readonly runs: Uint32Array;

  constructor(topBytes: number, orphans: Uint32Array, index: Uint32Array, runs: Uint32Array) {
    this.topBytes = topBytes;
    this.orphans = orphans;
    this.index = index;
    this.runs = runs;
  }

  static readonly EMPTY = new ImageTop(0, new Uint32Array(0), new Uint32Array(0), new Uint32Array(0));

  /** Inodes in the index. */
  get count(): number {
    return this.index.length >>> 2;
  }

  ino(i: number): number {
    return this.index[4 * i]!;
  }

  groupBytes(i: number): number {
    return this.index[4 * i + 1]!;
  }

  groupOffset(i: number): number {
    return this.index[4 * i + 2]! + this.index[4 * i + 3]! * 0x1_0000_0000;
  }

  /** Index position of `ino` (binary search), or -1. */
  indexOf(ino: number): number {
    const x = this.index;
    let lo = 0;
    let hi = (x.length >>> 2) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = x[4 * mid]!;
      if (v === ino) return mid;
      if (v < ino) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get runCount(): number {
    return this.runs.length >>> 2;
  }

  runPblk(i: number): number {
    return this.runs[4 * i]! + this.runs[4 * i + 1]! * 0x1_0000_0000;
  }

  runBlocks(i: number): number {
    return this.runs[4 * i + 2]!;
  }

  runRefcount(i: number): number {
    return this.runs[4 * i + 3]!;
  }
}

/** Where each section goes for the given counts; topBytes is the groups' first offset. */
export function topLayout(orphans: number, inodes: number, runs: number): { orphans: number; index: number; space: number; topBytes: number } {
  const a8 = (n: number) => Math.ceil(n / 8) * 8;
  const o = TOP.table + SECTIONS * SECTION.bytes;
  const index = a8(o + 4 * orphans);
  const space = index + INDEX.size * inodes;
  return { orphans: o, index, space, topBytes: space + RUN.size * runs };
}

/** Encodes the top section into out[0, top.topBytes) (the caller sized it with topLayout). */
export function encodeTop(out: Uint8Array, top: ImageTop): void {
  const v = new DataView(out.buffer, out.byteOffset, top.topBytes);
  const lay = topLayout(top.orphans.length, top.count, top.runCount);
  if (lay.topBytes !== top.topBytes) throw new RangeError('top section size does not match its counts');
  out.fill(0, 0, lay.index);
  v.setUint32(TOP.magic, TOP_MAGIC, true);
  v.setUint32(TOP.sections, SECTIONS, true);
  setU64(v, TOP.topBytes, top.topBytes);
  const table: Array<[number, number, number]> = [
    [SECTION_KIND.orphans, top.orphans.length, lay.orphans],
    [SECTION_KIND.index, top.count, lay.index],
    [SECTION_KIND.space, top.runCount, lay.space],
  ];
  table.forEach(([kind, count, offset], i) => {
    const at = TOP.table + i * SECTION.bytes;
    v.setUint32(at + SECTION.kind, kind, true);
    v.setUint32(at + SECTION.count, count, true);
    setU64(v, at + SECTION.offset, offset);
  });
  putWords(out, v, lay.orphans, top.orphans);
  putWords(out, v, lay.index, top.index);
  putWords(out, v, lay.space, top.runs);
}

function putWords(out: Uint8Array, v: DataView, at: number, words: Uint32Array): void {
  if (LITTLE_ENDIAN && (out.byteOffset + at) % 4 === 0) {
    new Uint32Array(out.buffer, out.byteOffset + at, words.length).set(words);
    return;
  }
  for (let i = 0; i < words.length; i++) v.setUint32(at + 4 * i, words[i]!, true);
}

/** u32 words of b[at, at + 4n): a view when the host and the alignment allow, else a copy. */
function getWords(b: Uint8Array, v: DataView, at: number, n: number): Uint32Array {
  if (LITTLE_ENDIAN && (b.byteOffset + at) % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset + at, n);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = v.getUint32(at + 4 * i, true);
  return out;
}

/** topBytes from the first TOP.table bytes of a payload, or an error (before reading the rest). */
export function peekTopBytes(head: Uint8Array, payloadBytes: number): Decoded<number> {
  if (head.length < TOP.table) return { ok: false, code: 'EFSCORRUPTED', why: 'checkpoint payload shorter than its top section header' };
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (v.getUint32(TOP.magic, true) !== TOP_MAGIC) return { ok: false, code: 'EFSCORRUPTED', why: 'checkpoint top section has bad magic' };
  const topBytes = getU64(v, TOP.topBytes);
  if (topBytes < TOP.table || topBytes > payloadBytes) return { ok: false, code: 'EFSCORRUPTED', why: `checkpoint top section length ${topBytes} out of range` };
  return { ok: true, value: topBytes };
}

/**
 * Decodes a top section whose checksum the caller has verified; the result may be a view over
 * `b`, which must then stay unchanged. Checks its structure: sections inside it, index strictly
 * ascending with every group inside the payload, space map ascending and not overlapping (the
 * caller checks runs against the device geometry).
 */
export function decodeTop(b: Uint8Array, payloadBytes: number): Decoded<ImageTop> {
  const bad = (why: string): Decoded<ImageTop> => ({ ok: false, code: 'EFSCORRUPTED', why: `checkpoint top section: ${why}` });
  const head = peekTopBytes(b, payloadBytes);
  if (!head.ok) return head;
  const topBytes = head.value;
  if (topBytes !== b.length) return bad('length disagrees with what was read');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(TOP.sections, true) !== SECTIONS || TOP.table + SECTIONS * SECTION.bytes > topBytes) return bad('bad section table');
  const where = new Map<number, { count: number; offset: number }>();
  for (let i = 0; i < SECTIONS; i++) {
    const at = TOP.table + i * SECTION.bytes;
    const kind = v.getUint32(at + SECTION.kind, true);
    const count = v.getUint32(at + SECTION.count, true);
    const offset = getU64(v, at + SECTION.offset);
    const size = kind === SECTION_KIND.orphans ? 4 : kind === SECTION_KIND.index ? INDEX.size : kind === SECTION_KIND.space ? RUN.size : 0;
    if (size === 0 || where.has(kind)) return bad(`unknown or repeated section kind ${kind}`);
    if (offset % 8 !== 0 || offset < TOP.table + SECTIONS * SECTION.bytes || offset + count * size > topBytes) return bad(`section ${kind} out of bounds`);
    where.set(kind, { count, offset });
  }
  const o = where.get(SECTION_KIND.orphans)!;
  const x = where.get(SECTION_KIND.index)!;
  const s = where.get(SECTION_KIND.space)!;
  const top = new ImageTop(topBytes, getWords(b, v, o.offset, o.count), getWords(b, v, x.offset, 4 * x.count), getWords(b, v, s.offset, 4 * s.count));

  const badEntry = checkIndex(top.index, topBytes, payloadBytes);
  if (badEntry >= 0) return bad(`index entry ${badEntry} (inode ${top.ino(badEntry)}) is out of order or its group out of bounds`);
  let end = 0;
  for (let i = 0; i < top.runCount; i++) {
    const pblk = top.runPblk(i);
    const count = top.runBlocks(i);
    if (pblk < end || count === 0 || top.runRefcount(i) === 0) return bad(`space map run ${pblk}+${count} overlaps or is empty`);
    end = pblk + count;
  }
  return { ok: true, value: top };
}

/**
 * The first index entry that is not strictly ascending or whose group is not inside the
 * payload, or -1. A loop of its own over the words: it runs once per mount over a million
 * entries, and a small function is optimised after a few iterations.
 */
function checkIndex(ix: Uint32Array, topBytes: number, payloadBytes: number): number {
  const minLen = GROUP.header + INODE_ITEM_BYTES;
  let prev = 0;
  for (let i = 0; i < ix.length; i += 4) {
    const ino = ix[i]!;
    const len = ix[i + 1]!;
    const lo = ix[i + 2]!;
    if (ino <= prev || len < minLen || (len & 3) !== 0 || (lo & 3) !== 0) return i >>> 2;
    const off = lo + ix[i + 3]! * 0x1_0000_0000;
    if (off < topBytes || off + len > payloadBytes) return i >>> 2;
    prev = ino;
  }
  return -1;
}

/** Writes the 16-byte group header at `pos` and checksums the group [pos, pos + bytes). */
export function sealGroup(out: Uint8Array, pos: number, bytes: number, ino: number, parent: number): void {
  // Byte stores, not a DataView: a checkpoint seals a million groups.
  putU32(out, pos + GROUP.ino, ino);
  putU32(out, pos + GROUP.parent, parent);
  putU32(out, pos + GROUP.bytes, bytes);
  putU32(out, pos + GROUP.crc, crc32c(out, pos + 4, pos + bytes));
}

function putU32(b: Uint8Array, at: number, x: number): void {
  b[at] = x & 0xff;
  b[at + 1] = (x >>> 8) & 0xff;
  b[at + 2] = (x >>> 16) & 0xff;
  b[at + 3] = x >>> 24;
}

/**
 * Decodes the group of `ino` (exactly the bytes the index names). EFSBADCRC when its checksum
 * fails; EFSCORRUPTED when it is well checksummed but not a group of that inode.
 */
export function decodeGroup(b: Uint8Array, ino: number): Decoded<{ parent: number; items: Item[] }> {
  const bad = (why: string) => ({ ok: false, code: 'EFSCORRUPTED', why: `group of inode ${ino}: ${why}` }) as const;
  if (b.length < GROUP.header) return bad('shorter than its header');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(GROUP.crc, true) !== crc32c(b, 4, b.length)) return { ok: false, code: 'EFSBADCRC', why: `group of inode ${ino} fails its checksum` };
  if (v.getUint32(GROUP.ino, true) !== ino) return bad(`names inode ${v.getUint32(GROUP.ino, true)}`);
  if (v.getUint32(GROUP.bytes, true) !== b.length) return bad('length disagrees with the index');
  const items: Item[] = [];
  let pos: number = GROUP.header;
  while (pos < b.length) {
    const r = decodeItem(v, b, pos, b.length);
    if (typeof r === 'string') return bad(r);
    const it = r.item;
    const first = items.length === 0;
    if (first !== (it.t === 'inode')) return bad('the INODE item must come first, once');
    const owner = it.t === 'link' ? it.dir : it.t === 'inode' || it.t === 'symlink' || it.t === 'map' || it.t === 'xset' ? it.ino : -1;
    if (owner !== ino) return bad(`holds a ${it.t} item of another inode`);
    items.push(it);
    pos = r.next;
  }
  if (items.length === 0) return bad('has no INODE item');
  return { ok: true, value: { parent: v.getUint32(GROUP.parent, true), items } };
}

