/**
 * ReadSet: which 8-byte words of the device a check read, for equivalence pruning.
 *
 * Interface:
 *   const reads = new ReadSet(); reads.watch(dev)   every read through dev is recorded
 *   reads.touches(masks)                            does any (line -> word mask) hit a read word?
 *
 * Soundness (docs/CRASH-TESTING.md, "Equivalence pruning"): recovery, fsck, the tree walk and the
 * usability probe are a deterministic function of the bytes they read from the device (nothing
 * else enters: no clock or randomness decides a branch). So if crash state B differs from a
 * checked state A only in words A's check never read, B's check reads exactly what A's read, in
 * the same order, and reaches the same verdict. Writes made during the check are not reads, and
 * bytes read after the check wrote them are still recorded (conservative).
 *
 * watch() wraps the device's read entry points on that one instance (read() goes through
 * readInto(); a DAX view is recorded whole when it is taken). The device is a private crash-state
 * device that nothing else uses.
 */
import { WORD, type PmemDevice } from '../pmem/index.js';

const FULL = 0xff;

export class ReadSet {
  private readonly words = new Map<number, number>();

  add(offset: number, length: number): void {
    if (length <= 0) return;
    const firstWord = Math.floor(offset / WORD);
    const lastWord = Math.floor((offset + length - 1) / WORD);
    let w = firstWord;
    while (w <= lastWord) {
      const line = Math.floor(w / 8);
      const from = w - line * 8;
      const to = Math.min(7, lastWord - line * 8);
      const mask = from === 0 && to === 7 ? FULL : ((1 << (to + 1)) - 1) & ~((1 << from) - 1);
      const cur = this.words.get(line);
      if (cur !== FULL) this.words.set(line, (cur ?? 0) | mask);
      w = (line + 1) * 8;
    }
  }

  touches(masks: ReadonlyMap<number, number>): boolean {
    for (const [line, mask] of masks) {
      const r = this.words.get(line);
      if (r !== undefined && (r & mask) !== 0) return true;
    }
    return false;
  }

  /** Lines with at least one word read. */
  get lines(): number {
    return this.words.size;
  }

  watch(dev: PmemDevice): void {
    const readInto = dev.readInto.bind(dev);
    const view = dev.view.bind(dev);
    const peek = dev.peek.bind(dev);
    const readDurable = dev.readDurable.bind(dev);
    dev.readInto = (offset: number, target: Uint8Array): void => {
      this.add(offset, target.length);
      readInto(offset, target);
    };
    dev.view = (offset: number, length: number): Uint8Array => {
      this.add(offset, length);
      return view(offset, length);
    };
    dev.peek = (offset: number, length: number): Uint8Array => {
      this.add(offset, length);
      return peek(offset, length);
    };
    dev.readDurable = (offset: number, length: number): Uint8Array => {
      this.add(offset, length);
      return readDurable(offset, length);
    };
  }
}
