/**
 * Lazily loaded inodes (format version 2): mount reads the checkpoint's top section only (index,
 * space map, orphans), and each inode's group is read, checked and installed the first time
 * something needs it. These tests pin what mount reads, what a lookup loads, that log replay on
 * top of a lazy image and checkpoints after partial loading are exact, that a freed inode stays
 * freed, that a damaged group is reported where it is touched, and that statfs needs no loading.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GROUP, SB, SLOT, TOP, crc32c, decodeCommitWord, decodeGroup, decodeSlot, encodeItem, encodeSlot, sealGroup, slotOffset } from '../../src/fs/format/index.js';
import { COPYFILE_FICLONE_FORCE, PmemDevice, fsck, isFsError, mkfs, mount, type Filesystem, type FsError } from '../../src/index.js';
import { MiB, pattern, snapshot } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pmemfs-lazy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A tree of `dirs` x `files` (long names, so directory groups are big), some data and extras. */
function populate(fs: Filesystem, dirs: number, files: number): void {
  for (let d = 0; d < dirs; d++) {
    fs.mkdirSync(`/d${d}`);
    for (let f = 0; f < files; f++) fs.writeFileSync(`/d${d}/${'n'.repeat(80)}-${f}`, f % 10 === 0 ? pattern(5000 + f, d * 1000 + f) : '');
  }
  fs.writeFileSync('/data', pattern(64 * 1024, 1));
  fs.copyFileSync('/data', '/clone', COPYFILE_FICLONE_FORCE);
  fs.writeFileSync('/clone', pattern(4096, 2), { flag: 'r+' });
  fs.symlinkSync('/data', '/link');
  fs.setxattrSync('/data', 'user.k', 'v');
  fs.mkdirSync('/d0/sub/deep', { recursive: true });
  fs.writeFileSync('/d0/sub/deep/leaf', pattern(3000, 9));
}

function memFs(dirs = 4, files = 40): PmemDevice {
  const dev = PmemDevice.create({ size: 32 * MiB });
  mkfs(dev);
  const fs = mount(dev);
  populate(fs, dirs, files);
  fs.unmount();
  return dev;
}

const meta = (fs: Filesystem) => fs.core.meta;
const name = (f: number) => `${'n'.repeat(80)}-${f}`;

/** The tree as a fresh mount of a strict crash copy sees it (loads everything there, not here). */
function treeOf(dev: PmemDevice): Record<string, string> {
  const copy = dev.crash({ kind: 'strict' });
  const fs = mount(copy, { checkpointOnUnmount: false });
  const t = snapshot(fs);
  fs.unmount();
  return t;
}

/** The FsError f throws, or null (anything else propagates). */
function thrown(f: () => unknown): FsError | null {
  try {
    f();
    return null;
  } catch (e) {
    if (isFsError(e)) return e;
    throw e;
  }
}

function code(f: () => unknown): string {
  return thrown(f)?.code ?? 'ok';
}

