/**
 * FsCore: a mounted filesystem's engine, below the node:fs-shaped API.
 *
 * Interface:
 *   commit(opcode, items, reserved)   make one operation atomic and durable (MetaLog protocol),
 *                                     then apply it to the in-memory state
 *   reserve(blocks, goal, …, out)     data blocks for a transaction, or ENOSPC
 *   storeData(pblk, bytes)            new data into reserved blocks: stored and flushed, the
 *                                     commit's first fence makes it durable
 *   checkpoint()                      write a checkpoint image; the log starts over (unloaded
                                    inodes' groups are copied from the current image)
 *   get / need (inode lookup), guard (seals), faults (injected bugs, crash campaigns only)
 *
 * Everything is synchronous and single-threaded: an operation runs to completion (including
 * its commit) before the next starts, which is what makes "atomic when it returns" simple.
 */
import { fsError } from '../../errno/index.js';
import { LINE, type PmemDevice } from '../../pmem/index.js';
import type { BlockSpace, Extent } from '../alloc/index.js';
import { BLOCK, REC, RecordScratch, crc32c, encodeRecord, type Item, type Opcode, type Superblock } from '../format/index.js';
import { CheckpointStore, type FaultSet, MetaLog } from '../log/index.js';
import { buildImage } from './image-writer.js';
import type { Inode } from './inode.js';
import { NO_GUARD, type MapGuard } from './map-guard.js';
import { MetaState } from './meta-state.js';

export interface CoreParts {
  dev: PmemDevice;
  sb: Superblock;
  log: MetaLog;
  store: CheckpointStore;
  meta: MetaState;
  faults: FaultSet;
  readOnly: boolean;
  /** Payload bytes of the checkpoint image mounted from. */
  checkpointBytes: number;
}

export class FsCore {
  readonly dev: PmemDevice;
  readonly sb: Superblock;
  readonly log: MetaLog;
  readonly store: CheckpointStore;
  readonly meta: MetaState;
  readonly faults: FaultSet;
  readonly readOnly: boolean;
  guard: MapGuard = NO_GUARD;
  /** Where each commit's record is framed (no allocation per operation). */
  private readonly scratch = new RecordScratch();
  /** Payload bytes of the current checkpoint image. */
  private checkpointBytes: number;

  constructor(p: CoreParts) {
    this.dev = p.dev;
    this.sb = p.sb;
    this.log = p.log;
    this.store = p.store;
    this.meta = p.meta;
    this.faults = p.faults;
    this.readOnly = p.readOnly;
    this.checkpointBytes = p.checkpointBytes;
  }

  get space(): BlockSpace {
    return this.meta.space;
  }

  get(ino: number): Inode | undefined {
    return this.meta.get(ino);
  }

  /**
   * Blocks held back from data allocation so a checkpoint always fits. An upper bound, derived
   * rather than tracked: no record can grow the image by more than twice its own size (an item
   * adds at most its own bytes to a group, plus, for a MAP item that splits a run of equal
   * refcount, two 16-byte runs to the space map; a new inode adds a 16-byte group header and a
   * 16-byte index entry, less than the record's header and the parent's INODE item). So the
   * next image is at most the current one plus twice the log written since (the log is <= 1/32
   * of the device), plus a header block and a block of rounding.
   */
  get metaReserve(): number {
    return 2 + Math.ceil((this.checkpointBytes + 2 * this.log.tail) / BLOCK);
  }

  /** Reserves `blocks` data blocks near `goal`, pushing the extents onto `out`; or ENOSPC. */
  reserve(blocks: number, goal: number, syscall: string, path: string | undefined, out: Extent[]): void {
    if (this.readOnly) throw fsError('EROFS', syscall, { path });
    if (!this.space.reserve(blocks, goal, this.metaReserve, out)) throw fsError('ENOSPC', syscall, { path });
  }

  storeData(pblk: number, bytes: Uint8Array): void {
    const off = pblk * BLOCK;
    this.dev.write(off, bytes);
    // Injected bug (crash campaigns): the range's last cache line is never flushed, so the
    // commit's fence leaves it volatile (Chipmunk's "missing flush of an edge line").
    const len = this.faults.has('no-flush-edge-line') ? Math.max(0, bytes.length - LINE) : bytes.length;
    this.dev.flush(off, len);
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
    let record = this.encodeRecord(items, opcode);
    if (!this.log.room(record.length)) {
      this.checkpointOrFail(record.length, reserved, syscall);
      // The checkpoint began a new generation: the record must carry it (and its seq), or
      // replay rejects it as "from another generation" after a crash.
      record = this.encodeRecord(items, opcode);
    }
    this.log.append(record);
    this.meta.apply(items);
  }

  /** Writes a checkpoint image so the log can start over. Returns false if space is short. */
  checkpoint(): boolean {
    if (this.readOnly) return false;
    const next = buildImage(this.meta, this.store.blocks);
    this.dev.label('checkpoint');
    if (!this.store.write(next.payload, next.top, this.space, this.log)) return false;
    // Past the commit point the old image's blocks are free: unloaded inodes now live in the
    // new one (their groups were copied into it), before anything can reuse those blocks.
    this.meta.rebaseImage(this.store.image!, next.state);
    this.checkpointBytes = next.payload.length;
    return true;
  }

  private encodeRecord(items: readonly Item[], opcode: Opcode): Uint8Array {
    // Framed in the reused scratch: the log copies the record into the device at once.
    const record = encodeRecord(items, this.log.generation, this.log.seq, opcode, this.scratch);
    if (this.faults.has('crc-before-last-field')) {
      // Injected bug (crash campaigns): the checksum was taken while seq was still 0, and seq is
      // written after it, so replay finds every record with seq > 0 corrupt.
      const v = new DataView(record.buffer, record.byteOffset, record.byteLength);
      v.setUint32(REC.seq, 0, true);
      v.setUint32(REC.crc, 0, true);
      v.setUint32(REC.crc, crc32c(record, 0, record.length), true);
      v.setUint32(REC.seq, this.log.seq, true);
    }
    return record;
  }

  private checkpointOrFail(bytes: number, reserved: readonly Extent[], syscall: string): void {
    const ok = this.checkpoint();
    if (ok && this.log.room(bytes)) return;
    this.space.unreserve(reserved);
    throw fsError('ENOSPC', syscall, { detail: ok ? 'operation too large for the metadata log' : 'no room for a checkpoint' });
  }
}
