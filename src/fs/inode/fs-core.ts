/**
 * FsCore: a mounted filesystem's engine, below the node:fs-shaped API.
 *
 * Interface:
 *   commit(opcode, items, reserved)   make one operation atomic and durable (MetaLog protocol),
 *                                     then apply it to the in-memory state
 *   reserve(blocks, goal)             data blocks for a transaction, or ENOSPC
 *   storeData(pblk, bytes)            new data into reserved blocks: stored and flushed, the
 *                                     commit's first fence makes it durable
 *   checkpoint()                      write a checkpoint image; the log starts over
 *   get / need (inode lookup), guard (seals), faults (injected bugs, crash campaigns only)
 *
 * Everything is synchronous and single-threaded: an operation runs to completion (including
 * its commit) before the next starts, which is what makes "atomic when it returns" simple.
 */
import { fsError, type ErrorCode } from '../../errno/index.js';
import type { PmemDevice } from '../../pmem/index.js';
import type { BlockSpace, Extent } from '../alloc/index.js';
import { BLOCK, encodeItem, encodeRecord, itemBytes, type Item, type Opcode, type Superblock } from '../format/index.js';
import { CheckpointStore, MetaLog } from '../log/index.js';
import type { Inode } from './inode.js';
import { NO_GUARD, type MapGuard } from './map-guard.js';
import { MetaState } from './meta-state.js';

export interface CoreParts {
  dev: PmemDevice;
  sb: Superblock;
  log: MetaLog;
  store: CheckpointStore;
  meta: MetaState;
  faults: Set<string>;
  readOnly: boolean;
}

export class FsCore {
  readonly dev: PmemDevice;
  readonly sb: Superblock;
  readonly log: MetaLog;
  readonly store: CheckpointStore;
  readonly meta: MetaState;
  readonly faults: Set<string>;
  readonly readOnly: boolean;
  guard: MapGuard = NO_GUARD;
  /** Bytes the next checkpoint image will take, kept up to date cheaply (an estimate). */
  private metaBytes = 0;
  commits = 0;

  constructor(p: CoreParts) {
    this.dev = p.dev;
    this.sb = p.sb;
    this.log = p.log;
    this.store = p.store;
    this.meta = p.meta;
    this.faults = p.faults;
    this.readOnly = p.readOnly;
  }

  get space(): BlockSpace {
    return this.meta.space;
  }

  get(ino: number): Inode | undefined {
    return this.meta.get(ino);
  }

  /** Blocks held back from data allocation so a checkpoint always fits. */
  get metaReserve(): number {
    return 2 + Math.ceil((this.metaBytes * 1.25) / BLOCK);
  }

  reserve(blocks: number, goal: number, syscall: string, path?: string): Extent[] {
    if (this.readOnly) throw fsError('EROFS', syscall, { path });
    const got = this.space.reserve(blocks, goal, this.metaReserve);
    if (got === null) throw fsError('ENOSPC', syscall, { path });
    return got;
  }

  storeData(pblk: number, bytes: Uint8Array): void {
    const off = pblk * BLOCK;
    this.dev.write(off, bytes);
    this.dev.flush(off, bytes.length);
  }

  /**
   * Commits one operation. On return the operation is durable and applied; on a throw nothing
   * happened (the reserved blocks are given back).
   */
  commit(opcode: Opcode, items: readonly Item[], reserved: readonly Extent[] = [], syscall: string = opcode): void {
    if (items.length === 0) return;
    if (this.readOnly) {
      this.space.unreserve(reserved);
      throw fsError('EROFS', syscall);
    }
    this.dev.label(opcode);
    const record = encodeRecord(items, this.log.generation, this.log.seq, opcode);
    if (!this.log.room(record.length)) this.checkpointOrFail(record.length, reserved, syscall);
    this.log.append(record);
    this.meta.apply(items);
    this.commits++;
    for (const it of items) this.metaBytes += it.t === 'ifree' || it.t === 'unlink' || it.t === 'xdel' ? -16 : itemBytes(it) / 2;
    if (this.metaBytes < 0) this.metaBytes = 0;
  }

  /** Writes a checkpoint image so the log can start over. Returns false if space is short. */
  checkpoint(): boolean {
    if (this.readOnly) return false;
    const payload = this.encodeState();
    this.metaBytes = payload.length;
    this.dev.label('checkpoint');
    return this.store.write(payload, this.space, this.log);
  }

  fail(code: ErrorCode, syscall: string, path?: string, detail?: string): never {
    throw fsError(code, syscall, { path, detail });
  }

  private checkpointOrFail(bytes: number, reserved: readonly Extent[], syscall: string): void {
    const ok = this.checkpoint();
    if (ok && this.log.room(bytes)) return;
    this.space.unreserve(reserved);
    throw fsError('ENOSPC', syscall, { detail: ok ? 'operation too large for the metadata log' : 'no room for a checkpoint' });
  }

  private encodeState(): Uint8Array {
    let size = 0;
    for (const it of this.meta.checkpointItems()) size += itemBytes(it);
    const bytes = new Uint8Array(size);
    const v = new DataView(bytes.buffer);
    let pos = 0;
    for (const it of this.meta.checkpointItems()) pos = encodeItem(v, bytes, pos, it);
    return bytes;
  }
}