describe('lazy mount', () => {
  it('after a clean unmount, mount reads only the top section', () => {
    const img = join(tmp, 'big.img');
    const dev = PmemDevice.create({ size: 64 * MiB, file: img, durability: 'close', overwrite: true });
    mkfs(dev);
    let fs = mount(dev);
    populate(fs, 40, 500);
    fs.unmount();
    dev.close();

    const again = PmemDevice.open(img, { durability: 'close' });
    try {
      fs = mount(again);
      const image = fs.core.store.image!;
      expect(image.top.count).toBe(40 * 501 + 7);
      expect(image.payloadBytes).toBeGreaterThan(4 * MiB);
      // Only the root's group was read (mount checks the root directory)...
      expect(meta(fs).groupsLoaded).toBe(1);
      expect(meta(fs).inodes.size).toBe(1);
      expect(meta(fs).unloadedCount).toBe(image.top.count - 1);
      // ... and the device loaded the superblock and log regions and the top section's, not the
      // payload (1 MiB regions: the top section's is shared with the first groups).
      expect(image.top.topBytes).toBeLessThan(MiB / 2);
      expect(again.loadedBytes).toBeLessThanOrEqual(3 * MiB); // region 0, the top's (or two)
      expect(again.loadedBytes).toBeLessThan(image.payloadBytes * 0.7);
      expect(fs.readFileSync('/d0/sub/deep/leaf')).toEqual(Buffer.from(pattern(3000, 9)));
      fs.unmount();
    } finally {
      again.close();
    }
  });

  it('a top section of over 1 MiB is used in place (the device\'s cache), across checkpoints', () => {
    const dev = PmemDevice.create({ size: 64 * MiB });
    mkfs(dev);
    let fs = mount(dev);
    for (let d = 0; d < 70; d++) {
      fs.mkdirSync(`/d${d}`);
      for (let f = 0; f < 1000; f++) fs.writeFileSync(`/d${d}/${f}`, '');
    }
    fs.writeFileSync('/d3/7', 'seven');
    fs.unmount();
    fs = mount(dev);
    const top = fs.core.store.image!.top;
    expect(top.topBytes).toBeGreaterThan(MiB);
    // The device's cache itself, not a copy (a boolean: a failing toBe would print 64 MiB).
    expect(top.index.buffer === dev.peek(0, 8).buffer).toBe(true);
    expect(top.index.buffer instanceof SharedArrayBuffer).toBe(false); // peeked: the memory stays private
    expect(meta(fs).groupsLoaded).toBe(1);
    expect(fs.readFileSync('/d3/7', 'utf8')).toBe('seven');
    fs.unlinkSync('/d69/999');
    fs.writeFileSync('/d0/new', 'n');
    expect(fs.core.checkpoint()).toBe(true); // copies the unloaded groups, then drops the view
    fs.writeFileSync('/d1/x', 'x');
    fs.unmount();
    fs = mount(dev);
    expect(fs.statfsSync('/').files - fs.statfsSync('/').ffree).toBe(1 + 70 * 1001 + 1);
    expect(fs.readFileSync('/d0/new', 'utf8')).toBe('n');
    expect(code(() => fs.statSync('/d69/999'))).toBe('ENOENT');
    expect((fs.readdirSync('/d69') as string[]).length).toBe(999);
    fs.unmount();
    expect(fsck(dev)).toMatchObject({ ok: true, findings: [] });
  });

  it('a lookup loads just the groups on its path', () => {
    const dev = memFs();
    const fs = mount(dev);
    expect(meta(fs).groupsLoaded).toBe(1);
    fs.statSync(`/d2/${name(7)}`);
    expect(meta(fs).groupsLoaded).toBe(3); // root, /d2, the file
    expect([...meta(fs).inodes.keys()].length).toBe(3);
    fs.statSync('/d0/sub/deep/leaf');
    expect(meta(fs).groupsLoaded).toBe(7);
    // Listing names needs the directory only; their types need the children.
    expect((fs.readdirSync('/d3') as string[]).length).toBe(40);
    expect(meta(fs).groupsLoaded).toBe(8);
    fs.readdirSync('/d3', { withFileTypes: true });
    expect(meta(fs).groupsLoaded).toBe(48);
    fs.unmount();
  });

  it('log replay after a crash on top of a lazy image touches unloaded inodes correctly', () => {
    const dev = memFs();
    const fs = mount(dev);
    expect(meta(fs).groupsLoaded).toBe(1);
    // Every operation below names inodes that are still only in the image.
    fs.writeFileSync(`/d1/new`, pattern(9000, 3));
    fs.unlinkSync(`/d1/${name(3)}`);
    fs.unlinkSync(`/d2/${name(0)}`); // has data: its blocks are freed by replay too
    fs.renameSync(`/d1/${name(4)}`, `/d3/${name(5)}`); // over an existing, unloaded file
    fs.renameSync('/d0/sub', '/d2/moved'); // a directory: its parent changes
    const fd = fs.openSync(`/d3/${name(30)}`, 'r+');
    fs.writeSync(fd, pattern(5000, 4), 0, 5000, 2000);
    fs.closeSync(fd);
    fs.truncateSync(`/d2/${name(20)}`, 100);
    fs.setxattrSync(`/d0/${name(9)}`, 'user.x', 'y');
    fs.copyFileSync('/data', `/d0/${name(11)}`, COPYFILE_FICLONE_FORCE);
    fs.linkSync(`/d3/${name(6)}`, '/hard');
    fs.unlinkSync('/d2/moved/deep/leaf');
    fs.rmdirSync('/d2/moved/deep');
    const want = treeOf(dev);
    const loadedBefore = meta(fs).inodes.size;
    expect(loadedBefore).toBeLessThan(meta(fs).inodeCount);

    const crashed = dev.crash({ kind: 'strict' });
    const back = mount(crashed);
    expect(meta(back).unloadedCount).toBeGreaterThan(0); // replay loaded only what it touched
    expect(snapshot(back)).toEqual(want);
    expect(want[`/d1/new`]).toMatch(/^file size=9000/);
    expect(want[`/d1/${name(3)}`]).toBeUndefined();
    expect(want['/d2/moved']).toMatch(/^dir/);
    back.unmount();
    expect(fsck(crashed)).toMatchObject({ ok: true, findings: [] });
    fs.unmount();
    expect(fsck(dev)).toMatchObject({ ok: true, findings: [] });
  });

  it('a freed inode is never resurrected from the image', () => {
    const dev = memFs();
    let fs = mount(dev);
    const victim = fs.statSync(`/d1/${name(8)}`)!.ino;
    const other = fs.statSync(`/d1/${name(9)}`)!.ino;
    const count = meta(fs).inodeCount;
    // Unlinking an unloaded file loads it, frees it, and marks its index entry gone.
    fs.unlinkSync(`/d1/${name(8)}`);
    expect(meta(fs).get(victim)).toBeUndefined();
    expect(meta(fs).inodeCount).toBe(count - 1);
    fs.unlinkSync(`/d1/${name(9)}`);
    // The numbers may be reused; what is made there is new.
    fs.writeFileSync('/reuse1', 'a');
    fs.writeFileSync('/reuse2', 'bb');
    const reused = [fs.statSync('/reuse1')!.ino, fs.statSync('/reuse2')!.ino];
    expect(reused.sort()).toEqual([victim, other].sort());
    fs.unlinkSync('/reuse1');
    expect(meta(fs).get(fs.statSync('/reuse2')!.ino)?.attrs.size).toBe(2);
    const gone = reused.find((i) => i !== fs.statSync('/reuse2')!.ino)!;
    expect(meta(fs).get(gone)).toBeUndefined();
    meta(fs).loadAll();
    expect(meta(fs).get(gone)).toBeUndefined();
    expect(meta(fs).inodeCount).toBe(count - 1);

    // The same after a crash (replay of the IFREEs on top of the lazy image) and a checkpoint.
    const crashed = mount(dev.crash({ kind: 'strict' }));
    expect(meta(crashed).get(gone)).toBeUndefined();
    expect(code(() => crashed.statSync(`/d1/${name(8)}`))).toBe('ENOENT');
    expect(meta(crashed).inodeCount).toBe(count - 1);
    fs.unmount();
    fs = mount(dev);
    expect(meta(fs).get(gone)).toBeUndefined();
    expect(meta(fs).inodeCount).toBe(count - 1);
    fs.unmount();
  });

  it('an orphan in the image is reclaimed at mount without loading anything else', () => {
    const dev = memFs();
    const fs = mount(dev);
    const fd = fs.openSync(`/d2/${name(20)}`, 'r');
    const ino = fs.fstatSync(fd).ino;
    fs.unlinkSync(`/d2/${name(20)}`);
    expect(fs.core.checkpoint()).toBe(true); // the image's orphan list names it
    expect(fs.core.store.image!.top.orphans).toEqual(new Uint32Array([ino]));
    const back = mount(dev.crash({ kind: 'strict' }));
    expect(meta(back).orphans.size).toBe(0);
    expect(meta(back).get(ino)).toBeUndefined();
    expect(meta(back).groupsLoaded).toBe(2); // the orphan (to free its blocks) and the root
    back.unmount();
    fs.closeSync(fd);
    fs.unmount();
    expect(fsck(dev).ok).toBe(true);
  });

  it('a checkpoint after partial loading copies unloaded groups verbatim and remounts identically', () => {
    const dev = memFs();
    const fs = mount(dev);
    fs.writeFileSync(`/d1/${name(1)}`, pattern(7000, 5));
    fs.mkdirSync('/d3/newdir');
    fs.unlinkSync(`/d0/${name(2)}`);
    const untouched = fs.core.store.image!;
    const probe = untouched.top.count - 3; // /d0/sub: nothing above touched it
    const probeIno = untouched.top.ino(probe);
    expect(meta(fs).inodes.has(probeIno)).toBe(false);
    const before = untouched.read(untouched.top.groupOffset(probe), untouched.top.groupBytes(probe));
    const want = treeOf(dev);
    const loaded = meta(fs).groupsLoaded;

    expect(fs.core.checkpoint()).toBe(true);
    expect(meta(fs).groupsLoaded).toBe(loaded); // nothing was loaded to write it
    const image = fs.core.store.image!;
    expect(image).not.toBe(untouched);
    expect(meta(fs).unloadedCount).toBeGreaterThan(100);
    const at = image.top.indexOf(probeIno);
    expect(image.read(image.top.groupOffset(at), image.top.groupBytes(at))).toEqual(before);
    // Still served from the new image after the old one's blocks were released.
    expect(snapshot(fs)).toEqual(want);
    fs.writeFileSync('/after', 'x');
    fs.unmount();

    const back = mount(dev);
    expect(meta(back).groupsLoaded).toBe(1);
    expect(snapshot(back)).toEqual({ ...want, '/after': expect.stringMatching(/^file size=1 /) as unknown as string });
    back.unmount();
    expect(fsck(dev)).toMatchObject({ ok: true, findings: [] });
  });

  it('a flipped bit in one group: EFSBADCRC where it is touched, and fsck reports it', () => {
    const base = memFs();
    let fs = mount(base);
    const ino = fs.statSync(`/d2/${name(11)}`)!.ino;
    const image = fs.core.store.image!;
    const i = image.top.indexOf(ino);
    const off = image.deviceOffset(image.top.groupOffset(i) + GROUP.header + 20);
    const bytes = image.read(image.top.groupOffset(i), image.top.groupBytes(i));
    const devOff = image.deviceOffset(image.top.groupOffset(i));
    fs.unmount();

    const dev = base.crash({ kind: 'strict' });
    const b = dev.read(off, 1);
    b[0]! ^= 0x10;
    dev.loadDurable(off, b);
    fs = mount(dev);
    expect(code(() => fs.statSync(`/d2/${name(12)}`))).toBe('ok');
    expect(code(() => fs.statSync(`/d2/${name(11)}`))).toBe('EFSBADCRC');
    expect(code(() => fs.unlinkSync(`/d2/${name(11)}`))).toBe('EFSBADCRC'); // every time
    expect(code(() => fs.readdirSync('/d2', { withFileTypes: true }))).toBe('EFSBADCRC');
    // The error is the call's, as node:fs would name it, with the loader's detail kept.
    expect(thrown(() => fs.statSync(`/d2/${name(11)}`))).toMatchObject({ syscall: 'stat', path: `/d2/${name(11)}`, message: expect.stringMatching(/^EFSBADCRC: .*, stat '.*' \(.*checksum.*\)$/) });
    expect(thrown(() => fs.unlinkSync(`/d2/${name(11)}`))).toMatchObject({ syscall: 'unlink', path: `/d2/${name(11)}` });
    expect(thrown(() => fs.readdirSync('/d2', { withFileTypes: true }))).toMatchObject({ syscall: 'scandir', path: '/d2' });
    fs.unmount();
    const r = fsck(dev);
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([expect.objectContaining({ kind: 'image', code: 'EFSBADCRC', ino })]);

    // Well checksummed but not that inode's group: EFSCORRUPTED.
    const wrong = base.crash({ kind: 'strict' });
    const g = bytes.slice();
    sealGroup(g, 0, g.length, ino + 1, ino + 1);
    wrong.loadDurable(devOff, g);
    fs = mount(wrong);
    expect(code(() => fs.statSync(`/d2/${name(11)}`))).toBe('EFSCORRUPTED');
    fs.unmount();
    expect(fsck(wrong).findings).toEqual([expect.objectContaining({ kind: 'image', code: 'EFSCORRUPTED', ino })]);

    // A directory group whose entry names an inode that does not exist: EFSCORRUPTED on load.
    const dangling = base.crash({ kind: 'strict' });
    fs = mount(dangling, { checkpointOnUnmount: false });
    const dir = fs.core.store.image!;
    const d3 = fs.statSync('/d3')!.ino;
    const j = dir.top.indexOf(d3);
    const raw = dir.read(dir.top.groupOffset(j), dir.top.groupBytes(j));
    const decoded = decodeGroup(raw, d3);
    if (!decoded.ok) throw new Error(decoded.why);
    const items = decoded.value.items.map((it) => (it.t === 'link' && it.name === name(5) ? { ...it, ino: 999_999 } : it));
    let pos: number = GROUP.header;
    for (const it of items) pos = encodeItem(new DataView(raw.buffer), raw, pos, it);
    sealGroup(raw, 0, raw.length, d3, decoded.value.parent);
    const at = dir.deviceOffset(dir.top.groupOffset(j));
    fs.unmount();
    dangling.loadDurable(at, raw);
    fs = mount(dangling);
    expect(code(() => fs.statSync(`/d3/${name(6)}`))).toBe('EFSCORRUPTED');
    fs.unmount();
  });

  it('statfs counts every inode without loading any', () => {
    const dev = memFs();
    const fs = mount(dev);
    const total = 1 + 4 * 41 + 3 + 3; // root; 4 dirs of 40 files; data, clone, link; sub, deep, leaf
    const s = fs.statfsSync('/');
    expect(meta(fs).groupsLoaded).toBe(1);
    const files = 2 ** 32 - 1 - s.ffree;
    expect(files).toBe(meta(fs).inodeCount);
    meta(fs).loadAll();
    expect(meta(fs).inodes.size).toBe(files);
    expect(files).toBe(total);
    fs.unlinkSync(`/d0/${name(1)}`);
    fs.writeFileSync('/n1', '');
    fs.writeFileSync('/n2', '');
    expect(2 ** 32 - 1 - fs.statfsSync('/').ffree).toBe(files + 1);
    fs.unmount();
  });

  it('fsck catches a space map that disagrees with the extents', () => {
    const base = memFs();
    /** Rewrites the current image's top section (and the slot's checksum of it). */
    const withTop = (mutate: (v: DataView, runAt: number) => void): PmemDevice => {
      const dev = base.crash({ kind: 'strict' });
      const fs = mount(dev, { checkpointOnUnmount: false });
      const image = fs.core.store.image!;
      const topAt = image.deviceOffset(0);
      const top = image.read(0, image.top.topBytes);
      fs.unmount();
      const v = new DataView(top.buffer);
      // The space map is the third section; mutate its first run of two blocks or more.
      let run = v.getUint32(TOP.table + 2 * 16 + 8, true);
      while (v.getUint32(run + 8, true) < 2) run += 16;
      mutate(v, run);
      dev.loadDurable(topAt, top);
      const word = decodeCommitWord(dev.read(SB.commitWord, 8));
      const slot = decodeSlot(dev.read(slotOffset(word.generation), SLOT.bytes));
      if (!slot.ok) throw new Error('slot');
      dev.loadDurable(slotOffset(word.generation), encodeSlot({ ...slot.value, payloadCrc: crc32c(top) }));
      return dev;
    };
    expect(fsck(withTop(() => {})).ok).toBe(true);
    const refcount = fsck(withTop((v, at) => v.setUint32(at + 12, 2, true)));
    expect(refcount.findings.some((f) => f.kind === 'refcount')).toBe(true);
    const shorter = fsck(withTop((v, at) => v.setUint32(at + 8, v.getUint32(at + 8, true) - 1, true)));
    expect(shorter.findings.some((f) => f.kind === 'double-free')).toBe(true);
  });
});
