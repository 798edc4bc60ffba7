/**
 * Filesystem: the class users get from mount(). It adds the lifecycle (unmount) to the
 * node:fs and storage surfaces; DAX mappings and seals (dax.ts) extend it.
 *
 *   const fs = mount(device, { faults? })  recovery included (mount.ts)
 *   fs.unmount()                           closes descriptors, writes a checkpoint when there is
 *                                          room (so the next mount reads one image, not the
 *                                          log), and leaves the device open for its owner
 */
import type { PmemDevice } from '../../pmem/index.js';
import { mountCore, type MountCoreOptions } from './mount.js';
import { StorageFilesystem } from './storage.js';

export interface MountOptions extends MountCoreOptions {
  /** Write a checkpoint at unmount (default true). */
  checkpointOnUnmount?: boolean;
}

export class Filesystem extends StorageFilesystem {
  private readonly checkpointOnUnmount: boolean;

  constructor(dev: PmemDevice, opts: MountOptions = {}) {
    super(mountCore(dev, opts));
    this.checkpointOnUnmount = opts.checkpointOnUnmount ?? true;
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

  /** Hook for subclasses that hold runtime state (mappings, seals). */
  protected beforeUnmount(): void {}
}

export function mount(dev: PmemDevice, opts: MountOptions = {}): Filesystem {
  return new Filesystem(dev, opts);
}
