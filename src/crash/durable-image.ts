/**
 * DurableImage: the durable media at the current crash point of a TraceReplay, kept up to date
 * incrementally, and readable as the base of crash-state devices (PmemDevice.overlay).
 *
 * Interface:
 *   const img = new DurableImage(trace.base, mode)
 *   img.sync(replay.durableLines)  -> Map line -> word mask: what changed since the last sync
 *   img.read(offset, target)        ByteSource: the base snapshot plus every durable line
 *   img.wordDiff(line, data)        8-bit mask of the 8-byte words where `data` (one line)
 *                                   differs from the image
 *   img.device(lines)               a crash-state device: this image plus a state's lines
 *
 * Why: TraceReplay.materialize() reloads every durable line into a fresh overlay per state
 * (cost ~ lines written since the trace began); this image pays that once per crash point, so a
 * state costs what its own lines cost. Masks are the unit of the equivalence pruning in
 * state-space.ts: a word is 8 bytes, the failure-atomic unit, so a line has 8 of them.
 *
 * Invariant: between syncs the image is read-only (devices built on it may be alive); crash
 * points are visited in increasing order (the durable map only grows and changes).
 */
import { LINE, PAGE, PmemDevice, WORD, readPaged, type ByteSource, type PmemMode } from '../pmem/index.js';

export const WORDS_PER_LINE = LINE / WORD;

export class DurableImage implements ByteSource {
  readonly size: number;
  readonly mode: PmemMode;
  private readonly base: ByteSource;
  private readonly pages = new Map<number, Uint8Array>();
  /** The durable array last seen per line (identity: the replay replaces, never mutates, in ADR). */
  private readonly seen = new Map<number, Uint8Array>();

  constructor(base: ByteSource, mode: PmemMode) {
    this.base = base;
    this.size = base.size;
    this.mode = mode;
  }

  sync(durable: ReadonlyMap<number, Uint8Array>): Map<number, number> {
    const changed = new Map<number, number>();
    const inPlace = this.mode === 'eadr'; // eADR replay edits durable lines in place
    for (const [line, data] of durable) {
      if (!inPlace && this.seen.get(line) === data) continue;
      this.seen.set(line, data);
      const mask = this.wordDiff(line, data);
      if (mask === 0) continue;
      changed.set(line, mask);
      const off = line * LINE;
      const page = this.writablePage(Math.floor(off / PAGE));
      page.set(data, off % PAGE);
    }
    return changed;
  }

  read(offset: number, target: Uint8Array): void {
    readPaged(offset, target, (p) => this.pages.get(p), this.base);
  }

  wordDiff(line: number, data: Uint8Array): number {
    const off = line * LINE;
    const p = Math.floor(off / PAGE);
    const own = this.pages.get(p);
    let cur: Uint8Array;
    if (own !== undefined) cur = own.subarray(off % PAGE, off % PAGE + LINE);
    else {
      cur = new Uint8Array(LINE);
      this.base.read(off, cur);
    }
    let mask = 0;
    for (let w = 0; w < WORDS_PER_LINE; w++) {
      for (let i = w * WORD; i < (w + 1) * WORD; i++) {
        if (cur[i] !== data[i]) {
          mask |= 1 << w;
          break;
        }
      }
    }
    return mask;
  }

  /**
   * A device holding this image with `lines` (whole lines) on top: one crash state, to recover
   * and check. It runs in eADR mode whatever the trace's mode: nothing the check writes is ever
   * crashed, the filesystem never asks the mode, and eADR skips the write-pending bookkeeping
   * (whose per-device line map would cost O(device size) per state).
   */
  device(lines: ReadonlyMap<number, Uint8Array>): PmemDevice {
    const dev = PmemDevice.overlay(this, 'eadr');
    for (const [line, data] of lines) dev.loadDurable(line * LINE, data);
    return dev;
  }

  private writablePage(p: number): Uint8Array {
    let page = this.pages.get(p);
    if (page === undefined) {
      page = new Uint8Array(Math.min(PAGE, this.size - p * PAGE));
      this.base.read(p * PAGE, page);
      this.pages.set(p, page);
    }
    return page;
  }
}
