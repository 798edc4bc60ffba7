/**
 * The cleaner and copy-on-write never move a sealed block: a worker keeps writing and persisting
 * through a MAP_DIRECT view while the main thread fills and ages the device (creates, overwrites,
 * reflinks, deletes, runs the cleaner). The sealed file's physical addresses never change, and
 * the worker's last round is what the file holds afterwards.
 */
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COPYFILE_FICLONE_FORCE, fsck } from '../../src/index.js';
import { DIST_URL, distBuilt } from '../helpers/dist.js';
import { freshFs, pattern } from './helpers.js';

const K = 4096;

describe('a worker writing through a sealed mapping', () => {
  it.skipIf(!distBuilt())('keeps its blocks while the device fills and ages, and all its data is there', async () => {
    const { dev, fs } = freshFs(32 << 20);
    fs.writeFileSync('/sealed', pattern(256 * K, 1));
    const fd = fs.openSync('/sealed', 'r+');
    const m = fs.mmapSync(fd, 0, 256 * K, { direct: true });
    const phys = JSON.stringify(fs.fiemapSync('/sealed').map((e) => [e.logical, e.physical, e.length]));
    const stop = new SharedArrayBuffer(8); // [0] stop flag, [1] rounds the worker completed
    const worker = new Worker(resolve(__dirname, 'fixtures/dax-writer.mjs'), { workerData: { distUrl: DIST_URL, shared: m.share(), stop } });
    const done = new Promise<{ rounds: number }>((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
    });
    try {
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 40; i++) fs.writeFileSync(`/f${i}`, pattern((1 + ((i * 7 + round) % 13)) * K, round * 100 + i));
        for (let i = 0; i < 40; i += 3) fs.copyFileSync(`/f${i}`, `/r${i}`, COPYFILE_FICLONE_FORCE);
        for (let i = 0; i < 40; i += 2) fs.unlinkSync(`/f${i}`);
        // writes through the filesystem into the sealed range go in place, never elsewhere
        fs.writeSync(fd, pattern(K, round), 0, K, (round * 17 % 256) * K);
        fs.cleanSync();
        expect(JSON.stringify(fs.fiemapSync('/sealed').map((e) => [e.logical, e.physical, e.length]))).toBe(phys);
        await new Promise((r) => setTimeout(r, 5));
      }
      // The worker must have written while the device aged, not only after.
      for (let i = 0; i < 500 && Atomics.load(new Int32Array(stop), 1) < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(Atomics.load(new Int32Array(stop), 1)).toBeGreaterThan(1);
    } finally {
      Atomics.store(new Int32Array(stop), 0, 1);
    }
    const { rounds } = await done;
    await worker.terminate();
    expect(rounds).toBeGreaterThan(0);
    const data = fs.readFileSync('/sealed') as Buffer;
    expect(data.every((b) => b === (rounds & 0xff))).toBe(true);
    // and it is durable: a strict crash keeps the worker's persisted last round
    const crashed = dev.crash({ kind: 'strict' });
    expect(crashed.read(Number(JSON.parse(phys)[0][1]), 16).every((b: number) => b === (rounds & 0xff))).toBe(true);
    m.unmap();
    fs.closeSync(fd);
    expect(fs.liveSeals).toBe(0);
    fs.unmount();
    expect(fsck(dev).findings).toEqual([]);
  });
});
