/**
 * DAX mappings and temporary iomap seals on the node:fs surface (docs/SEALS.md).
 *
 *   mmapSync(fd, offset, length, { sync?, direct?, seal? }) -> Mapping
 *   sealSync(fd, { offset?, length?, mode, onBreak? }) / unsealSync(fd) / sealsSync()
 *   cleanSync()   the cleaner: checkpoint the log, defragment files; sealed blocks never move
 *   events        'lease-break' and 'lease-revoked'
 * Who may: a descriptor open for writing (EACCES), a regular file (EINVAL), a shared mapping
 * (private: EINVAL). Every writable mapping first makes its range allocated, zeroed and
 * unshared, durably (MAP_SYNC | MAP_POPULATE), and pins it: writes there go in place and no
 * mover touches it. `direct` adds a seal (whole file, 'fail' unless `seal` says otherwise).
 */
import { EventEmitter } from 'node:events';
import { fsError, isFsError } from '../../errno/index.js';
import { CHUNK } from '../../pmem/index.js';
import { BLOCK, mapItem } from '../format/index.js';
import { type FsCore, type Inode, readBlock, storeBlocks, transact } from '../inode/index.js';
import { Mapping, type Pin, type PinMode, SealTable, type Segment, prepareRange } from '../seal/index.js';
import { StorageFilesystem } from './storage.js';

export interface SealOptions {
  mode: 'fail' | 'lease';
  offset?: number;
  length?: number;
  /** Lease mode: called when a conflicting operation breaks the lease. */
  onBreak?: (info: { id: number }) => void;
}

export interface MmapOptions {
  sync?: boolean;
  direct?: boolean;
  seal?: SealOptions;
  /** MAP_SHARED (default). A private mapping cannot be sealed: EINVAL. */
  shared?: boolean;
}

export interface SealInfo {
  path: string;
  ino: number;
  offset: number;
  length: number | null;
  mode: PinMode;
  holder: string;
  ageMs: number;
  revoked: boolean;
}

export class DaxFilesystem extends StorageFilesystem {
  readonly events = new EventEmitter();
  protected readonly seals: SealTable;
  private readonly fdPins = new Map<number, Pin[]>();
  private readonly mappings = new Set<Mapping>();
  private readonly paths = new Map<number, string>();

  constructor(core: FsCore, leaseBreakTime: number) {
    super(core);
    this.seals = new SealTable(core, leaseBreakTime, { emit: (e, info) => this.events.emit(e, info) });
    this.seals.detach = (inode, lblk, count) => this.detachBlocks(inode, lblk, count);
    core.guard = this.seals;
  }

  get leaseBreakTime(): number {
    return this.seals.leaseBreakTime;
  }

  set leaseBreakTime(ms: number) {
    this.seals.leaseBreakTime = ms;
  }

