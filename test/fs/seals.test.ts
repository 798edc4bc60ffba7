/**
 * Seals (issue 4): every map-changing operation x {whole-file, range inside, range outside}
 * x {fail, lease released in time, lease revoked}, asserting the errno or the outcome, and
 * that no pin, mapping or quarantined block leaks after unmap.
 */
import { describe, expect, it } from 'vitest';
import {
  COPYFILE_FICLONE_FORCE, FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_ZERO_RANGE, fsck, type Filesystem,
} from '../../src/index.js';
import { Model, captureTree, diffTrees, parseWorkload, type FsLike } from '../../src/crash/index.js';
import { WorkloadRunner } from '../../src/crash/runner.js';
import { freshFs, pattern } from './helpers.js';

const K = 4096;
const SIZE = 64 * K;

// Each op touches the sealed range [16K, 32K) ("inside") or only [48K, 64K+) ("outside").
const OPS: Array<{ name: string; inside: (fs: Filesystem, fd: number) => void; outside: (fs: Filesystem, fd: number) => void; sizeChange: boolean }> = [
  { name: 'truncate', inside: (fs, fd) => fs.ftruncateSync(fd, 20 * K), outside: (fs, fd) => fs.ftruncateSync(fd, 56 * K), sizeChange: true },
  { name: 'write past EOF', inside: (fs, fd) => fs.writeSync(fd, pattern(K, 1), 0, K, SIZE), outside: (fs, fd) => fs.writeSync(fd, pattern(K, 1), 0, K, SIZE), sizeChange: true },
  { name: 'punch', inside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 16 * K, K), outside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 48 * K, K), sizeChange: false },
  { name: 'zero', inside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_ZERO_RANGE, 20 * K, K), outside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_ZERO_RANGE, 48 * K, K), sizeChange: false },
  { name: 'allocate', inside: (fs, fd) => fs.fallocateSync(fd, 0, 16 * K, K), outside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_KEEP_SIZE, 48 * K, K), sizeChange: false },
  { name: 'collapse', inside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_COLLAPSE_RANGE, 8 * K, K), outside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_COLLAPSE_RANGE, 48 * K, K), sizeChange: true },
  { name: 'insert', inside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_INSERT_RANGE, 8 * K, K), outside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_INSERT_RANGE, 48 * K, K), sizeChange: true },
  { name: 'unshare', inside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE, 16 * K, K), outside: (fs, fd) => fs.fallocateSync(fd, FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE, 48 * K, K), sizeChange: false },
  { name: 'clone into', inside: (fs, fd) => shareFrom(fs, fd, 16 * K, 'clone'), outside: (fs, fd) => shareFrom(fs, fd, 48 * K, 'clone'), sizeChange: false },
  { name: 'dedupe into', inside: (fs, fd) => shareFrom(fs, fd, 16 * K, 'dedupe'), outside: (fs, fd) => shareFrom(fs, fd, 48 * K, 'dedupe'), sizeChange: false },
  { name: 'reflink from', inside: (fs) => fs.copyFileSync('/d', '/copy', COPYFILE_FICLONE_FORCE), outside: (fs) => fs.copyFileSync('/d', '/copy', COPYFILE_FICLONE_FORCE), sizeChange: false },
];

/** Clone or dedupe K bytes of /other into fd at `at`. */
function shareFrom(fs: Filesystem, fd: number, at: number, how: 'clone' | 'dedupe'): void {
  const s = fs.openSync('/other', 'r');
  try {
    if (how === 'clone') fs.cloneRangeSync(s, 0, fd, at, K);
    else fs.dedupeRangeSync(s, 0, fd, at, K);
  } finally {
    fs.closeSync(s);
  }
}

type Scope = 'whole' | 'range-inside' | 'range-outside';
type Mode = 'fail' | 'lease-released' | 'lease-revoked';

function setup(_mode: Mode) {
  const { dev, fs } = freshFs(16 << 20);
  fs.leaseBreakTime = 30;
  fs.writeFileSync('/d', pattern(SIZE, 3));
  fs.writeFileSync('/other', pattern(K, 3)); // the source of clone and dedupe
  return { dev, fs };
}

