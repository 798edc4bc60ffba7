/**
 * Corrupted and truncated images: flipped bits anywhere in the metadata, a truncated image, a
 * foreign file. mount and fsck must answer EFSBADCRC or EFSCORRUPTED (or recover), never an
 * uncaught exception of another kind, never a hang.
 */
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK, SB } from '../../src/fs/format/index.js';
import { PmemDevice, fsck, isFsError, mkfs, mount, prng } from '../../src/index.js';
import { pattern } from './helpers.js';

function populated(checkpoint: boolean): PmemDevice {
  const dev = PmemDevice.create({ size: 4 << 20 });
  mkfs(dev, { logBlocks: 32 });
  const fs = mount(dev);
  fs.mkdirSync('/d/e', { recursive: true });
  for (let i = 0; i < 20; i++) fs.writeFileSync(`/d/f${i}`, pattern(100 + i * 300, i));
  fs.symlinkSync('/d/f1', '/l');
  fs.setxattrSync('/d/f2', 'user.x', 'y');
  fs.renameSync('/d/f3', '/d/e/g');
  if (checkpoint) fs.unmount();
  return dev;
}

/** The outcome of mounting and checking a damaged device: an FsError code, or 'ok'. */
function outcome(dev: PmemDevice): string {
  try {
    const fs = mount(dev);
    fs.readdirSync('/', { recursive: true });
    const r = fsck(dev);
    return r.ok ? 'ok' : r.findings[0]!.code;
  } catch (e) {
    if (isFsError(e)) return e.code;
    throw e; // anything else fails the test
  }
}

function flipped(base: PmemDevice, offset: number, bit: number): PmemDevice {
  const dev = base.crash({ kind: 'strict' });
  const b = dev.read(offset, 1);
  b[0]! ^= 1 << bit;
  dev.loadDurable(offset, b);
  return dev;
}

describe('corrupted images', () => {
  it('every bit of the superblock, commit word and slots: detected or harmless', () => {
    const base = populated(false);
    const seen = new Set<string>();
    for (let off = 0; off < SB.slot1 + 64; off++) {
      for (const bit of [0, 3, 7]) seen.add(outcome(flipped(base, off, bit)));
    }
    expect([...seen].every((c) => ['ok', 'EFSBADCRC', 'EFSCORRUPTED', 'EROFS'].includes(c))).toBe(true);
    expect(seen.has('EFSBADCRC')).toBe(true);
  });

  it('random bit flips in the log and in the checkpoint image', () => {
    for (const checkpoint of [false, true]) {
      const base = populated(checkpoint);
      const r = prng(checkpoint ? 7 : 8);
      const codes = new Set<string>();
      const span = checkpoint ? base.size - BLOCK : 33 * BLOCK; // checkpoint lives in the data area
      for (let i = 0; i < 300; i++) codes.add(outcome(flipped(base, BLOCK + r.int(span - BLOCK), r.int(8))));
      for (const c of codes) expect(['ok', 'EFSBADCRC', 'EFSCORRUPTED']).toContain(c);
      expect(codes.has('EFSBADCRC')).toBe(true);
    }
  });

  it('zeroed superblock, zeroed log, garbage everywhere', () => {
    const base = populated(false);
    const z = base.crash({ kind: 'strict' });
    z.loadDurable(0, new Uint8Array(BLOCK));
    expect(outcome(z)).toBe('EFSCORRUPTED');
    const g = base.crash({ kind: 'strict' });
    g.loadDurable(BLOCK, pattern(8 * BLOCK, 99));
    expect(['EFSBADCRC', 'EFSCORRUPTED']).toContain(outcome(g));
    expect(fsck(g).ok).toBe(false);
  });

  it('a truncated image file and a foreign file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmemfs-corrupt-'));
    const img = join(dir, 'disk.pmem');
    const dev = PmemDevice.create({ size: 4 << 20, file: img });
    mkfs(dev);
    const fs = mount(dev);
    fs.writeFileSync('/a', pattern(50000, 1));
    fs.unmount();
    dev.close();
    truncateSync(img, 1 << 20);
    const small = PmemDevice.open(img);
    try {
      expect(outcome(small)).toBe('EFSCORRUPTED');
    } finally {
      small.close();
    }
    const foreign = join(dir, 'foreign.img');
    writeFileSync(foreign, pattern(1 << 20, 3));
    const f = PmemDevice.open(foreign);
    try {
      expect(outcome(f)).toBe('EFSCORRUPTED');
      expect(fsck(f)).toMatchObject({ ok: false, findings: [{ kind: 'mount', code: 'EFSCORRUPTED' }] });
    } finally {
      f.close();
    }
  });
});

describe('corrupted inode groups (lazily loaded)', () => {
  it('a flipped bit in any group is EFSBADCRC when that inode is touched, and fsck names it', () => {
    const base = populated(true);
    const fs = mount(base, { checkpointOnUnmount: false });
    const image = fs.core.store.image!;
    const groups = Array.from({ length: image.top.count }, (_, i) => ({ ino: image.top.ino(i), off: image.top.groupOffset(i), bytes: image.top.groupBytes(i) }));
    fs.unmount();
    const r = prng(11);
    for (const g of groups) {
      const at = image.deviceOffset(g.off + r.int(g.bytes));
      const dev = flipped(base, at, r.int(8));
      // Mount reads only the top section and the root: the damage shows where it is touched.
      if (g.ino !== 1) mount(dev, { checkpointOnUnmount: false }).unmount();
      expect(outcome(dev)).toBe('EFSBADCRC');
      const report = fsck(dev);
      expect(report.ok).toBe(false);
      const want = g.ino === 1 ? { kind: 'mount', code: 'EFSBADCRC' } : { kind: 'image', code: 'EFSBADCRC', ino: g.ino };
      expect(report.findings).toEqual([expect.objectContaining(want)]);
    }
  });
});
