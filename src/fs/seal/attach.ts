/**
 * attachMapping: the worker-thread side of a DAX mapping. A worker receives
 * `mapping.share()` by postMessage and gets the same views plus its own persist(), as an
 * RDMA NIC would write and flush without the filesystem's thread. A lease holder sees a break
 * request as `breakRequested` and lets go with `release()` (no main-thread round trip).
 */
import { PmemDevice } from '../../pmem/index.js';
import type { SharedMapping } from './mapping.js';
import { PIN_BREAKING, PIN_RELEASED } from './seal-table.js';

export interface AttachedMapping {
  segments: Array<{ fileOffset: number; view: Uint8Array }>;
  view: Uint8Array | undefined;
  persist(offset: number, length: number): void;
  readonly breakRequested: boolean;
  release(): void;
  close(): void;
}

export function attachMapping(shared: SharedMapping): AttachedMapping {
  const dev = PmemDevice.attach(shared.device);
  const segments = shared.segments.map((s) => ({ fileOffset: s.fileOffset, deviceOffset: s.deviceOffset, view: dev.view(s.deviceOffset, s.length) }));
  return {
    segments: segments.map((s) => ({ fileOffset: s.fileOffset, view: s.view })),
    view: segments.length === 1 ? segments[0]!.view : undefined,
    persist(offset: number, length: number): void {
      const from = shared.offset + offset;
      const to = from + length;
      for (const s of segments) {
        const a = Math.max(from, s.fileOffset);
        const b = Math.min(to, s.fileOffset + s.view.length);
        if (b > a) dev.flush(s.deviceOffset + (a - s.fileOffset), b - a);
      }
      dev.fence();
    },
    get breakRequested() {
      return Atomics.load(shared.leaseState, 0) === PIN_BREAKING;
    },
    release(): void {
      Atomics.store(shared.leaseState, 0, PIN_RELEASED);
      Atomics.notify(shared.leaseState, 0);
    },
    close(): void {
      dev.close();
    },
  };
}
