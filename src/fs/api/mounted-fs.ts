/**
 * Filesystem: the class users get from mount(). It adds the lifecycle (unmount) to the
 * node:fs, storage, DAX-mapping and seal surfaces (filesystem.ts, storage.ts, dax.ts), and
 * node:fs's callback forms of them all (callbacks.ts).
 *
 *   const fs = mount(device, { faults? })  recovery included (mount.ts)
 *   fs.unmount()                           closes descriptors, writes a checkpoint when there is
 *                                          room (so the next mount reads one image, not the
 *                                          log), and leaves the device open for its owner
 */
import { fsError } from '../../errno/index.js';
import type { PmemDevice } from '../../pmem/index.js';
import { type CallbackApi, installCallbacks } from './callbacks.js';
import { mountCore, type MountCoreOptions } from './mount.js';
import { DaxFilesystem } from './dax.js';

export interface MountOptions extends MountCoreOptions {
  /** Write a checkpoint at unmount (default true). */
  checkpointOnUnmount?: boolean;
  /** How long a lease break waits for the holder, in ms (default 45 s, as Linux). */
  leaseBreakTime?: number;
  /**
   * Permission bits cleared from every file and directory this mount creates (open with O_CREAT,
   * writeFile, mkdir, mkdtemp), as the kernel applies a process's umask. Default 0, as memfs:
   * modes are exactly what the caller asks for. `umask: 0o022` gives what node:fs gives under a
   * shell's usual umask (0644 files, 0755 directories).
   */
  umask?: number;
}

export class Filesystem extends DaxFilesystem {
  private readonly checkpointOnUnmount: boolean;

  constructor(dev: PmemDevice, opts: MountOptions = {}) {
    const umask = opts.umask ?? 0;
    if (!Number.isInteger(umask) || umask < 0 || umask > 0o777) throw fsError('EINVAL', 'mount', { detail: `umask must be an integer from 0 to 0o777, not ${String(opts.umask)}` });
    super(mountCore(dev, opts), opts.leaseBreakTime ?? 45_000);
    this.checkpointOnUnmount = opts.checkpointOnUnmount ?? true;
    this.umask = umask;
  }

  get device(): PmemDevice {
    return this.core.dev;
  }

  get isMounted(): boolean {
    return this.mounted;
  }

  /** Open descriptors (tests assert that nothing leaked). */
  get openFiles(): number {
    return this.fds.size;
  }

  unmount(): void {
    if (!this.mounted) return;
    this.beforeUnmount();
    for (const f of this.fds.all()) this.closeSync(f.fd);
    if (this.checkpointOnUnmount && this.core.log.tail > 0) this.core.checkpoint();
    this.mounted = false;
  }
}

// The callback forms (fs.stat(path, cb), ...) of every synchronous call above.
export interface Filesystem extends CallbackApi {}
installCallbacks(Filesystem.prototype);

export function mount(dev: PmemDevice, opts: MountOptions = {}): Filesystem {
  return new Filesystem(dev, opts);
}
