/**
 * Metadata items and the log record that carries them: the one codec for both the log and
 * the checkpoint image (a checkpoint is a sequence of items that rebuilds the state from empty).
 *
 * Record (8-byte aligned in the log region):
 *   off bytes type field      meaning
 *   0   4     u32  magic      0x474f4c50 ("PLOG")
 *   4   4     u32  generation checkpoint generation the record belongs to
 *   8   4     u32  length     bytes, header included, multiple of 8
 *   12  2     u16  itemCount
 *   14  2     u16  opcode     the operation (diagnostics; see OPCODES)
 *   16  4     u32  seq        transaction number within the generation
 *   20  4     u32  crc        CRC32C of [0, length) with this field zero
 *   24  ...        items
 *
 * Item: u16 type, u16 length (bytes, header included, multiple of 4), then fields:
 *   type name      fields (offset: type name)
 *   1    INODE     4:u32 ino 8:u32 mode 12:u32 nlink 16:u32 uid 20:u32 gid 24:u32 flags
 *                  28:u32 0 32:u64 size 40:i64 atimeSec 48:i64 mtimeSec 56:i64 ctimeSec
 *                  64:i64 btimeSec 72:u32 atimeNsec 76:u32 mtimeNsec 80:u32 ctimeNsec 84:u32 btimeNsec
 *   2    IFREE     4:u32 ino                         (inode and its remaining extents released)
 *   3    LINK      4:u32 dir 8:u32 ino 12:u16 nameLen 16:name    (directory entry added/replaced)
 *   4    UNLINK    4:u32 dir 8:u16 nameLen 12:name               (directory entry removed)
 *   5    MAP       4:u32 ino 8:u32 lblk 12:u32 blockCount 16:u64 pblk 24:u32 kind (0 mapped,
 *                  1 unwritten, 2 hole) 28:u32 0      (file blocks [lblk,+count) now map there)
 *   6    SYMLINK   4:u32 ino 8:u16 length 12:target
 *   7    XSET      4:u32 ino 8:u16 nameLen 10:u16 valueLen 12:name, value
 *   8    XDEL      4:u32 ino 8:u16 nameLen 12:name
 *   9    ORPHAN    4:u32 ino    (nlink reached 0 while open or sealed: reclaim at mount)
 *   10   UNORPHAN  4:u32 ino
 */
import { assert, unreachable } from '../../errno/index.js';
import { crc32c } from './crc32c.js';
import { getU64, setU64 } from './layout.js';
import { readUtf8, utf8Length, writeUtf8 } from './utf8.js';

export const RECORD_MAGIC = 0x474f4c50;
export const RECORD_HEADER = 24;
export const REC = { magic: 0, generation: 4, length: 8, itemCount: 12, opcode: 14, seq: 16, crc: 20 } as const;
export const ITEM = { INODE: 1, IFREE: 2, LINK: 3, UNLINK: 4, MAP: 5, SYMLINK: 6, XSET: 7, XDEL: 8, ORPHAN: 9, UNORPHAN: 10 } as const;
export const INODE_ITEM_BYTES = 88;
export const MAP_ITEM_BYTES = 32;
export const NAME_MAX = 255;
export const SYMLINK_MAX = 4095;
export const XATTR_NAME_MAX = 255;
export const XATTR_VALUE_MAX = 65536 - 12 - 256 - 4;

/** A time value: replaced whole, never edited in place (attribute copies share them). */
export interface Timespec {
  readonly sec: number;
  readonly nsec: number;
}

/** The on-disk inode: attributes only (the extent map, entries and xattrs are items of their own). */
export interface DiskInode {
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  flags: number;
  size: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  btime: Timespec;
}

export type MapKind = 'mapped' | 'unwritten' | 'hole';

export type Item =
  | { t: 'inode'; ino: number; inode: DiskInode }
  | { t: 'ifree'; ino: number }
  | { t: 'link'; dir: number; name: string; ino: number }
  | { t: 'unlink'; dir: number; name: string }
  | MapItem
  | { t: 'symlink'; ino: number; target: string }
  | { t: 'xset'; ino: number; name: string; value: Uint8Array }
  | { t: 'xdel'; ino: number; name: string }
  | { t: 'orphan'; ino: number }
  | { t: 'unorphan'; ino: number };

