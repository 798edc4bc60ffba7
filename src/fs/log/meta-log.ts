/**
 * MetaLog: the metadata log region and the commit word that ends it.
 *
 * Interface:
 *   append(record)      make one transaction durable (the commit protocol below)
 *   room(bytes)         whether a record of that size fits before the next checkpoint
 *   restart(generation) the log begins anew after a checkpoint (checkpoint-store.ts)
 *   readCommitted(dev, sb, word) -> the committed bytes of the log, for replay at mount
 *
 * Commit protocol of a transaction (ADR; in eADR the flushes and fences order nothing):
 *   1. the caller stores its new data blocks and flushes them (never fenced yet);
 *   2. the record is stored at the tail and flushed;
 *   3. fence                          -> data and record durable, not yet committed
 *   4. commit word := (gen, tail + length), one aligned 8-byte store, flushed
 *   5. fence                          -> COMMIT POINT: recovery replays the record
 * A crash before 5 leaves the commit word at the old tail: recovery ignores the record and the
 * data blocks, which are free in the recovered state. A crash after 5 replays it in full.
 *
 * Fault injection (crash campaigns' `--inject`) reaches here through `faults` (faults.ts: a
 * check costs one field load when nothing is injected).
 */
import type { PmemDevice } from '../../pmem/index.js';
import { BLOCK, SB, encodeCommitWord, type CommitWord, type Superblock } from '../format/index.js';
import type { FaultSet } from './faults.js';

export type LogFault = 'no-fence-before-commit' | 'split-tail-update';

export class MetaLog {
  private readonly dev: PmemDevice;
  readonly start: number; // byte offset of the log region
  readonly capacity: number; // bytes
  generation: number;
  tail: number;
  seq = 0;
  readonly faults: FaultSet;
  private readonly wordBuf = new Uint8Array(8);

  constructor(dev: PmemDevice, sb: Superblock, word: CommitWord, faults: FaultSet) {
    this.dev = dev;
    this.start = sb.logStart * BLOCK;
    this.capacity = sb.logBlocks * BLOCK;
    this.generation = word.generation;
    this.tail = word.tail;
    this.faults = faults;
  }

  room(bytes: number): boolean {
    return this.tail + bytes <= this.capacity;
  }

  append(record: Uint8Array): void {
    const at = this.start + this.tail;
    this.dev.write(at, record);
    this.dev.flush(at, record.length);
    if (!this.faults.has('no-fence-before-commit')) this.dev.fence();
    // Data and record are durable; nothing refers to them yet.
    this.tail += record.length;
    this.seq++;
    this.writeCommitWord({ generation: this.generation, tail: this.tail });
    // COMMIT POINT: the record is part of the filesystem from here on.
  }

  /** Stores and persists the commit word: one failure-atomic 8-byte store. */
  writeCommitWord(word: CommitWord): void {
    const bytes = encodeCommitWord(word, this.wordBuf);
    if (this.faults.has('split-tail-update')) {
      // Injected bug: two 4-byte stores may be written back separately and tear the word.
      this.dev.write(SB.commitWord, bytes.subarray(0, 4));
      this.dev.write(SB.commitWord + 4, bytes.subarray(4, 8));
    } else {
      this.dev.write(SB.commitWord, bytes);
    }
    this.dev.persist(SB.commitWord, 8);
  }

  restart(generation: number): void {
    this.generation = generation;
    this.tail = 0;
    this.seq = 0;
  }

  /** The committed part of the log, read in one copy. */
  static readCommitted(dev: PmemDevice, sb: Superblock, word: CommitWord): Uint8Array {
    return dev.read(sb.logStart * BLOCK, word.tail);
  }
}
