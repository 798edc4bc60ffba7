/**
 * Which durability modes fdatasync, and when: counted by wrapping node:fs's fdatasyncSync
 * (a pass-through spy; the files are real).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { PmemDevice, type Durability, type PmemMode } from '../../src/index.js';

const syncs = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    fdatasyncSync: (fd: number) => {
      syncs.count++;
      fs.fdatasyncSync(fd);
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'pmem-sync-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  syncs.count = 0;
});

/** fdatasyncs during: a persist, a store + fence (eADR's durable store), an empty fence, close. */
function count(durability: Durability, mode: PmemMode): number[] {
  const dev = PmemDevice.create({ size: 1 << 20, file: join(dir, `s${n++}.pmem`), durability, mode });
  const out: number[] = [];
  const step = (fn: () => void) => {
    const before = syncs.count;
    fn();
    out.push(syncs.count - before);
  };
  step(() => dev.persist(0, 8));
  step(() => {
    dev.write(64, new Uint8Array(8).fill(1));
    dev.fence();
  });
  step(() => dev.fence());
  step(() => dev.close());
  return out;
}

describe('fdatasync', () => {
  it.each([
    ['fence', 'adr', [0, 0, 0, 0]],
    ['fence-sync', 'adr', [1, 0, 0, 1]], // the unflushed store makes nothing durable
    ['close', 'adr', [0, 0, 0, 1]],
    ['fence', 'eadr', [0, 0, 0, 0]],
    ['fence-sync', 'eadr', [1, 1, 0, 1]], // eADR: the fence syncs the stores it follows
    ['close', 'eadr', [0, 0, 0, 1]],
  ] as const)("durability '%s', %s", (durability, mode, want) => {
    expect(count(durability, mode)).toEqual(want);
  });
});
