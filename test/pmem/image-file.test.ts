/**
 * The image file is the durable media: what a fence made durable is in the file when the
 * process dies (SIGKILL), and nothing else; durability modes; reopening; errors; the lock;
 * sparse 4 GiB images opened without reading them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PmemDevice, isFsError } from '../../src/index.js';
import { DIST_URL, requireFreshDist } from '../helpers/dist.js';

const KiB = 1024;
const MiB = 1 << 20;
const GiB = 1 << 30;
const CHILD = fileURLToPath(new URL('./fixtures/image-child.mjs', import.meta.url));
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);
/** The bytes at [offset, offset+length) of a file, read directly (not through the device). */
function fileBytes(file: string, offset: number, length: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const out = new Uint8Array(length);
    readSync(fd, out, 0, length, offset);
    return out;
  } finally {
    closeSync(fd);
  }
}

let dir = '';
let children: ChildProcess[] = [];
let n = 0;
const fresh = (name = 'img') => join(dir, `${name}-${n++}.pmem`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pmem-image-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children = [];
});

/** Spawns the fixture; resolves once it printed "ready" (rejects on exit or after 10 s). */
function child(mode: 'fence-then-wait' | 'hold', image: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, [CHILD, DIST_URL, image, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  let err = '';
  c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready after 10 s: ${err}`)), 10_000);
    c.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    c.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code ?? signal}) before ready: ${err}`));
    });
  });
}

