/**
 * An image opened and mounted for one command: device and filesystem, released together.
 *
 * Interface:
 *   openSession(image, access) -> { device, fs, close() }
 *   withSession(image, access, fn)          sync: open, run fn, close in `finally`
 *   imagePath(path)                         a path inside the image, made absolute
 * access 'read-only' still recovers (replays the log) but in memory only: the device is opened
 * read-only (PmemDevice.open's readOnly), so nothing is written to the image, not even the
 * unmount checkpoint, and an image the user may only read opens. 'read-write' unmounts with a
 * checkpoint.
 * Invariant: close() unmounts before it closes the device, and closes the device even when the
 * unmount throws; a failed mount closes the device before the error propagates.
 */
import { Filesystem, mount } from '../fs/index.js';
import { PmemDevice } from '../pmem/index.js';

export type Access = 'read-only' | 'read-write';

export interface Session {
  readonly device: PmemDevice;
  readonly fs: Filesystem;
  close(): void;
}

export function openSession(image: string, access: Access): Session {
  const device = PmemDevice.open(image, { readOnly: access === 'read-only' });
  let fs: Filesystem;
  try {
    fs = access === 'read-only' ? mount(device, { readOnly: true, checkpointOnUnmount: false }) : mount(device);
  } catch (e) {
    device.close();
    throw e;
  }
  let closed = false;
  return {
    device,
    fs,
    close() {
      if (closed) return;
      closed = true;
      try {
        fs.unmount();
      } finally {
        device.close();
      }
    },
  };
}

export function withSession<T>(image: string, access: Access, fn: (fs: Filesystem, device: PmemDevice) => T): T {
  const s = openSession(image, access);
  try {
    return fn(s.fs, s.device);
  } finally {
    s.close();
  }
}

/** Paths inside an image are absolute; 'docs/a' means '/docs/a'. */
export function imagePath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}