  mmapSync(fd: number, offset: number, length: number, opts: MmapOptions = {}): Mapping {
    const f = this.fds.get(fd, 'mmap');
    const inode = f.inode;
    if (inode.type !== 'file') throw fsError(inode.isDir ? 'ENODEV' : 'EINVAL', 'mmap', { path: f.path });
    if (!f.mode.write) throw fsError('EACCES', 'mmap', { path: f.path, detail: 'DAX mappings are shared and writable: open the file for writing' });
    if (opts.shared === false) throw fsError('EINVAL', 'mmap', { path: f.path, detail: 'private mappings cannot be sealed or DAX-mapped' });
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0 || offset % BLOCK !== 0) {
      throw fsError('EINVAL', 'mmap', { path: f.path });
    }
    if (offset + length > inode.attrs.size) throw fsError('EINVAL', 'mmap', { path: f.path, detail: 'range past the end of the file' });
    const sealOpts = opts.seal ?? (opts.direct === true ? { mode: 'fail' as const } : undefined);
    if (sealOpts !== undefined) this.checkSealable(f.fd, sealOpts, 'mmap', f.path);
    if (opts.direct === true) this.makeContiguous(inode, offset, length, f.path);
    prepareRange(this.core, inode, offset, length, 'mmap', f.path);
    // A seal promises the whole sealed range (the whole file by default) allocated, not just the map.
    if (sealOpts !== undefined) this.prepareSealed(inode, sealOpts, 'mmap', f.path);
    const pins = [this.seals.add(inode, offset, length, 'mapping', `mapping of fd ${fd}`)];
    if (sealOpts !== undefined) pins.push(this.addSeal(inode, sealOpts, `MAP_DIRECT mapping of fd ${fd}`));
    inode.openCount++;
    this.paths.set(inode.ino, f.path);
    const m = new Mapping(this.core.dev, offset, length, this.segmentsOf(inode, offset, length), pins, (mm) => this.dropMapping(mm, inode));
    this.mappings.add(m);
    return m;
  }

  sealSync(fd: number, opts: SealOptions): { id: number } {
    const f = this.fds.get(fd, 'fcntl');
    this.checkSealable(fd, opts, 'fcntl', f.path);
    this.prepareSealed(f.inode, opts, 'fcntl', f.path);
    const pin = this.addSeal(f.inode, opts, `fd ${fd}`);
    this.paths.set(f.inode.ino, f.path);
    this.fdPins.set(fd, [...(this.fdPins.get(fd) ?? []), pin]);
    return { id: pin.id };
  }

  unsealSync(fd: number): void {
    this.fds.get(fd, 'fcntl');
    const pins = this.fdPins.get(fd);
    if (pins === undefined) throw fsError('EINVAL', 'fcntl', { detail: 'descriptor holds no seal' });
    for (const p of pins) this.seals.release(p);
    this.fdPins.delete(fd);
  }

  sealsSync(): SealInfo[] {
    const now = Date.now();
    return this.seals.all().filter((p) => p.mode !== 'mapping').map((p) => ({
      path: this.paths.get(p.inode.ino) ?? '', ino: p.inode.ino, offset: p.offset, length: p.end === Infinity ? null : p.end - p.offset,
      mode: p.mode, holder: p.holder, ageMs: now - p.since, revoked: p.revoked,
    }));
  }

  /** Pins and mappings alive (tests assert none leak). */
  get liveSeals(): number {
    return this.seals.size;
  }

  get liveMappings(): number {
    return this.mappings.size;
  }

  override closeSync(fd: number): void {
    const pins = this.fdPins.get(fd);
    if (pins !== undefined) for (const p of pins) this.seals.release(p);
    this.fdPins.delete(fd);
    super.closeSync(fd);
  }

  /** The cleaner: checkpoint (the log starts over) and defragment files; pinned blocks stay. */
  cleanSync(): { checkpoint: boolean; filesMoved: number } {
    this.live('clean');
    let moved = 0;
    // The cleaner looks at every file: load the ones still only in the checkpoint image.
    this.core.meta.loadAll();
    for (const inode of [...this.core.meta.inodes.values()]) {
      // Only fully written files move: relocation copies data, and unwritten preallocation
      // (often past EOF) must stay unwritten.
      if (inode.type !== 'file' || inode.extents.count < 2 || inode.extents.extents().some((e) => e.kind !== 'mapped')) continue;
      const blocks = inode.extents.extents().reduce((n, e) => n + e.count, 0);
      const first = inode.extents.extents()[0]!.lblk;
      const span = inode.extents.endBlock - first;
      if (blocks !== span || this.core.guard.pinned(inode, first * BLOCK, span * BLOCK)) continue;
      if (this.core.space.free.largest < span) continue;
      this.core.guard.before(inode, { kind: 'move', offset: first * BLOCK, length: span * BLOCK }, 'clean');
      this.relocate(inode, first, span, 'clean', '');
      moved++;
    }
    return { checkpoint: this.core.checkpoint(), filesMoved: moved };
  }

  protected override syncMappings(fd: number): void {
    const inode = this.fds.get(fd, 'fsync').inode;
    for (const m of this.mappings) {
      if (m.heldPins()[0]?.inode !== inode) continue;
      for (const s of m.segments) this.core.dev.flush(s.deviceOffset, s.view.length);
    }
    this.core.dev.fence();
  }

  /** Unmount releases every mapping and seal: they are temporary by definition. */
  protected beforeUnmount(): void {
    for (const m of [...this.mappings]) m.unmap();
    for (const fd of [...this.fdPins.keys()]) this.unsealSync(fd);
  }

  // --- internals ---------------------------------------------------------------------------

  private checkSealable(fd: number, opts: SealOptions, syscall: string, path: string): void {
    const f = this.fds.get(fd, syscall);
    if (f.inode.type !== 'file') throw fsError('EINVAL', syscall, { path, detail: 'only regular files can be sealed' });
    if (!f.mode.write) throw fsError('EACCES', syscall, { path, detail: 'sealing needs a descriptor open for writing' });
    if (opts.mode !== 'fail' && opts.mode !== 'lease') throw fsError('EINVAL', syscall, { path, detail: `seal mode must be 'fail' or 'lease'` });
    const off = opts.offset ?? 0;
    const len = opts.length;
    if (!Number.isSafeInteger(off) || off < 0 || (len !== undefined && (!Number.isSafeInteger(len) || len <= 0))) throw fsError('EINVAL', syscall, { path });
  }

  /** Allocates, zeroes and unshares the part of a seal's range that lies inside EOF. */
  private prepareSealed(inode: Inode, opts: SealOptions, syscall: string, path: string): void {
    const off = opts.offset ?? 0;
    const end = Math.min(inode.attrs.size, opts.length === undefined ? Infinity : off + opts.length);
    if (end > off) prepareRange(this.core, inode, off, end - off, syscall, path);
  }

  private addSeal(inode: Inode, opts: SealOptions, holder: string): Pin {
    const whole = opts.offset === undefined && opts.length === undefined;
    const pin = this.seals.add(inode, opts.offset ?? 0, whole ? null : opts.length ?? null, opts.mode, holder);
    if (opts.onBreak !== undefined) {
      const cb = opts.onBreak;
      pin.onBreak = (p) => cb({ id: p.id });
    }
    return pin;
  }

  private dropMapping(m: Mapping, inode: Inode): void {
    for (const p of m.heldPins()) this.seals.release(p);
    this.mappings.delete(m);
    inode.openCount--;
    this.releaseIfOrphan(inode);
  }

  /** Zero-copy views of the range, one per physically contiguous piece (split at 1 GiB chunks). */
  private segmentsOf(inode: Inode, offset: number, length: number): Segment[] {
    const out: Segment[] = [];
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const m = inode.extents.lookup(Math.floor(pos / BLOCK), Math.ceil((end - pos) / BLOCK));
      if (m.kind !== 'mapped') throw fsError('EFSCORRUPTED', 'mmap', { detail: 'prepared range has an unmapped block' });
      const dev = m.pblk * BLOCK + (pos - m.lblk * BLOCK);
      let n = Math.min(end - pos, m.count * BLOCK - (pos - m.lblk * BLOCK));
      // A view cannot span a 1 GiB chunk: cut the segment at the next chunk boundary.
      if (!this.core.dev.viewable(dev, n)) n = CHUNK - (dev % CHUNK);
      const last = out[out.length - 1];
      if (last !== undefined && last.deviceOffset + last.view.length === dev && this.core.dev.viewable(last.deviceOffset, last.view.length + n)) {
        out[out.length - 1] = { ...last, view: this.core.dev.view(last.deviceOffset, last.view.length + n) };
      } else out.push({ fileOffset: pos, deviceOffset: dev, view: this.core.dev.view(dev, n) });
      pos += n;
    }
    return out;
  }

  /** MAP_DIRECT: move the range into one contiguous run when the allocator has one. */
  private makeContiguous(inode: Inode, offset: number, length: number, path: string): void {
    const first = Math.floor(offset / BLOCK);
    const count = Math.ceil((offset + length) / BLOCK) - first;
    const m = inode.extents.lookup(first, count);
    if ((m.kind === 'mapped' && m.count === count) || this.core.guard.pinned(inode, offset, length)) return;
    if (this.core.space.free.largest < count) return;
    this.relocate(inode, first, count, 'mmap', path);
  }

  /** After a revocation: the file moves to fresh copies of its mapped blocks in the range. */
  private detachBlocks(inode: Inode, lblk: number, count: number): boolean {
    try {
      transact(this.core, 'defrag', 'revoke', (t) => {
        const size = t.attrsOf(inode).size;
        let lb = lblk;
        while (lb < lblk + count) {
          const m = inode.extents.lookup(lb, lblk + count - lb);
          // Written blocks are copied; unwritten ones stay unwritten (they read as zero).
          if (m.kind === 'mapped') storeBlocks(t, inode, lb, m.count, (block, b) => readBlock(this.core, inode, b, Math.max(size, (b + 1) * BLOCK), block));
          else if (m.kind === 'unwritten') {
            let at = lb;
            for (const e of t.reserve(m.count, -1)) {
              t.add(mapItem(inode.ino, at, e.count, e.pblk, 'unwritten'));
              at += e.count;
            }
          }
          lb += m.count;
        }
      });
      return true;
    } catch (e) {
      if (isFsError(e, 'ENOSPC')) return false;
      throw e;
    }
  }

  /** Copies blocks [first, first+count) into one fresh contiguous run and maps it (one commit). */
  private relocate(inode: Inode, first: number, count: number, syscall: string, path: string): void {
    transact(this.core, 'defrag', syscall, (t) => {
      const run = t.reserve(count, -1, path);
      if (run.length !== 1) return; // no contiguous run after all: leave the file as it is
      const size = t.attrsOf(inode).size;
      const data = new Uint8Array(count * BLOCK);
      for (let i = 0; i < count; i++) readBlock(this.core, inode, first + i, Math.max(size, (first + i + 1) * BLOCK), data.subarray(i * BLOCK, (i + 1) * BLOCK));
      this.core.storeData(run[0]!.pblk, data);
      t.add(mapItem(inode.ino, first, count, run[0]!.pblk, 'mapped'));
    });
  }
}
