/**
 * MemoryPool: SharedArrayBuffers of closed devices, kept zeroed for the next device of the
 * same chunk size in this process.
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
 * Invariant: every buffer in the pool is all zero and referenced by nothing else. The caller
 * (ChunkedMemory.close) guarantees the second half: it never gives back memory that was
 * shared with a worker, handed out as a DAX view, or is still read by a live snapshot.
 */

/** Pooled buffers by byte length, each with the bytes of it that are resident (see give()). */
const free = new Map<number, Array<{ buffer: SharedArrayBuffer; resident: number }>>();
/** Per buffer, every grain any life of it wrote (those pages stay resident), and their count. */
const everTouched = new WeakMap<SharedArrayBuffer, { grains: Uint8Array; count: number }>();
let held = 0;
/** Zeros are copied in with set(): fill() on shared memory is ~10x slower in V8 (per-element). */
const ZEROS = new Uint8Array(1 << 20);

function limit(): number {
  const mib = Number(process.env.PMEMFS_POOL_MIB ?? 4096);
  return Number.isFinite(mib) && mib > 0 ? mib * 2 ** 20 : 0;
}

export function take(bytes: number): SharedArrayBuffer | null {
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
export function give(buffer: SharedArrayBuffer, touched: Uint8Array | null, grain: number): void {
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
    for (let g = 0; g < touched.length; g++) {
      if (touched[g] === 0) continue;
      // Zero a run of touched grains with one set().
      let end = g + 1;
      while (end < touched.length && touched[end] !== 0) end++;
      zero(bytes, g * grain, Math.min(buffer.byteLength, end * grain));
      g = end - 1;
    }
  }
  let list = free.get(buffer.byteLength);
  if (list === undefined) free.set(buffer.byteLength, (list = []));
  list.push({ buffer, resident });
  held += resident;
}

function zero(bytes: Uint8Array, from: number, to: number): void {
  for (let at = from; at < to; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, to - at);
    bytes.set(n === ZEROS.length ? ZEROS : ZEROS.subarray(0, n), at);
  }
}

export function poolBytes(): number {
  return held;
}