/** File blocks [lblk, lblk+count) of inode `ino` now map to pblk (or are unwritten, or a hole). */
export interface MapItem {
  readonly t: 'map';
  ino: number;
  lblk: number;
  count: number;
  pblk: number;
  kind: MapKind;
}

/**
 * Makes a MAP item. Every MAP item is made here, by one class, never as an object literal.
 *
 * Why (V8 hidden classes, measured with perf and %DebugPrint): MAP items are made at a dozen
 * sites from numbers of mixed representations (small integers, and doubles read from the
 * allocator's Float64Arrays). As literals they shared one shape whose field generalizations
 * (small integer -> double) left the write path's site allocating every item with a
 * *deprecated* hidden class, which each later access migrated (Runtime_TryMigrateInstance
 * under encodeRecord). A class takes its instances' hidden class from its constructor, and
 * SHAPE_ANCHOR below keeps that hidden class alive with its fields already in the most general
 * representation: without a live instance, a full GC collected it between operations, and the
 * next write re-created it and recompiled the write path (seen as ~2x slower appends in a
 * harness that runs gc() between repetitions). Result: a random 4 KiB overwrite 3.2-3.5 ->
 * 2.4-2.6 us, appends unchanged.
 */
export function mapItem(ino: number, lblk: number, count: number, pblk: number, kind: MapKind): MapItem {
  return new MapItemObject(ino, lblk, count, pblk, kind);
}

class MapItemObject implements MapItem {
  // `declare`: no field definitions before the constructor's stores (they would start each
  // field as undefined, one more shape change per field).
  declare readonly t: 'map';
  declare ino: number;
  declare lblk: number;
  declare count: number;
  declare pblk: number;
  declare kind: MapKind;

  /** Never used as an item: it holds the class's hidden class, fields tagged (see mapItem). */
  static readonly SHAPE_ANCHOR = new MapItemObject(null, null, null, null, 'mapped');

  constructor(ino: number | null, lblk: number | null, count: number | null, pblk: number | null, kind: MapKind) {
    (this as { t: 'map' }).t = 'map';
    this.ino = ino!;
    this.lblk = lblk!;
    this.count = count!;
    this.pblk = pblk!;
    this.kind = kind;
  }
}

export const OPCODES = [
  'none', 'create', 'mkdir', 'unlink', 'rmdir', 'rename', 'link', 'symlink', 'write', 'truncate',
  'fallocate', 'clone', 'dedupe', 'setattr', 'setxattr', 'removexattr', 'reclaim', 'mmap', 'defrag', 'copy',
] as const;
export type Opcode = (typeof OPCODES)[number];
/** Opcode -> its code. An object, not a Map: the commit of every write looks one up. */
const OPCODE_CODE = Object.fromEntries(OPCODES.map((o, i) => [o, i])) as Readonly<Record<Opcode, number>>;

const KINDS: readonly MapKind[] = ['mapped', 'unwritten', 'hole'];

const align4 = (n: number) => (n + 3) & ~3;
export const align8 = (n: number) => (n + 7) & ~7;

/** Bytes of a LINK item naming `name` (the image writer sizes directories without making items). */
export function linkItemBytes(name: string): number {
  return align4(16 + utf8Length(name));
}

/** Bytes an item takes once encoded (names are measured in UTF-8). */
export function itemBytes(it: Item): number {
  switch (it.t) {
    case 'inode': return INODE_ITEM_BYTES;
    case 'ifree': case 'orphan': case 'unorphan': return 8;
    case 'link': return linkItemBytes(it.name);
    case 'unlink': return align4(12 + utf8Length(it.name));
    case 'map': return MAP_ITEM_BYTES;
    case 'symlink': return align4(12 + utf8Length(it.target));
    case 'xset': return align4(12 + utf8Length(it.name) + it.value.length);
    case 'xdel': return align4(12 + utf8Length(it.name));
    default: return unreachable(it, 'item');
  }
}

/**
 * Encodes items into `out` at `pos` (the caller sized it with itemBytes) and returns the new
 * position. One pass, no intermediate allocations.
 */
