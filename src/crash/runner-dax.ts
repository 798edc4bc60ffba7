/**
 * DaxHandles: the runner's side of the workload language's DAX ops (mmap, mwrite, msync, munmap,
 * seal, unseal). Mappings and seals are named by the path they were opened as, and each holds
 * its own descriptor until munmap / unseal (or releaseAll), as model-mapping.ts and
 * model-seal.ts define.
 *
 * The filesystem's DAX API (fs/api/dax.ts): fs.mmapSync(fd, offset, length, { sync, direct })
 * -> Mapping (segments [{ fileOffset, view }], persist(offset, length) relative to the mapping
 * start, unmap()); fs.sealSync(fd, { offset?, length?, mode }); fs.unsealSync(fd). `direct`
 * places the mapping's whole-file fail-mode seal (the model's MAP_DIRECT).
 *
 * Rules the runner enforces itself (they are the language's, not the filesystem's): a second
 * mapping or seal of one name is EBUSY; mwrite/msync without a mapping, or outside the mapped
 * range (or, for mwrite, past the file's current size: a real store would fault), is EINVAL;
 * mmap of length 0, at an offset that is not page-aligned, or past EOF is EINVAL.
 */
import { fsError } from '../errno/index.js';
import type { Filesystem, Mapping } from '../fs/index.js';
import { PAGE } from '../pmem/index.js';
import { fillPattern } from './pattern.js';
import type { SealMode } from './workload.js';

interface Held {
  fd: number;
  offset: number;
  length: number;
  mapping: Mapping;
}

export class DaxHandles {
  private readonly fs: Filesystem;
  private readonly maps = new Map<string, Held>();
  private readonly seals = new Map<string, number>();

  constructor(fs: Filesystem) {
    this.fs = fs;
  }

  mmap(path: string, offset: number, length: number, opts: { direct: boolean; sync: boolean }): void {
    const fd = this.fs.openSync(path, 'r+'); // ENOENT, EISDIR, ... come first, as in the model
    try {
      if (this.maps.has(path)) throw fsError('EBUSY', 'mmap', { path });
      const size = this.fs.fstatSync(fd).size;
      if (length <= 0 || offset % PAGE !== 0 || offset + length > size) throw fsError('EINVAL', 'mmap', { path });
      const mapping = this.fs.mmapSync(fd, offset, length, { sync: opts.sync, direct: opts.direct });
      this.maps.set(path, { fd, offset, length, mapping });
    } catch (e) {
      this.fs.closeSync(fd);
      throw e;
    }
  }

  mwrite(path: string, offset: number, length: number, seed: number): void {
    const m = this.mapped(path, offset, length, 'mwrite');
    if (offset + length > this.fs.fstatSync(m.fd).size) throw fsError('EINVAL', 'mwrite', { path });
    const end = offset + length;
    let covered = 0;
    for (const seg of m.mapping.segments) {
      const from = Math.max(offset, seg.fileOffset);
      const to = Math.min(end, seg.fileOffset + seg.view.length);
      if (from >= to) continue;
      fillPattern(seg.view.subarray(from - seg.fileOffset, to - seg.fileOffset), seed, from);
      covered += to - from;
    }
    if (covered < length) throw fsError('EINVAL', 'mwrite', { path, detail: 'the mapping has no view of part of the range' });
  }

  msync(path: string, offset: number, length: number): void {
    const m = this.mapped(path, offset, length, 'msync');
    if (length > 0) m.mapping.persist(offset - m.offset, length);
  }

  munmap(path: string): void {
    const m = this.maps.get(path);
    if (m === undefined) throw fsError('EINVAL', 'munmap', { path });
    this.maps.delete(path);
    try {
      m.mapping.unmap();
    } finally {
      this.fs.closeSync(m.fd);
    }
  }

  seal(path: string, range: { offset: number; length: number } | undefined, mode: SealMode): void {
    // A directory can only be opened read-only; sealing that descriptor is EINVAL (the model's rule).
    const fd = this.fs.openSync(path, this.fs.statSync(path)?.isDirectory() === true ? 'r' : 'r+');
    try {
      if (this.seals.has(path)) throw fsError('EBUSY', 'seal', { path }); // after ENOENT & co, as in the model
      this.fs.sealSync(fd, range === undefined ? { mode } : { offset: range.offset, length: range.length, mode });
      this.seals.set(path, fd);
    } catch (e) {
      this.fs.closeSync(fd);
      throw e;
    }
  }

  unseal(path: string): void {
    const fd = this.seals.get(path);
    if (fd === undefined) throw fsError('EINVAL', 'unseal', { path });
    this.seals.delete(path);
    try {
      this.fs.unsealSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** Every mapping unmapped and every seal released, descriptors closed. */
  releaseAll(): void {
    for (const path of [...this.maps.keys()]) this.munmap(path);
    for (const path of [...this.seals.keys()]) this.unseal(path);
  }

  private mapped(path: string, offset: number, length: number, syscall: string): Held {
    const m = this.maps.get(path);
    if (m === undefined) throw fsError('EINVAL', syscall, { path });
    if (offset < m.offset || length < 0 || offset + length > m.offset + m.length) throw fsError('EINVAL', syscall, { path });
    return m;
  }
}