describe('seal conflicts', () => {
  for (const op of OPS) {
    for (const scope of ['whole', 'range-inside', 'range-outside'] as Scope[]) {
      for (const mode of ['fail', 'lease-released', 'lease-revoked'] as Mode[]) {
        it(`${op.name} x ${scope} x ${mode}`, () => {
          const { dev, fs } = setup(mode);
          const fd = fs.openSync('/d', 'r+');
          const seal = scope === 'whole' ? {} : { offset: 16 * K, length: 16 * K };
          let breaks = 0;
          fs.sealSync(fd, {
            mode: mode === 'fail' ? 'fail' : 'lease', ...seal,
            onBreak: () => {
              breaks++;
              if (mode === 'lease-released') fs.unsealSync(fd);
            },
          });
          const before = fs.fiemapSync('/d').filter((e) => e.flags.includes('sealed')).map((e) => e.physical);
          // A whole-file reflink reads every block, so it touches any range seal.
          const conflict = scope === 'whole' || (scope === 'range-inside' && op.name !== 'write past EOF') || op.name === 'reflink from';
          const act = scope === 'range-outside' ? op.outside : op.inside;
          if (conflict && mode === 'fail') {
            expect(() => act(fs, fd)).toThrow(expect.objectContaining({ code: 'ETXTBSY' }));
            expect(fs.fiemapSync('/d').filter((e) => e.flags.includes('sealed')).map((e) => e.physical)).toEqual(before);
          } else {
            act(fs, fd);
            if (conflict && mode !== 'fail') expect(breaks).toBe(1);
            if (!conflict) expect(breaks).toBe(0);
            if (conflict && mode === 'lease-revoked') expect(fs.sealsSync()[0]?.revoked).toBe(true);
          }
          if (fs.sealsSync().length > 0) fs.unsealSync(fd);
          fs.closeSync(fd);
          expect(fs.liveSeals).toBe(0);
          expect(fs.statfsSync().quarantinedBlocks).toBe(0);
          fs.unmount();
          expect(fsck(dev).findings).toEqual([]);
        });
      }
    }
  }
});