export function encodeItem(out: DataView, bytes: Uint8Array, pos: number, it: Item): number {
  switch (it.t) {
    case 'inode':
      return encodeInodeItem(out, pos, it.ino, it.inode);
    case 'ifree': case 'orphan': case 'unorphan':
      itemHead(out, pos, it.t === 'ifree' ? ITEM.IFREE : it.t === 'orphan' ? ITEM.ORPHAN : ITEM.UNORPHAN, 8);
      out.setUint32(pos + 4, it.ino, true);
      return pos + 8;
    case 'link': {
      const n = writeUtf8(bytes, pos + 16, it.name);
      const len = align4(16 + n);
      itemHead(out, pos, ITEM.LINK, len);
      out.setUint32(pos + 4, it.dir, true);
      out.setUint32(pos + 8, it.ino, true);
      out.setUint16(pos + 12, n, true);
      out.setUint16(pos + 14, 0, true);
      return zeroPad(bytes, pos + 16 + n, pos + len);
    }
    case 'unlink': case 'xdel': {
      const n = writeUtf8(bytes, pos + 12, it.name);
      const len = align4(12 + n);
      itemHead(out, pos, it.t === 'unlink' ? ITEM.UNLINK : ITEM.XDEL, len);
      out.setUint32(pos + 4, it.t === 'unlink' ? it.dir : it.ino, true);
      out.setUint16(pos + 8, n, true);
      out.setUint16(pos + 10, 0, true);
      return zeroPad(bytes, pos + 12 + n, pos + len);
    }
    case 'map':
      return encodeMapItem(out, pos, it);
    case 'symlink': {
      const n = writeUtf8(bytes, pos + 12, it.target);
      const len = align4(12 + n);
      itemHead(out, pos, ITEM.SYMLINK, len);
      out.setUint32(pos + 4, it.ino, true);
      out.setUint16(pos + 8, n, true);
      out.setUint16(pos + 10, 0, true);
      return zeroPad(bytes, pos + 12 + n, pos + len);
    }
    case 'xset': {
      const n = writeUtf8(bytes, pos + 12, it.name);
      const len = align4(12 + n + it.value.length);
      itemHead(out, pos, ITEM.XSET, len);
      out.setUint32(pos + 4, it.ino, true);
      out.setUint16(pos + 8, n, true);
      out.setUint16(pos + 10, it.value.length, true);
      bytes.set(it.value, pos + 12 + n);
      return zeroPad(bytes, pos + 12 + n + it.value.length, pos + len);
    }
    default:
      return unreachable(it, 'item');
  }
}

/** Decodes one item at `pos`; returns it and the next position, or an error string. */
export function decodeItem(v: DataView, bytes: Uint8Array, pos: number, end: number): { item: Item; next: number } | string {
  if (pos + 4 > end) return 'item header past the end';
  const type = v.getUint16(pos, true);
  const len = v.getUint16(pos + 2, true);
  if (len < 8 || len % 4 !== 0 || pos + len > end) return `item at ${pos} has bad length ${len}`;
  const u32 = (o: number) => v.getUint32(pos + o, true);
  const str = (o: number, n: number) => (o + n > len ? null : readUtf8(bytes, pos + o, pos + o + n));
  const next = pos + len;
  switch (type) {
    case ITEM.INODE: {
      if (len !== INODE_ITEM_BYTES) return 'inode item has bad length';
      const inode: DiskInode = {
        mode: u32(8), nlink: u32(12), uid: u32(16), gid: u32(20), flags: u32(24), size: getU64(v, pos + 32),
        atime: { sec: getI64(v, pos + 40), nsec: u32(72) }, mtime: { sec: getI64(v, pos + 48), nsec: u32(76) },
        ctime: { sec: getI64(v, pos + 56), nsec: u32(80) }, btime: { sec: getI64(v, pos + 64), nsec: u32(84) },
      };
      return { item: { t: 'inode', ino: u32(4), inode }, next };
    }
    case ITEM.IFREE: return { item: { t: 'ifree', ino: u32(4) }, next };
    case ITEM.ORPHAN: return { item: { t: 'orphan', ino: u32(4) }, next };
    case ITEM.UNORPHAN: return { item: { t: 'unorphan', ino: u32(4) }, next };
    case ITEM.LINK: {
      const name = str(16, v.getUint16(pos + 12, true));
      return name === null ? 'link item name overflows' : { item: { t: 'link', dir: u32(4), ino: u32(8), name }, next };
    }
    case ITEM.UNLINK: case ITEM.XDEL: {
      const name = str(12, v.getUint16(pos + 8, true));
      if (name === null) return 'item name overflows';
      return { item: type === ITEM.UNLINK ? { t: 'unlink', dir: u32(4), name } : { t: 'xdel', ino: u32(4), name }, next };
    }
    case ITEM.MAP: {
      const kind = KINDS[u32(24)];
      if (kind === undefined || len !== MAP_ITEM_BYTES) return 'map item is malformed';
      return { item: mapItem(u32(4), u32(8), u32(12), getU64(v, pos + 16), kind), next };
    }
    case ITEM.SYMLINK: {
      const target = str(12, v.getUint16(pos + 8, true));
      return target === null ? 'symlink item overflows' : { item: { t: 'symlink', ino: u32(4), target }, next };
    }
    case ITEM.XSET: {
      const nl = v.getUint16(pos + 8, true);
      const vl = v.getUint16(pos + 10, true);
      const name = str(12, nl);
      if (name === null || 12 + nl + vl > len) return 'xattr item overflows';
      return { item: { t: 'xset', ino: u32(4), name, value: bytes.slice(pos + 12 + nl, pos + 12 + nl + vl) }, next };
    }
    default:
      return `unknown item type ${type}`;
  }
}