/** SIGKILL, then wait until the child is reaped (a zombie would still look alive). */
function kill9(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

describe('power failure = SIGKILL', () => {
  beforeAll(() => requireFreshDist());

  it('a child killed after a fence leaves exactly the fenced bytes in the image', async () => {
    const image = fresh();
    const c = await child('fence-then-wait', image);
    await kill9(c);
    expect(c.signalCode).toBe('SIGKILL');
    expect(existsSync(`${image}.lock`)).toBe(true); // it never got to drop its lock
    // Straight from the file: durability 'fence' writes only at fences.
    expect(fileBytes(image, 0, 64)).toEqual(bytes(64, 0x11));
    for (const off of [4096, 8192, 12288]) expect(fileBytes(image, off, 64)).toEqual(bytes(64, 0));
    // And through the device: the stale lock of the dead child is taken over.
    const dev = PmemDevice.open(image);
    try {
      expect(dev.read(0, 64)).toEqual(bytes(64, 0x11));
      expect(dev.read(4096, 64)).toEqual(bytes(64, 0)); // stored, never flushed
      expect(dev.read(8192, 64)).toEqual(bytes(64, 0)); // flushed, never fenced
      expect(dev.read(12288, 64)).toEqual(bytes(64, 0)); // nt-stored, never fenced
    } finally {
      dev.close();
    }
  });

  it('an image open in another live process is EBUSY; once that process is killed it can be opened', async () => {
    const image = fresh();
    PmemDevice.create({ size: MiB, file: image }).close();
    const c = await child('hold', image);
    expect(() => PmemDevice.open(image)).toThrow(expect.objectContaining({ code: 'EBUSY', message: expect.stringContaining(`process ${c.pid}`) }));
    expect(() => PmemDevice.create({ size: MiB, file: image, overwrite: true })).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    await kill9(c);
    PmemDevice.open(image).close();
  });
});

describe('durability modes', () => {
  it("'fence': each fence writes its lines to the file, nothing else does", () => {
    const image = fresh();
    const dev = PmemDevice.create({ size: MiB, file: image });
    expect(dev.durability).toBe('fence');
    dev.write(0, bytes(64, 1));
    dev.flush(0, 64);
    expect(fileBytes(image, 0, 64)).toEqual(bytes(64, 0));
    dev.fence();
    expect(fileBytes(image, 0, 64)).toEqual(bytes(64, 1));
    dev.close();
  });

  it("'fence-sync': the fence writes the file too (and fdatasyncs: see durability-sync.test.ts)", () => {
    const image = fresh();
    const dev = PmemDevice.create({ size: MiB, file: image, durability: 'fence-sync' });
    dev.write(64, bytes(8, 2));
    dev.persist(64, 8);
    expect(fileBytes(image, 64, 8)).toEqual(bytes(8, 2));
    dev.close();
  });

  it("'close': the file is written back on close(), not before", () => {
    const image = fresh();
    const dev = PmemDevice.create({ size: 4 * MiB, file: image, durability: 'close' });
    dev.write(3 * MiB, bytes(64, 3));
    dev.persist(3 * MiB, 64);
    dev.write(0, bytes(64, 4)); // never fenced: not media, so not written back either
    expect(fileBytes(image, 3 * MiB, 64)).toEqual(bytes(64, 0));
    dev.close();
    expect(fileBytes(image, 3 * MiB, 64)).toEqual(bytes(64, 3));
    expect(fileBytes(image, 0, 64)).toEqual(bytes(64, 0));
  });

  it('reopening keeps the contents (each durability mode)', () => {
    for (const durability of ['fence', 'fence-sync', 'close'] as const) {
      const image = fresh();
      const dev = PmemDevice.create({ size: MiB, file: image, durability });
      dev.write(100, bytes(28, 5));
      dev.persist(100, 28);
      dev.close();
      const again = PmemDevice.open(image, { durability });
      expect(again.size).toBe(MiB);
      expect(again.read(100, 28)).toEqual(bytes(28, 5));
      again.close();
    }
  });
});

describe('opening errors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(isFsError(e)).toBe(true);
      return (e as { code: string }).code;
    }
    return 'no error';
  };

  it('a missing file is ENOENT, a directory EISDIR', () => {
    expect(code(() => PmemDevice.open(join(dir, 'missing.pmem')))).toBe('ENOENT');
    const d = join(dir, 'a-dir');
    mkdirSync(d);
    expect(code(() => PmemDevice.open(d))).toBe('EISDIR');
  });

  it.each([
    ['a size that is not a multiple of 4096', 64 * KiB + 1],
    ['a tiny file', 4096],
    ['an empty file', 0],
  ])('a foreign file (%s) is EINVAL with a clear message', (_what, size) => {
    const f = fresh('foreign');
    writeFileSync(f, new Uint8Array(size));
    expect(() => PmemDevice.open(f)).toThrow(expect.objectContaining({
      code: 'EINVAL',
      message: expect.stringMatching(/^EINVAL: invalid argument, open '.*' \(not a pmem image: size \d+ is not a whole number of 4 KiB pages of at least 64 KiB\)$/),
    }));
    expect(existsSync(`${f}.lock`)).toBe(false);
  });

  it('an image already open in this process is EBUSY, and free again after close()', () => {
    const image = fresh();
    const dev = PmemDevice.create({ size: MiB, file: image });
    expect(code(() => PmemDevice.open(image))).toBe('EBUSY');
    dev.close();
    PmemDevice.open(image).close();
    expect(existsSync(`${image}.lock`)).toBe(false);
  });

  it('readOnly: never writes the file, takes no lock, readers share, a live writer is EBUSY', () => {
    const image = fresh();
    const w = PmemDevice.create({ size: MiB, file: image });
    w.write(4096, bytes(16, 7));
    w.persist(4096, 16);
    // A writer holds the image: a reader would see its updates half done.
    expect(code(() => PmemDevice.open(image, { readOnly: true }))).toBe('EBUSY');
    w.close();
    const before = readFileSync(image);
    const r1 = PmemDevice.open(image, { readOnly: true });
    const r2 = PmemDevice.open(image, { readOnly: true }); // readers take no lock
    expect(r1.readOnly).toBe(true);
    expect(existsSync(`${image}.lock`)).toBe(false);
    expect(r1.read(4096, 16)).toEqual(bytes(16, 7));
    // Stores and fences work in memory, as on any device...
    r1.write(0, bytes(64, 1));
    r1.persist(0, 64);
    expect(r1.readDurable(0, 64)).toEqual(bytes(64, 1));
    r1.close();
    r2.close();
    // ...and never reach the file, not even at close.
    expect(readFileSync(image).equals(before)).toBe(true);
    // A writer may open it while nothing holds it.
    PmemDevice.open(image).close();
  });

  it('create() on an existing file is EEXIST unless overwrite, which starts from zeros', () => {
    const image = fresh();
    const dev = PmemDevice.create({ size: MiB, file: image });
    dev.write(0, bytes(8, 9));
    dev.persist(0, 8);
    dev.close();
    expect(code(() => PmemDevice.create({ size: MiB, file: image }))).toBe('EEXIST');
    expect(existsSync(`${image}.lock`)).toBe(false); // the failed create dropped its lock
    const again = PmemDevice.create({ size: 2 * MiB, file: image, overwrite: true });
    expect(again.size).toBe(2 * MiB);
    expect(again.read(0, 8)).toEqual(bytes(8, 0));
    again.close();
    expect(statSync(image).size).toBe(2 * MiB);
  });

  it('a lock left by a dead process, or by an earlier process with our pid (pid reuse), is stale', () => {
    const image = fresh();
    PmemDevice.create({ size: MiB, file: image }).close();
    // Our pid with another start time: a previous holder whose pid we were given.
    for (const text of [`${process.pid} 1`, '2147483646 12345', 'not a lock']) {
      writeFileSync(`${image}.lock`, text);
      const dev = PmemDevice.open(image);
      expect(readFileSync(`${image}.lock`, 'utf8')).not.toBe(text);
      dev.close();
    }
  });
});