describe('who may seal', () => {
  it('a read-only descriptor is EACCES; a directory is EINVAL; a private mapping EINVAL', () => {
    const { fs } = freshFs();
    fs.writeFileSync('/f', pattern(8192, 1));
    fs.mkdirSync('/dir');
    const ro = fs.openSync('/f', 'r');
    expect(() => fs.sealSync(ro, { mode: 'fail' })).toThrow(expect.objectContaining({ code: 'EACCES' }));
    expect(() => fs.mmapSync(ro, 0, 4096, { direct: true })).toThrow(expect.objectContaining({ code: 'EACCES' }));
    const d = fs.openSync('/dir', 'r');
    expect(() => fs.sealSync(d, { mode: 'fail' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const rw = fs.openSync('/f', 'r+');
    expect(() => fs.mmapSync(rw, 0, 4096, { direct: true, shared: false })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => fs.sealSync(rw, { mode: 'x' as 'fail' })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    [ro, d, rw].forEach((x) => fs.closeSync(x));
  });
});

describe('DAX mappings', () => {
  it('MAP_SYNC: holes allocated and zeroed, data persisted through the view survives a crash', () => {
    const { dev, fs } = freshFs();
    const fd = fs.openSync('/m', 'w+');
    fs.ftruncateSync(fd, 64 * K);
    const m = fs.mmapSync(fd, 0, 64 * K, { sync: true, direct: true });
    expect(m.view).toBeDefined(); // direct: one piece
    expect(fs.fiemapSync('/m').every((e) => !e.flags.includes('hole') && !e.flags.includes('unwritten'))).toBe(true);
    m.view!.set(pattern(K, 21), 0);
    m.persist(0, K);
    m.view!.set(pattern(K, 22), 60 * K); // not persisted
    const crashed = dev.crash({ kind: 'strict' });
    const fs2 = (freshMount(crashed));
    const data = fs2.readFileSync('/m') as Buffer;
    expect(data.subarray(0, K)).toEqual(Buffer.from(pattern(K, 21)));
    expect(data.subarray(60 * K, 64 * K).every((b) => b === 0)).toBe(true);
    m.unmap();
    fs.closeSync(fd);
    expect(fs.liveSeals).toBe(0);
  });

  it('writes into a sealed range go in place; the physical blocks never change', () => {
    const { fs } = freshFs();
    fs.writeFileSync('/s', pattern(32 * K, 1));
    const fd = fs.openSync('/s', 'r+');
    const m = fs.mmapSync(fd, 0, 32 * K, { direct: true });
    const phys = fs.fiemapSync('/s').map((e) => e.physical);
    for (let i = 0; i < 50; i++) fs.writeSync(fd, pattern(K, i), 0, K, (i % 32) * K);
    fs.cleanSync();
    expect(fs.fiemapSync('/s').map((e) => e.physical)).toEqual(phys);
    expect(Buffer.from(m.view!.subarray(0, K))).toEqual(Buffer.from(pattern(K, 32)));
    m.unmap();
    fs.closeSync(fd);
  });

  it('unlinking a sealed file keeps the inode until the seal goes; recovery reclaims orphans', () => {
    const { dev, fs } = freshFs();
    fs.writeFileSync('/o', pattern(16 * K, 2));
    const free0 = fs.statfsSync().bfree;
    const fd = fs.openSync('/o', 'r+');
    const m = fs.mmapSync(fd, 0, 16 * K, { direct: true });
    fs.closeSync(fd); // the mapping still holds the inode
    fs.unlinkSync('/o');
    expect(fs.existsSync('/o')).toBe(false);
    expect(m.view![0]).toBe(pattern(1, 2)[0]);
    const crashed = dev.crash({ kind: 'strict' });
    expect(fsck(crashed).stats.orphans).toBe(1);
    const fs2 = freshMount(crashed);
    expect(fsck(fs2.device).stats.orphans).toBe(0);
    m.unmap();
    expect(fs.statfsSync().bfree).toBeGreaterThanOrEqual(free0);
  });

  it('a revoked lease quarantines its blocks until the holder unmaps', () => {
    const { fs } = freshFs();
    fs.leaseBreakTime = 20;
    fs.writeFileSync('/q', pattern(16 * K, 4));
    const fd = fs.openSync('/q', 'r+');
    const events: string[] = [];
    fs.events.on('lease-break', () => events.push('break'));
    fs.events.on('lease-revoked', () => events.push('revoked'));
    const m = fs.mmapSync(fd, 0, 16 * K, { direct: true, seal: { mode: 'lease' } });
    fs.ftruncateSync(fd, 0);
    expect(events).toEqual(['break', 'revoked']);
    expect(m.revoked).toBe(true);
    expect(fs.statfsSync().quarantinedBlocks).toBe(16); // the file's 16 blocks
    m.view!.fill(7); // a stray store lands in quarantined blocks, harming nobody
    fs.writeFileSync('/new', pattern(64 * K, 5));
    expect((fs.readFileSync('/new') as Buffer).equals(Buffer.from(pattern(64 * K, 5)))).toBe(true);
    m.unmap();
    expect(fs.statfsSync().quarantinedBlocks).toBe(0);
    fs.closeSync(fd);
  });
});

describe('stores through a revoked view', () => {
  /** A file of 16 blocks of pattern 1, a plain mapping of all of it, and a raw store helper. */
  function mapped() {
    const { dev, fs } = freshFs();
    fs.leaseBreakTime = 0;
    fs.writeFileSync('/v', pattern(16 * K, 1));
    const fd = fs.openSync('/v', 'r+');
    const m = fs.mmapSync(fd, 0, 16 * K);
    const store = (off: number, byte: number) => {
      const seg = m.segments.find((x) => x.fileOffset <= off && off < x.fileOffset + x.view.length)!;
      seg.view[off - seg.fileOffset] = byte;
    };
    const at = (off: number) => (fs.readFileSync('/v') as Buffer)[off];
    return { dev, fs, fd, m, store, at };
  }

  it('reach the file only in blocks another live seal held at the revocation, and only while it holds them', () => {
    const { dev, fs, fd, m, store, at } = mapped();
    const sfd = fs.openSync('/v', 'r+');
    fs.sealSync(sfd, { mode: 'fail', offset: 7 * K, length: K - 15 }); // holds block 7
    fs.fallocateSync(fd, FALLOC_FL_KEEP_SIZE, K, K); // revokes the mapping, not the seal
    expect(m.revoked).toBe(true);
    store(7 * K + 100, 0xee); // block 7: the file kept it for the seal
    store(3 * K, 0xee); // block 3: the file moved to a copy
    expect(at(7 * K + 100)).toBe(0xee);
    expect(at(3 * K)).toBe(pattern(16 * K, 1)[3 * K]);
    fs.closeSync(sfd); // the seal goes: the file moves off block 7 as well
    store(7 * K + 200, 0xdd);
    expect(at(7 * K + 200)).toBe(pattern(16 * K, 1)[7 * K + 200]);
    expect(at(7 * K + 100)).toBe(0xee); // the copy took what the block held
    m.unmap();
    fs.closeSync(fd);
    expect(fs.statfsSync().quarantinedBlocks).toBe(0);
    fs.unmount();
    expect(fsck(dev).findings).toEqual([]);
  });

  it('sealing a file whose mapped extent is partly shared moves only the shared block (fsx seed 1380)', () => {
    // The mapping holds blocks 0-1; block 2, in the same extent, is cloned into /g. Sealing the
    // whole file unshares block 2. It used to copy the whole extent, moving block 1 out from
    // under the live mapping: its view then stored into a freed block, which /g got next.
    const { dev, fs } = freshFs();
    fs.writeFileSync('/v', pattern(3 * K, 1));
    fs.writeFileSync('/g', pattern(K, 2));
    const fd = fs.openSync('/v', 'r+');
    const m = fs.mmapSync(fd, 0, 2 * K, { sync: true });
    const g = fs.openSync('/g', 'r+');
    fs.cloneRangeSync(fd, 2 * K, g, 0, K);
    const before = fs.fiemapSync('/v').map((e) => [e.logical, e.physical, e.length]);
    expect(before[0]![2]).toBe(3 * K); // one extent: blocks 0-2
    const sfd = fs.openSync('/v', 'r+');
    fs.sealSync(sfd, { mode: 'fail' });
    const after = fs.fiemapSync('/v');
    expect(after[0]).toMatchObject({ logical: 0, physical: before[0]![1], length: 2 * K }); // blocks 0-1 stayed
    expect(m.revoked).toBe(false);
    m.segments[0]!.view[K + 5] = 0xee; // block 1, through the view
    m.persist();
    expect((fs.readFileSync('/v') as Buffer)[K + 5]).toBe(0xee);
    expect(fs.readFileSync('/g')).toEqual(Buffer.from(pattern(3 * K, 1).subarray(2 * K)));
    fs.closeSync(sfd);
    m.unmap();
    fs.closeSync(fd);
    fs.closeSync(g);
    fs.unmount();
    expect(fsck(dev).findings).toEqual([]);
  });

  it('a seal placed after the revocation pins the new blocks, not the view\'s', () => {
    const { fs, fd, m, store, at } = mapped();
    fs.ftruncateSync(fd, 12 * K); // revokes the mapping
    const sfd = fs.openSync('/v', 'r+');
    fs.sealSync(sfd, { mode: 'fail' });
    store(2 * K, 0xee);
    expect(at(2 * K)).toBe(pattern(16 * K, 1)[2 * K]);
    fs.closeSync(sfd);
    m.unmap();
    fs.closeSync(fd);
  });

  it('a refused change breaks no lease and revokes no mapping', () => {
    const { fs, fd, m, store, at } = mapped();
    const lfd = fs.openSync('/v', 'r+');
    fs.sealSync(lfd, { mode: 'lease' });
    const ffd = fs.openSync('/v', 'r+');
    fs.sealSync(ffd, { mode: 'fail', offset: 12 * K, length: K });
    expect(() => fs.ftruncateSync(fd, 8 * K)).toThrow(expect.objectContaining({ code: 'ETXTBSY' }));
    expect(m.revoked).toBe(false);
    expect(fs.sealsSync().map((x) => x.revoked)).toEqual([false, false]);
    store(K, 0xee);
    expect(at(K)).toBe(0xee);
    [lfd, ffd].forEach((x) => fs.closeSync(x));
    m.unmap();
    fs.closeSync(fd);
  });

  // Reduced from fsx seeds (FSX_DAX): the model and the filesystem, op by op.
  const REDUCED: Array<[string, string]> = [
    ['seed 1002: a seal placed after the revocation', 'creat /f\nwrite /f 32534 8k 860\nmmap /f 0 37685\ntruncate /f 18134\nwrite /f 44k 12k 895\nseal /f fail\nmwrite /f 16157 20465 486\nmsync /f 20396 14009'],
    ['seed 1006: fallocate revokes, then a whole-file seal', 'creat /f\nwrite /f 52k 16k 1311\nmmap /f 0 51614 sync\nfalloc /f 38348 4k\nseal /f fail\nmwrite /f 29943 10455 728\nmsync /f 25522 12968'],
    ['seed 1003: the holding seal goes before the store', 'creat /f\ntruncate /f 65276\nseal /f 28k 4081 fail\nmmap /f 0 41451 sync\nfalloc /f 4k 4k keep\nunseal /f\nmwrite /f 32386 5970 509\nmsync /f 0 41451'],
    ['the holding seal still there at the store', 'creat /f\ntruncate /f 65276\nseal /f 28k 4081 fail\nmmap /f 0 41451 sync\nfalloc /f 4k 4k keep\nmwrite /f 26000 10000 509\nmsync /f 0 41451\nunseal /f\nmwrite /f 26000 10000 77\nmsync /f 0 41451'],
    ['a refused clone breaks no lease on its source', 'creat /a\nwrite /a 0 16k 1\ncreat /b\nwrite /b 0 16k 2\nmmap /a 0 16k\nseal /a 0 4k lease\nseal /b fail\npunch /a 4k 4k\nclone /a 0 /b 0 4k => ETXTBSY\nmwrite /a 0 100 5\nmsync /a 0 100'],
    ['a refused fallocate that grows the file breaks no lease', 'creat /a\nwrite /a 0 16k 1\nmmap /a 0 16k\nseal /a 0 4k lease\npunch /a 4k 4k\nlink /a /a2\nseal /a2 0 28k lease\nunseal /a\nlink /a /a3\nseal /a3 16k 4k fail\nfalloc /a 20k 8k => ETXTBSY\nmwrite /a 0 100 5\nmsync /a 0 100'],
    ['a refused reflink breaks no lease on its source', 'creat /a\nwrite /a 0 16k 1\ncreat /b\nwrite /b 0 16k 2\nmmap /a 0 16k\nseal /a 0 4k lease\nseal /b fail\npunch /a 4k 4k\nreflink /a /b => ETXTBSY\nmwrite /a 0 100 5\nmsync /a 0 100'],
    ['seed 1029: a seal name still held, the path now a directory', 'mkdir /d\ncreat /f\nseal /f fail\nsymlink /d /l\nrename /l /f\nseal /f 24k 16k fail => EBUSY'],
  ];
  for (const [name, text] of REDUCED) {
    it(name, () => {
      const { dev, fs } = freshFs();
      fs.leaseBreakTime = 0;
      const model = new Model();
      const runner = new WorkloadRunner(fs);
      parseWorkload(text, name).ops.forEach((op, i) => {
        const want = model.apply(op);
        const got = runner.run(op, i + 1);
        expect(got.ok ? 'ok' : got.code, `line ${op.line}`).toBe(op.expect ?? 'ok');
        expect(want.ok ? 'ok' : want.code, `line ${op.line}`).toBe(op.expect ?? 'ok');
        expect(diffTrees(model.tree(), captureTree(fs as unknown as FsLike), { uncertain: model.uncertain() }), `line ${op.line}`).toEqual([]);
      });
      runner.releaseAll();
      fs.unmount();
      expect(fsck(dev).findings).toEqual([]);
    });
  }
});

import { mount, type PmemDevice } from '../../src/index.js';
function freshMount(dev: PmemDevice): Filesystem {
  return mount(dev);
}