// The two items of every write, encoded apart from the switch: in encodeItem every load from
// `it` sees all ten item shapes, here each load sees one, so V8 compiles them to plain loads.

function encodeInodeItem(out: DataView, pos: number, ino: number, d: DiskInode): number {
  itemHead(out, pos, ITEM.INODE, INODE_ITEM_BYTES);
  out.setUint32(pos + 4, ino, true);
  out.setUint32(pos + 8, d.mode, true);
  out.setUint32(pos + 12, d.nlink, true);
  out.setUint32(pos + 16, d.uid, true);
  out.setUint32(pos + 20, d.gid, true);
  out.setUint32(pos + 24, d.flags, true);
  out.setUint32(pos + 28, 0, true);
  setU64(out, pos + 32, d.size);
  setI64(out, pos + 40, d.atime.sec);
  setI64(out, pos + 48, d.mtime.sec);
  setI64(out, pos + 56, d.ctime.sec);
  setI64(out, pos + 64, d.btime.sec);
  out.setUint32(pos + 72, d.atime.nsec, true);
  out.setUint32(pos + 76, d.mtime.nsec, true);
  out.setUint32(pos + 80, d.ctime.nsec, true);
  out.setUint32(pos + 84, d.btime.nsec, true);
  return pos + INODE_ITEM_BYTES;
}

function encodeMapItem(out: DataView, pos: number, it: MapItem): number {
  itemHead(out, pos, ITEM.MAP, MAP_ITEM_BYTES);
  out.setUint32(pos + 4, it.ino, true);
  out.setUint32(pos + 8, it.lblk, true);
  out.setUint32(pos + 12, it.count, true);
  setU64(out, pos + 16, it.pblk);
  out.setUint32(pos + 24, it.kind === 'mapped' ? 0 : it.kind === 'unwritten' ? 1 : 2, true); // KINDS' order
  out.setUint32(pos + 28, 0, true);
  return pos + MAP_ITEM_BYTES;
}

/**
 * A reusable buffer to frame records in (a commit's record is copied into the log at once, so
 * one buffer per filesystem serves every commit: no allocation and no garbage per operation).
 */
export class RecordScratch {
  bytes = new Uint8Array(4096);
  view = new DataView(this.bytes.buffer);
  /** The last record's view of `bytes`: the next record of the same length reuses it. */
  private framed = this.bytes.subarray(0, 0);

  /** At least `n` bytes; the contents are not kept. */
  reserve(n: number): void {
    if (n <= this.bytes.length) return;
    this.bytes = new Uint8Array(Math.max(n, 2 * this.bytes.length));
    this.view = new DataView(this.bytes.buffer);
    this.framed = this.bytes.subarray(0, 0);
  }

  /** Bytes [0, n) as a view (operations repeat, and so do record lengths: no view per commit). */
  first(n: number): Uint8Array {
    if (this.framed.length !== n) this.framed = this.bytes.subarray(0, n);
    return this.framed;
  }
}

/**
 * Frames items as one log record. With `scratch`, the record is framed in it and the result is
 * a view of it, valid until the next use of the scratch; else in a fresh array.
 */
