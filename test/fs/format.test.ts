import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BLOCK, INODE_ITEM_BYTES, MAP_ITEM_BYTES, MAGIC, RECORD_HEADER, REC, SB, SLOT, crc32c, decodeCommitWord, decodeRecord,
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
    expect(SB.commitWord % 8).toBe(0); // the commit word must be one aligned 8-byte store
    expect(SB.commitWord % 64).toBe(0); // and alone in its cache line
  });

  it('crc32c check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('superblock golden bytes round-trip', () => {
    const sb = {
      version: 1, blockSize: 4096, blockCount: 16384, logStart: 1, logBlocks: 512, featCompat: 0, featRoCompat: 0, featIncompat: 0,
      uuid: new Uint8Array(16).fill(0xab), mkfsTimeMs: 1_700_000_000_000, label: 'golden',
    };
    const b = encodeSuperblock(sb);
    expect([...b.subarray(0, 8)]).toEqual([...MAGIC]);
    expect(Buffer.from(b.subarray(8, 32)).toString('hex')).toBe('0100000000100000004000000000000001000000' + '00020000');
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

  it('docs/FORMAT.md states the same offsets as the code', () => {
    const doc = readFileSync(resolve(__dirname, '../../docs/FORMAT.md'), 'utf8');
    for (const [field, off] of Object.entries(SB)) if (field !== 'staticBytes') expect(doc).toMatch(new RegExp(`\\|\\s*${off}\\s*\\|[^\\n]*\\b${field}\\b`));
    for (const [field, off] of Object.entries(REC)) expect(doc).toMatch(new RegExp(`\\|\\s*${off}\\s*\\|[^\\n]*\\b${field}\\b`));
    expect(doc).toContain(`${INODE_ITEM_BYTES}`);
  });
});
