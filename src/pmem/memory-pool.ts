/**
 * MemoryPool: the private chunks (ArrayBuffers) of closed devices, kept zeroed for the next
 * device of the same chunk size in this process. Shared chunks are never pooled: a memory is
 * published (memory.ts) only when a view or a worker handle escapes, and escaped memory may
 * still be referenced. A publish hands its private chunks back here.
 *
 * Why: a fresh anonymous page costs its first touch a page fault, and on a virtual machine
 * with shadow paging (this project's CI runs on one) that fault measured 11-16 us per 4 KiB,
 * against 0.2 us to write a page already mapped. A device has two memories (cache and media),
 * so on a fresh device every block of new data paid ~25 us of faults: more than everything
 * the filesystem does for a 4 KiB write. Test suites, crash campaigns and benchmarks create
 * and close devices by the thousand; reusing the mapped pages is what malloc does for memfs.
 *
 * Interface:
 *   take(bytes)                  a zeroed buffer of exactly that length, or null
 *   give(buffer, touched, grain) hand a buffer back; `touched[i] !== 0` marks the grains
 *                                (of `grain` bytes) that may be non-zero: only those are
 *                                zeroed, so untouched (never faulted) pages stay untouched
 *   poolBytes()                  resident bytes held now (pages some life of a pooled buffer
 *                                wrote; a buffer's untouched pages cost nothing)
 *
 * Limit: PMEMFS_POOL_MIB of resident bytes (default 4096; 0 disables pooling), read at every
 * take and give. Over the limit a buffer is simply dropped for the garbage collector.
 *
 * Invariant: every buffer in the pool is all zero and referenced by nothing else. The callers
 * (ChunkedMemory.close and publish) guarantee the second half: they never give back memory
 * that was shared with a worker, handed out as a DAX view, read by a live snapshot, or kept
 * by a caller of peek(..., true).
 */

import { eachRun } from './geometry.js';

/** Pooled buffers by byte length, each with the bytes of it that are resident (see give()). */
const free = new Map<number, Array<{ buffer: ArrayBuffer; resident: number }>>();
/** Per buffer, every grain any life of it wrote (those pages stay resident), and their count. */
const everTouched = new WeakMap<ArrayBuffer, { grains: Uint8Array; count: number }>();
let held = 0;

function limit(): number {
  const mib = Number(process.env.PMEMFS_POOL_MIB ?? 4096);
  return Number.isFinite(mib) && mib > 0 ? mib * 2 ** 20 : 0;
}

export function take(bytes: number): ArrayBuffer | null {
  if (limit() === 0) return null;
  const entry = free.get(bytes)?.pop();
  if (entry === undefined) return null;
  held -= entry.resident;
  return entry.buffer;
}

/**
 * `touched` (null: nothing) marks the grains this life wrote. The limit counts resident bytes,
 * not buffer sizes: a 1 GiB chunk of which one region was ever written costs the pool 1 MiB.
 */
export function give(buffer: ArrayBuffer, touched: Uint8Array | null, grain: number): void {
  let ever = everTouched.get(buffer);
  if (touched !== null) {
    if (ever === undefined) everTouched.set(buffer, (ever = { grains: new Uint8Array(touched.length), count: 0 }));
    for (let g = 0; g < touched.length; g++) {
      if (touched[g] !== 0 && ever.grains[g] === 0) {
        ever.grains[g] = 1;
        ever.count++;
      }
    }
  }
  const resident = (ever?.count ?? 0) * grain;
  if (held + resident > limit()) {
    everTouched.delete(buffer);
    return;
  }
  if (touched !== null) {
    const bytes = new Uint8Array(buffer);
    eachRun(touched, (g0, g1) => bytes.fill(0, g0 * grain, Math.min(buffer.byteLength, g1 * grain)));
  }
  let list = free.get(buffer.byteLength);
  if (list === undefined) free.set(buffer.byteLength, (list = []));
  list.push({ buffer, resident });
  held += resident;
}

export function poolBytes(): number {
  return held;
}
