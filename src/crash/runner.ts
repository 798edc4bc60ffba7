/**
 * WorkloadRunner: executes workload operations (workload.ts) on a real mounted pmemfs, the way
 * the model (model.ts) executes them on the reference, and labels each in the device trace.
 *
 * Interface:
 *   const r = new WorkloadRunner(fs)
 *   r.run(op, k)      label the trace `op:k` (trace-labels.ts; k from 1), execute, return an OpOutcome: ok, or the
 *                     error code the filesystem answered; never throws for an FsError
 *   r.releaseAll()    unmap every mapping and unseal every seal still held (end of a workload)
 *
 * Execution: every op opens and closes its own descriptors (creat = open 'w' + close; write =
 * open 'r+', pwrite of the pattern bytes of pattern.ts, close; fsync = open 'r', fsync, close;
 * falloc modes = fallocateSync; reflink = copyFileSync(FICLONE_FORCE); clone/dedupe = the
 * range ioctls on a read and a write descriptor). DAX ops (mmap, mwrite, msync, munmap, seal,
 * unseal) go through runner-dax.ts, which holds descriptors across ops.
 *
 * An exception that is not an FsError (an assertion inside the filesystem) becomes an outcome
 * with code 'internal': the campaign reports it as a violation rather than dying.
 */
import { fsError, isFsError, type ErrorCode } from '../errno/index.js';
import {
  COPYFILE_FICLONE_FORCE, FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE, type Filesystem,
} from '../fs/index.js';
import { unreachable } from '../errno/index.js';
import { DaxHandles } from './runner-dax.js';
import { patternBytes } from './pattern.js';
import { opLabel } from './trace-labels.js';
import type { Op, OpBody } from './workload.js';

export type OpOutcome = { ok: true } | { ok: false; code: ErrorCode | 'internal'; message: string };

export class WorkloadRunner {
  readonly fs: Filesystem;
  private readonly dax: DaxHandles;

  constructor(fs: Filesystem) {
    this.fs = fs;
    this.dax = new DaxHandles(fs);
  }

  run(op: Op | OpBody, k: number): OpOutcome {
    this.fs.device.label(opLabel(k));
    try {
      this.exec(op);
      return { ok: true };
    } catch (e) {
      if (isFsError(e)) return { ok: false, code: e.code, message: e.message };
      return { ok: false, code: 'internal', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  }

  releaseAll(): void {
    this.dax.releaseAll();
  }

  private exec(op: OpBody): void {
    const fs = this.fs;
    switch (op.kind) {
      case 'mkdir': return void fs.mkdirSync(op.path);
      case 'rmdir': return fs.rmdirSync(op.path);
      case 'creat': return this.withFd(op.path, 'w', () => undefined);
      case 'unlink': return fs.unlinkSync(op.path);
      case 'link': return fs.linkSync(op.oldPath, op.newPath);
      case 'symlink': return fs.symlinkSync(op.target, op.path);
      case 'rename': return fs.renameSync(op.oldPath, op.newPath);
      case 'write':
        return this.withFd(op.path, 'r+', (fd) => {
          if (op.length > 0) fs.writeSync(fd, patternBytes(op.seed, op.offset, op.length), 0, op.length, op.offset);
        });
      case 'truncate': return fs.truncateSync(op.path, op.length);
      case 'falloc': return this.fallocate(op.path, op.keepSize ? FALLOC_FL_KEEP_SIZE : 0, op.offset, op.length);
      case 'punch': return this.fallocate(op.path, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, op.offset, op.length);
      case 'zero': return this.fallocate(op.path, FALLOC_FL_ZERO_RANGE | (op.keepSize ? FALLOC_FL_KEEP_SIZE : 0), op.offset, op.length);
      case 'collapse': return this.fallocate(op.path, FALLOC_FL_COLLAPSE_RANGE, op.offset, op.length);
      case 'insert': return this.fallocate(op.path, FALLOC_FL_INSERT_RANGE, op.offset, op.length);
      case 'reflink': return this.reflink(op.src, op.dst);
      case 'clone':
        return this.pair(op.src, op.dst, (s, d) => void fs.cloneRangeSync(s, op.srcOffset, d, op.dstOffset, op.length));
      case 'dedupe':
        return this.pair(op.src, op.dst, (s, d) => void fs.dedupeRangeSync(s, op.srcOffset, d, op.dstOffset, op.length));
      case 'setxattr': return fs.setxattrSync(op.path, op.name, op.value);
      case 'removexattr': return fs.removexattrSync(op.path, op.name);
      case 'fsync': return this.withFd(op.path, 'r', (fd) => fs.fsyncSync(fd));
      case 'fdatasync': return this.withFd(op.path, 'r', (fd) => fs.fdatasyncSync(fd));
      case 'sync': return fs.syncSync();
      case 'mmap': return this.dax.mmap(op.path, op.offset, op.length, { direct: op.direct, sync: op.sync });
      case 'mwrite': return this.dax.mwrite(op.path, op.offset, op.length, op.seed);
      case 'msync': return this.dax.msync(op.path, op.offset, op.length);
      case 'munmap': return this.dax.munmap(op.path);
      case 'seal': return this.dax.seal(op.path, op.range, op.mode);
      case 'unseal': return this.dax.unseal(op.path);
      default: return unreachable(op, 'op');
    }
  }

  private withFd(path: string, flags: string, fn: (fd: number) => void): void {
    const fd = this.fs.openSync(path, flags);
    try {
      fn(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  private fallocate(path: string, mode: number, offset: number, length: number): void {
    this.withFd(path, 'r+', (fd) => this.fs.fallocateSync(fd, mode, offset, length));
  }

  /** clone/dedupe: SRC open for reading, DST for writing (the ioctls' requirements). */
  /** Source first: a directory source is EISDIR before the destination is looked at. */
  private pair(src: string, dst: string, fn: (srcFd: number, dstFd: number) => void): void {
    this.withFd(src, 'r', (s) => {
      if (this.fs.fstatSync(s).isDirectory()) throw fsError('EISDIR', 'ioctl', { path: src });
      this.withFd(dst, 'r+', (d) => fn(s, d));
    });
  }

  /**
   * FICLONE of a whole file: DST is created or truncated and shares SRC's blocks, in one commit.
   * ioctl_ficlone of a file onto itself is EINVAL (copyFile would silently do nothing).
   */
  private reflink(src: string, dst: string): void {
    const s = this.fs.statSync(src)!;
    if (s.isFile() && this.sameFile(s.ino, dst)) throw fsError('EINVAL', 'ioctl', { path: src, dest: dst });
    this.fs.copyFileSync(src, dst, COPYFILE_FICLONE_FORCE);
  }

  private sameFile(ino: number, path: string): boolean {
    try {
      return this.fs.statSync(path, { throwIfNoEntry: false })?.ino === ino;
    } catch {
      return false; // copyFileSync reports what is wrong with the path
    }
  }
}