describe('sparse images and lazy loading', () => {
  it('a 4 GiB image takes almost no disk, and opening it to read one block loads one region', () => {
    const image = fresh('big');
    const dev = PmemDevice.create({ size: 4 * GiB, file: image });
    dev.close();
    const st = statSync(image);
    expect(st.size).toBe(4 * GiB);
    expect(st.blocks * 512).toBeLessThan(MiB);
    const small = fresh('small');
    PmemDevice.create({ size: 64 * MiB, file: small }).close();

    const loadedFor = (file: string, size: number) => {
      const d = PmemDevice.open(file);
      try {
        expect(d.loadedBytes).toBe(0); // opening reads nothing
        d.read(size / 2, 4096);
        return d.loadedBytes;
      } finally {
        d.close();
      }
    };
    expect(loadedFor(image, 4 * GiB)).toBe(MiB); // one 1 MiB region, in the cache only
    expect(loadedFor(small, 64 * MiB)).toBe(MiB); // the same as for a 64 MiB image
  });

  it('a persist into an untouched region of a big image loads only that region (cache and media)', () => {
    const image = fresh('big');
    PmemDevice.create({ size: 4 * GiB, file: image }).close();
    const dev = PmemDevice.open(image);
    dev.write(3 * GiB + 5, bytes(10, 7));
    dev.persist(3 * GiB + 5, 10);
    expect(dev.loadedBytes).toBe(2 * MiB);
    dev.close();
    expect(fileBytes(image, 3 * GiB + 5, 10)).toEqual(bytes(10, 7));
    expect(statSync(image).blocks * 512).toBeLessThan(MiB);
  });

  it('a store covering whole regions does not read them from the file; partial ones merge with it', () => {
    const image = fresh();
    const seed = PmemDevice.create({ size: 8 * MiB, file: image });
    seed.write(0, bytes(8 * MiB, 0xa1));
    seed.persist(0, 8 * MiB);
    seed.close();
    for (const withCrashState of [false, true]) {
      const dev = PmemDevice.open(image, { durability: 'close' });
      // A live crash state must keep the old media bytes, which are only in the file.
      const crashed = withCrashState ? dev.crash({ kind: 'strict' }) : null;
      dev.write(MiB / 2, bytes(2 * MiB + MiB / 2, 0xb2)); // regions 1 and 2 whole, 0 half
      dev.persist(MiB / 2, 2 * MiB + MiB / 2);
      const want = new Uint8Array(4 * MiB).fill(0xa1);
      want.fill(0xb2, MiB / 2, 3 * MiB);
      // First differing byte, or -1 (a toEqual diff of 4 MiB would take minutes to print).
      const diff = (a: Uint8Array, b: Uint8Array) => a.findIndex((x, i) => x !== b[i]);
      expect(diff(dev.read(0, 4 * MiB), want), 'cache').toBe(-1);
      expect(diff(dev.readDurable(0, 4 * MiB), want), 'media').toBe(-1);
      if (crashed !== null) {
        expect(diff(crashed.read(0, 4 * MiB), bytes(4 * MiB, 0xa1)), 'crash state').toBe(-1);
        crashed.close();
      }
      dev.close();
      expect(diff(fileBytes(image, 0, 4 * MiB), want), 'file').toBe(-1);
      // Back to the seed contents for the second round.
      const undo = PmemDevice.open(image, { durability: 'close' });
      undo.write(0, bytes(4 * MiB, 0xa1));
      undo.persist(0, 4 * MiB);
      undo.close();
    }
  });

  it('crash states of an image stay readable after the device is closed (never a stale descriptor)', () => {
    const image = fresh();
    const seed = PmemDevice.create({ size: 8 * MiB, file: image });
    seed.write(5 * MiB, bytes(64, 0x5a));
    seed.persist(5 * MiB, 64);
    seed.close();
    const dev = PmemDevice.open(image);
    const crashed = dev.crash({ kind: 'strict' }); // region 5 is not loaded yet
    dev.close();
    // Open other files so the closed descriptor's number is reused by one of them.
    const decoy = fresh('decoy');
    writeFileSync(decoy, bytes(8 * MiB, 0xee));
    const fds = Array.from({ length: 4 }, () => openSync(decoy, 'r'));
    try {
      expect(crashed.read(5 * MiB, 64)).toEqual(bytes(64, 0x5a));
      expect(crashed.read(6 * MiB, 64)).toEqual(bytes(64, 0));
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });
});