export function encodeRecord(items: readonly Item[], generation: number, seq: number, opcode: Opcode, scratch?: RecordScratch): Uint8Array {
  let size = RECORD_HEADER;
  for (const it of items) size += itemBytes(it);
  const total = align8(size);
  assert(total < 2 ** 32, 'record too large');
  let bytes: Uint8Array;
  let v: DataView;
  if (scratch === undefined) {
    bytes = new Uint8Array(total);
    v = new DataView(bytes.buffer);
  } else {
    scratch.reserve(total);
    bytes = scratch.bytes;
    v = scratch.view;
  }
  let pos = RECORD_HEADER;
  for (const it of items) pos = encodeItem(v, bytes, pos, it);
  // The alignment padding (a reused scratch holds old bytes there): under 8 bytes, so a loop,
  // not fill() (a C++ builtin behind a runtime call, however short the range).
  for (let i = pos; i < total; i++) bytes[i] = 0;
  v.setUint32(REC.magic, RECORD_MAGIC, true);
  v.setUint32(REC.generation, generation, true);
  v.setUint32(REC.length, total, true);
  v.setUint16(REC.itemCount, items.length, true);
  v.setUint16(REC.opcode, OPCODE_CODE[opcode] ?? 0, true);
  v.setUint32(REC.seq, seq, true);
  v.setUint32(REC.crc, 0, true);
  // The checksum is computed last, over every other byte of the record.
  v.setUint32(REC.crc, crc32c(bytes, 0, total), true);
  return scratch === undefined ? bytes : scratch.first(total);
}

export type DecodedRecord = { ok: true; items: Item[]; length: number; seq: number; opcode: Opcode } | { ok: false; code: 'EFSCORRUPTED' | 'EFSBADCRC'; why: string };

/** Decodes the record at `pos` of `bytes` (the log region image). */
export function decodeRecord(bytes: Uint8Array, pos: number, limit: number, generation: number): DecodedRecord {
  if (pos + RECORD_HEADER > limit) return { ok: false, code: 'EFSCORRUPTED', why: `record at ${pos} runs past the log tail` };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(pos + REC.magic, true) !== RECORD_MAGIC) return { ok: false, code: 'EFSCORRUPTED', why: `no record at log offset ${pos}` };
  const length = v.getUint32(pos + REC.length, true);
  if (length < RECORD_HEADER || length % 8 !== 0 || pos + length > limit) return { ok: false, code: 'EFSCORRUPTED', why: `record at ${pos} has bad length ${length}` };
  const stored = v.getUint32(pos + REC.crc, true);
  v.setUint32(pos + REC.crc, 0, true);
  const crc = crc32c(bytes, pos, pos + length);
  v.setUint32(pos + REC.crc, stored, true);
  if (crc !== stored) return { ok: false, code: 'EFSBADCRC', why: `record at log offset ${pos} fails its checksum` };
  if (v.getUint32(pos + REC.generation, true) !== generation) return { ok: false, code: 'EFSCORRUPTED', why: `record at ${pos} is from another generation` };
  const count = v.getUint16(pos + REC.itemCount, true);
  const items: Item[] = [];
  let p = pos + RECORD_HEADER;
  for (let i = 0; i < count; i++) {
    const r = decodeItem(v, bytes, p, pos + length);
    if (typeof r === 'string') return { ok: false, code: 'EFSCORRUPTED', why: `record at ${pos}: ${r}` };
    items.push(r.item);
    p = r.next;
  }
  const opcode = OPCODES[v.getUint16(pos + REC.opcode, true)] ?? 'none';
  return { ok: true, items, length, seq: v.getUint32(pos + REC.seq, true), opcode };
}

function setI64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x >>> 0, true);
  v.setInt32(off + 4, Math.floor(x / 0x1_0000_0000), true);
}

function getI64(v: DataView, off: number): number {
  return v.getUint32(off, true) + v.getInt32(off + 4, true) * 0x1_0000_0000;
}

/** An item's header: type and length (no closure per item: this runs on every commit). */
function itemHead(out: DataView, pos: number, type: number, len: number): void {
  out.setUint16(pos, type, true);
  out.setUint16(pos + 2, len, true);
}

function zeroPad(bytes: Uint8Array, from: number, to: number): number {
  bytes.fill(0, from, to);
  return to;
}
