/**
 * The device across a real worker_thread: share() / attach() give the same cache, media and
 * image file; the fence is per thread (SFENCE); a DAX view can be posted and written there.
 * The worker runs the compiled package (dist/), see test/helpers/dist.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PmemDevice } from '../../src/index.js';
import { DIST_URL, requireFreshDist } from '../helpers/dist.js';
import { WorkerClient } from '../helpers/worker-client.js';

const MiB = 1 << 20;
const FIXTURE = new URL('./fixtures/device-worker.mjs', import.meta.url);
const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);
const list = (n: number, v: number) => Array.from(bytes(n, v));

let workers: WorkerClient[] = [];
let dir = '';

beforeAll(() => {
  requireFreshDist();
  dir = mkdtempSync(join(tmpdir(), 'pmem-worker-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(workers.map((w) => w.terminate()));
  workers = [];
});

async function attached(dev: PmemDevice): Promise<WorkerClient> {
  const w = new WorkerClient(FIXTURE, { distUrl: DIST_URL });
  workers.push(w);
  expect(await w.call({ op: 'attach', handle: dev.share() })).toEqual({ size: dev.size, mode: dev.mode });
  return w;
}

describe('a device shared with a worker', () => {
  it('a store flushed and fenced in the worker survives a strict crash taken on the main thread', async () => {
    const dev = PmemDevice.create({ size: MiB });
    const w = await attached(dev);
    await w.call({ op: 'write', offset: 0, bytes: list(64, 1) });
    await w.call({ op: 'persist', offset: 0, length: 64 });
    expect(dev.crash({ kind: 'strict' }).read(0, 64)).toEqual(bytes(64, 1));
  });

  it('a store made in the worker but not flushed is not durable, though the main thread sees it at once', async () => {
    const dev = PmemDevice.create({ size: MiB });
    const w = await attached(dev);
    await w.call({ op: 'write', offset: 4096, bytes: list(16, 2) });
    expect(dev.read(4096, 16)).toEqual(bytes(16, 2)); // shared memory: no copy, no message
    expect(dev.crash({ kind: 'strict' }).read(4096, 16)).toEqual(bytes(16, 0));
    // ...and the worker sees the main thread's stores the same way.
    dev.write(8192, bytes(8, 3));
    expect(await w.call({ op: 'read', offset: 8192, length: 8 })).toEqual(list(8, 3));
  });

  it('the fence is per thread: the main thread cannot fence what the worker flushed', async () => {
    const dev = PmemDevice.create({ size: MiB });
    const w = await attached(dev);
    await w.call({ op: 'write', offset: 0, bytes: list(8, 4) });
    await w.call({ op: 'flush', offset: 0, length: 8 });
    dev.fence();
    expect(dev.crash({ kind: 'strict' }).read(0, 8)).toEqual(bytes(8, 0));
    await w.call({ op: 'fence' });
    expect(dev.crash({ kind: 'strict' }).read(0, 8)).toEqual(bytes(8, 4));
    expect(await w.call({ op: 'stats' })).toMatchObject({ stores: 1, linesFlushed: 1, fences: 1 });
    expect(dev.stats).toMatchObject({ stores: 0, fences: 1 });
  });

  it('a DAX view posted to a worker is shared memory; its stores persist from the main thread', async () => {
    const dev = PmemDevice.create({ size: MiB });
    const w = await attached(dev);
    const view = dev.view(16384, 4096);
    expect(view.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(await w.call({ op: 'fillView', view, value: 5, start: 0, end: 128 })).toEqual({ shared: true, length: 4096 });
    expect(dev.read(16384, 128)).toEqual(bytes(128, 5));
    expect(dev.crash({ kind: 'strict' }).read(16384, 128)).toEqual(bytes(128, 0)); // invisible until flushed
    dev.persist(16384, 128);
    expect(dev.crash({ kind: 'strict' }).read(16384, 128)).toEqual(bytes(128, 5));
  });

  it("the worker's fences write the image file (durability 'fence')", async () => {
    const file = join(dir, 'shared.pmem');
    const dev = PmemDevice.create({ size: MiB, file });
    try {
      const w = await attached(dev);
      await w.call({ op: 'write', offset: 512, bytes: list(64, 6) });
      await w.call({ op: 'flush', offset: 512, length: 64 });
      expect(readFileSync(file).subarray(512, 576)).toEqual(Buffer.from(bytes(64, 0)));
      await w.call({ op: 'fence' });
      expect(readFileSync(file).subarray(512, 576)).toEqual(Buffer.from(bytes(64, 6)));
    } finally {
      dev.close();
    }
  });

  it('once the owner closes the device, the worker gets EBADF (never a stale descriptor)', async () => {
    const dev = PmemDevice.create({ size: MiB, file: join(dir, 'closed.pmem') });
    const w = await attached(dev);
    dev.close();
    await expect(w.call({ op: 'write', offset: 0, bytes: [1] })).rejects.toMatchObject({ code: 'EBADF' });
    await expect(w.call({ op: 'fence' })).rejects.toMatchObject({ code: 'EBADF' });
  });
});
