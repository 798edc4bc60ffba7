import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BLOCK, GROUP, INDEX, ImageTop, RUN, SECTION, TOP, TOP_MAGIC, decodeGroup, decodeTop, encodeItem, encodeTop, itemBytes, sealGroup, topLayout,
  INODE_ITEM_BYTES, MAP_ITEM_BYTES, MAGIC, RECORD_HEADER, REC, SB, SLOT, crc32c, decodeCommitWord, decodeRecord,
  decodeSuperblock, decodeSlot, encodeCommitWord, encodeRecord, encodeSlot, encodeSuperblock, readUtf8, utf8Length, writeUtf8, type Item,
} from '../../src/fs/format/index.js';

describe('on-disk format', () => {
  it('pins every offset and size', () => {
    expect(BLOCK).toBe(4096);
    expect(SB).toEqual({
      magic: 0, version: 8, blockSize: 12, blockCount: 16, logStart: 24, logBlocks: 28, featCompat: 32, featRoCompat: 36,
      featIncompat: 40, uuid: 48, mkfsTimeMs: 64, label: 72, crc: 124, staticBytes: 128, commitWord: 128, slot0: 192, slot1: 256,
    });
    expect(SLOT).toEqual({ generation: 0, headerBlock: 8, payloadBytes: 16, payloadCrc: 24, extentCount: 28, seq: 32, crc: 60, bytes: 64 });
    expect(REC).toEqual({ magic: 0, generation: 4, length: 8, itemCount: 12, opcode: 14, seq: 16, crc: 20 });
    expect([RECORD_HEADER, INODE_ITEM_BYTES, MAP_ITEM_BYTES]).toEqual([24, 88, 32]);
    expect(TOP).toEqual({ magic: 0, sections: 4, topBytes: 8, table: 16 });
    expect(SECTION).toEqual({ kind: 0, count: 4, offset: 8, bytes: 16 });
    expect(INDEX).toEqual({ ino: 0, bytes: 4, offset: 8, size: 16 });
    expect(RUN).toEqual({ pblk: 0, count: 8, refcount: 12, size: 16 });
    expect(GROUP).toEqual({ crc: 0, ino: 4, parent: 8, bytes: 12, header: 16 });
    expect(TOP_MAGIC).toBe(0x504f5450);
    expect(SB.commitWord % 8).toBe(0); // the commit word must be one aligned 8-byte store
    expect(SB.commitWord % 64).toBe(0); // and alone in its cache line
  });

  it('crc32c check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('superblock golden bytes round-trip', () => {
    const sb = {
      version: 2, blockSize: 4096, blockCount: 16384, logStart: 1, logBlocks: 512, featCompat: 0, featRoCompat: 0, featIncompat: 0,
      uuid: new Uint8Array(16).fill(0xab), mkfsTimeMs: 1_700_000_000_000, label: 'golden',
    };
    const b = encodeSuperblock(sb);
    expect([...b.subarray(0, 8)]).toEqual([...MAGIC]);
    expect(Buffer.from(b.subarray(8, 32)).toString('hex')).toBe('0200000000100000004000000000000001000000' + '00020000');
    const d = decodeSuperblock(b);
    expect(d.ok && d.value).toEqual(sb);
    b[20]! ^= 1;
    expect(decodeSuperblock(b)).toMatchObject({ ok: false, code: 'EFSBADCRC' });
    b[0]! ^= 1;
    expect(decodeSuperblock(b)).toMatchObject({ ok: false, code: 'EFSCORRUPTED' });
  });

  it('commit word: generation in the high half, tail in the low', () => {
    const w = encodeCommitWord({ generation: 3, tail: 0x1234 });
    expect(Buffer.from(w).toString('hex')).toBe('3412000003000000');
    expect(decodeCommitWord(w)).toEqual({ generation: 3, tail: 0x1234 });
  });

  it('checkpoint slot round-trips and detects damage', () => {
    const s = { generation: 7, headerBlock: 99, payloadBytes: 12345, payloadCrc: 0xdeadbeef, extentCount: 2, seq: 5 };
    const b = encodeSlot(s);
    expect(decodeSlot(b)).toEqual({ ok: true, value: s });
    b[3]! ^= 0x10;
    expect(decodeSlot(b).ok).toBe(false);
  });

  it('every item kind round-trips through a record', () => {
    const t = { sec: -5, nsec: 999_999_999 };
    const items: Item[] = [
      { t: 'inode', ino: 7, inode: { mode: 0o100644, nlink: 2, uid: 1000, gid: 100, flags: 0, size: 2 ** 40 + 3, atime: t, mtime: { sec: 1, nsec: 2 }, ctime: { sec: 3, nsec: 4 }, btime: { sec: 2 ** 35, nsec: 0 } } },
      { t: 'ifree', ino: 9 },
      { t: 'link', dir: 1, name: 'héllo', ino: 7 },
      { t: 'unlink', dir: 1, name: 'x' },
      { t: 'map', ino: 7, lblk: 3, count: 10, pblk: 2 ** 33, kind: 'unwritten' },
      { t: 'map', ino: 7, lblk: 13, count: 1, pblk: 0, kind: 'hole' },
      { t: 'symlink', ino: 8, target: '../a/b' },
      { t: 'xset', ino: 7, name: 'user.k', value: new Uint8Array([1, 2, 3]) },
      { t: 'xdel', ino: 7, name: 'user.k' },
      { t: 'orphan', ino: 7 },
      { t: 'unorphan', ino: 7 },
    ];
    const rec = encodeRecord(items, 4, 11, 'write');
    expect(rec.length % 8).toBe(0);
    const d = decodeRecord(rec, 0, rec.length, 4);
    expect(d).toMatchObject({ ok: true, seq: 11, opcode: 'write', length: rec.length });
    expect(d.ok && d.items).toEqual(items);
    expect(decodeRecord(rec, 0, rec.length, 5)).toMatchObject({ ok: false, code: 'EFSCORRUPTED' });
    rec[RECORD_HEADER + 5]! ^= 0xff;
    expect(decodeRecord(rec, 0, rec.length, 4)).toMatchObject({ ok: false, code: 'EFSBADCRC' });
  });

  it('names encode in UTF-8 exactly as TextEncoder does, ASCII or not', () => {
    const names = ['plain.txt', '', 'caf\u00e9', '\u65e5\u672c\u8a9e', 'emoji \u{1f600} x', 'lone \ud800 surrogate', 'tail\udc00', 'x'.repeat(255), '\u00e9'.repeat(100)];
    const te = new TextEncoder();
    for (const name of names) {
      const want = te.encode(name);
      expect(utf8Length(name)).toBe(want.length);
      const buf = new Uint8Array(want.length + 8).fill(0xee);
      expect(writeUtf8(buf, 3, name)).toBe(want.length);
      expect(buf.subarray(3, 3 + want.length)).toEqual(want);
      expect(buf[3 + want.length]).toBe(0xee);
      expect(readUtf8(buf, 3, 3 + want.length)).toBe(new TextDecoder().decode(want));
    }
    // Malformed bytes decode to U+FFFD, as TextDecoder does; shared memory decodes too.
    const shared = new Uint8Array(new SharedArrayBuffer(4));
    shared.set([0x61, 0xff, 0xc3, 0xa9]);
    expect(readUtf8(shared, 0, 4)).toBe('a\ufffd\u00e9');
  });

  it('checkpoint image: top section and groups, golden bytes, round trip, damage', () => {
    const items: Item[] = [
      { t: 'inode', ino: 5, inode: { mode: 0o040755, nlink: 2, uid: 0, gid: 0, flags: 0, size: 0, atime: { sec: 1, nsec: 0 }, mtime: { sec: 1, nsec: 0 }, ctime: { sec: 1, nsec: 0 }, btime: { sec: 1, nsec: 0 } } },
      { t: 'link', dir: 5, name: 'a', ino: 9 },
    ];
    const lay = topLayout(1, 1, 1);
    expect(lay).toEqual({ orphans: 64, index: 72, space: 88, topBytes: 104 });
    const groupLen = GROUP.header + items.reduce((n, it) => n + itemBytes(it), 0);
    const index = new Uint32Array([5, groupLen, lay.topBytes, 0]);
    const runs = new Uint32Array([0x1234, 1, 3, 2]); // pblk 2^32 + 0x1234, 3 blocks, refcount 2
    const top = new ImageTop(lay.topBytes, new Uint32Array([9]), index, runs);
    const payload = new Uint8Array(lay.topBytes + groupLen);
    encodeTop(payload, top);
    const v = new DataView(payload.buffer);
    let pos = lay.topBytes + GROUP.header;
    for (const it of items) pos = encodeItem(v, payload, pos, it);
    sealGroup(payload, lay.topBytes, groupLen, 5, 1);
    const hex = (a: number, b: number) => Buffer.from(payload.subarray(a, b)).toString('hex');
    expect(hex(0, 16)).toBe('50544f50' + '03000000' + '6800000000000000');
    expect(hex(16, 64)).toBe('01000000010000004000000000000000' + '02000000010000004800000000000000' + '03000000010000005800000000000000');
    expect(hex(64, 72)).toBe('0900000000000000');
    expect(hex(72, 88)).toBe(`05000000${groupLen.toString(16).padStart(2, '0')}000000` + '6800000000000000');
    expect(hex(88, 104)).toBe('341200000100000003000000' + '02000000');
    expect(hex(lay.topBytes + 4, lay.topBytes + 16)).toBe(`0500000001000000${groupLen.toString(16).padStart(2, '0')}000000`);
    const d = decodeTop(payload.subarray(0, lay.topBytes), payload.length);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect([d.value.count, d.value.ino(0), d.value.groupOffset(0), d.value.groupBytes(0), d.value.indexOf(5), d.value.indexOf(6)]).toEqual([1, 5, 104, groupLen, 0, -1]);
    expect([d.value.runPblk(0), d.value.runBlocks(0), d.value.runRefcount(0), [...d.value.orphans]]).toEqual([2 ** 32 + 0x1234, 3, 2, [9]]);
    const g = decodeGroup(payload.subarray(lay.topBytes), 5);
    expect(g).toEqual({ ok: true, value: { parent: 1, items } });
    expect(decodeGroup(payload.subarray(lay.topBytes), 6)).toMatchObject({ ok: false, code: 'EFSCORRUPTED' });
    payload[lay.topBytes + 20]! ^= 1;
    expect(decodeGroup(payload.subarray(lay.topBytes), 5)).toMatchObject({ ok: false, code: 'EFSBADCRC' });
    // An index that is not ascending, or a group outside the payload, is corrupt.
    expect(decodeTop(payload.subarray(0, lay.topBytes), lay.topBytes + 8)).toMatchObject({ ok: false, code: 'EFSCORRUPTED' });
    payload[0]! ^= 1;
    expect(decodeTop(payload.subarray(0, lay.topBytes), payload.length)).toMatchObject({ ok: false, code: 'EFSCORRUPTED' });
  });

  it('docs/FORMAT.md states the same offsets as the code', () => {
    const doc = readFileSync(resolve(__dirname, '../../docs/FORMAT.md'), 'utf8');
    const row = (field: string, off: number) => expect(doc).toMatch(new RegExp(`\\|\\s*${off}\\s*\\|[^\\n]*\\b${field}\\b`));
    for (const [field, off] of Object.entries(SB)) if (field !== 'staticBytes') row(field, off);
    for (const [field, off] of Object.entries(REC)) row(field, off);
    for (const [field, off] of Object.entries(SLOT)) if (field !== 'bytes') row(field, off);
    // The checkpoint image (format/image.ts): each table's rows, in the section that names it.
    const section = (title: string) => {
      const at = doc.indexOf(title);
      expect(at).toBeGreaterThanOrEqual(0);
      const rest = doc.slice(at + title.length);
      const end = rest.search(/\n##/);
      return end < 0 ? rest : rest.slice(0, end);
    };
    const rows = (title: string, layout: Record<string, number>, skip: string[]) => {
      const text = section(title);
      for (const [field, off] of Object.entries(layout)) if (!skip.includes(field)) expect(text).toMatch(new RegExp(`\\|\\s*${off}\\s*\\|[^\\n]*\\b${field}\\b`));
    };
    rows('### Top section header', TOP, []);
    rows('### Section table entry', SECTION, ['bytes']);
    rows('### Index entry', INDEX, ['size']);
    rows('### Space map run', RUN, ['size']);
    rows('### Inode group', { ...GROUP, items: GROUP.header }, ['header']);
    expect(doc).toContain('0x504f5450');
    expect(doc).toContain(`${INODE_ITEM_BYTES}`);
  });
});
