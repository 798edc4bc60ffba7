/**
 * Crash-state enumeration from a trace: the API the crash harness drives.
 *
 * Interface:
 *   const r = new TraceReplay(trace)
 *   r.points('fence' | 'store')      crash points: "events[0..index) happened, then power failed":
 *                                     'fence' = just before each fence (what it would make durable
 *                                     is in flight) and the end of the trace; 'store' adds a point
 *                                     just after each store
 *   r.seek(point)                     replay forward (or restart) to that point
 *   r.states(policy)                  the distinct media states at the point, deduplicated
 *   r.materialize(state)              a PmemDevice holding that state (copy-on-write over the
 *                                     trace's base snapshot: cost ~ lines changed, not device size)
 *   r.durableLines                    the durable lines at the current point (incremental use)
 *
 * Replay keeps, per line touched since the base: its durable contents, its current contents,
 * and its pending history: the 8-byte-aligned sub-stores since it was last durable (each marked
 * cached or non-temporal), and the snapshot taken by the last flush. A fence makes durable each
 * line's flush snapshot plus its later non-temporal sub-stores (an ntstore persists its own
 * bytes only), and keeps pending the cached sub-stores the flush did not cover, minus the bytes
 * a later ntstore overwrote. Prefix enumeration orders a line's ntstores with its cached stores.
 * Policies (docs/CRASH-TESTING.md):
 *   strict    durable only
 *   chipmunk  durable + every subset of at most `bound` in-flight *stores* (flushed or
 *             nt-stored): all lines a store wrote go together, as Chipmunk's in-flight writes
 *             do, so a 128 KiB data write is one unit, not 2,048 (tearing is prefix's job)
 *   vinter    every subset of pending lines if at most `max` (4), else `samples` (20) random
 *   prefix    each pending line at each in-order prefix of its sub-stores, others durable
 *   random    `count` states, each line at a random prefix
 */
import { assert, unreachable } from '../errno/index.js';
import { PmemDevice } from './device.js';
import { LINE, WORD, eachPiece } from './geometry.js';
import { prng } from './prng.js';
import type { Trace } from './trace.js';

export type CrashPointKind = 'fence' | 'store';

export interface CrashPoint {
  /** Number of trace events applied before the crash. */
  index: number;
  /** Position among the points of its kind, from 0. */
  ordinal: number;
  /** The last label recorded before the point (the operation in flight or just finished). */
  label: string | null;
}

export type StatePolicy =
  | { kind: 'strict' }
  | { kind: 'chipmunk'; bound: number }
  | { kind: 'vinter'; max?: number; samples?: number; seed: number }
  | { kind: 'prefix' }
  | { kind: 'random'; count: number; seed: number };

export interface CrashState {
  point: CrashPoint;
  /** Lines whose contents differ from the durable state at the point. */
  lines: Map<number, Uint8Array>;
  /** Human-readable choice, for reproducers: "strict", "lines 12,40 flushed", ... */
  choice: string;
}

interface SubStore {
  at: number; // byte offset inside the line
  data: Uint8Array; // at most WORD bytes, never crossing a WORD boundary
  nt: boolean; // a non-temporal store: durable at the next fence with no flush
}

interface History {
  subs: SubStore[];
  flushed: { count: number; data: Uint8Array } | null;
}

export class TraceReplay {
  readonly trace: Trace;
  private applied = 0;
  private durable = new Map<number, Uint8Array>();
  /** Per line, the trace index of the store (or view-capturing flush) that last wrote it. */
  private writer = new Map<number, number>();
  private current = new Map<number, Uint8Array>();
  private pending = new Map<number, History>();
  private lastLabel: string | null = null;

  constructor(trace: Trace) {
    this.trace = trace;
  }

  points(kind: CrashPointKind): CrashPoint[] {
    const out: CrashPoint[] = [];
    let label: string | null = null;
    const ev = this.trace.events;
    const add = (index: number): void => {
      if (out.length === 0 || out[out.length - 1]!.index !== index) out.push({ index, ordinal: out.length, label });
    };
    for (let i = 0; i < ev.length; i++) {
      const e = ev[i]!;
      if (e.kind === 'label') label = e.text;
      // Before the fence, not after: after it nothing it ordered is in flight any more.
      if (e.kind === 'fence') add(i);
      else if (kind === 'store' && (e.kind === 'store' || e.kind === 'ntstore')) add(i + 1);
    }
    add(ev.length);
    return out;
  }

  seek(point: CrashPoint): void {
    if (point.index < this.applied) this.reset();
    const ev = this.trace.events;
    while (this.applied < point.index) this.apply(ev[this.applied++]!);
  }

  /**
   * The durable contents of every line changed since the trace's base, at the current point
   * (read-only; an incremental materializer diffs it between points). In ADR mode a changed
   * line gets a new array, so identity tells what changed; in eADR arrays are edited in place.
   */
  get durableLines(): ReadonlyMap<number, Uint8Array> {
    return this.durable;
  }

  /** Pending lines at the current point, and how many of them are in flight (flushed or nt-stored). */
  get pendingLines(): number {
    return this.pending.size;
  }

  get flushedLines(): number {
    let n = 0;
    for (const [line, h] of this.pending) if (this.inFlight(line, h) !== null) n++;
    return n;
  }

  *states(point: CrashPoint, policy: StatePolicy): Generator<CrashState> {
    this.seek(point);
    const seen = new Set<string>();
    for (const [lines, choice] of this.choices(policy)) {
      const key = this.keyOf(lines);
      if (seen.has(key)) continue;
      seen.add(key);
      yield { point, lines, choice };
    }
  }

  /** A device holding the state: base snapshot + durable lines + the state's lines. */
  materialize(state: CrashState): PmemDevice {
    assert(state.point.index === this.applied, 'materialize() of a state from another point');
    const dev = PmemDevice.overlay(this.trace.base, this.trace.mode);
    for (const [line, data] of this.durable) if (!state.lines.has(line)) dev.loadDurable(line * LINE, data);
    for (const [line, data] of state.lines) dev.loadDurable(line * LINE, data);
    return dev;
  }

  // --- the policies ------------------------------------------------------------------------

  private *choices(policy: StatePolicy): Generator<[Map<number, Uint8Array>, string]> {
    switch (policy.kind) {
      case 'strict':
        yield [new Map(), 'strict'];
        return;
      case 'chipmunk': {
        const inFlight = new Map<number, Uint8Array>();
        for (const [line, h] of this.pending) {
          const img = this.inFlight(line, h);
          if (img !== null) inFlight.set(line, img);
        }
        // Group in-flight lines by the store (trace event) that last wrote them.
        const units = new Map<number, number[]>();
        for (const line of inFlight.keys()) {
          const w = this.writer.get(line) ?? -1;
          const u = units.get(w);
          if (u === undefined) units.set(w, [line]);
          else u.push(line);
        }
        for (const subset of subsetsUpTo([...units.keys()], policy.bound)) {
          const lines = subset.flatMap((w) => units.get(w)!);
          const m = new Map(lines.map((l) => [l, inFlight.get(l)!] as const));
          yield [m, subset.length === 0 ? 'strict' : `in-flight stores ${subset.join(',')} (lines ${lines.join(',')})`];
        }
        return;
      }
      case 'vinter': {
        const lines = [...this.pending.keys()];
        const max = policy.max ?? 4;
        const all = (subset: number[]): [Map<number, Uint8Array>, string] => [
          new Map(subset.map((l) => [l, this.prefixOf(l, Infinity)] as const)),
          subset.length === 0 ? 'strict' : `pending lines ${subset.join(',')}`,
        ];
        if (lines.length <= max) {
          for (const subset of subsetsUpTo(lines, lines.length)) yield all(subset);
          return;
        }
        const r = prng(policy.seed ^ this.applied);
        yield all([]);
        for (let i = 0; i < (policy.samples ?? 20); i++) yield all(lines.filter(() => r.next() < 0.5));
        return;
      }
      case 'prefix':
        yield [new Map(), 'strict'];
        for (const [line, h] of this.pending) {
          for (let k = 1; k <= h.subs.length; k++) yield [new Map([[line, this.prefixOf(line, k)]]), `line ${line} prefix ${k}/${h.subs.length}`];
        }
        yield [new Map([...this.pending.keys()].map((l) => [l, this.prefixOf(l, Infinity)] as const)), 'all pending'];
        return;
      case 'random': {
        const r = prng(policy.seed ^ this.applied);
        for (let i = 0; i < policy.count; i++) {
          const m = new Map<number, Uint8Array>();
          const picks: string[] = [];
          for (const [line, h] of this.pending) {
            const k = r.int(h.subs.length + 1);
            if (k > 0) {
              m.set(line, this.prefixOf(line, k));
              picks.push(`${line}:${k}`);
            }
          }
          yield [m, picks.length === 0 ? 'strict' : `prefixes ${picks.join(',')}`];
        }
        return;
      }
      default:
        unreachable(policy, 'state policy');
    }
  }

  /** The line's durable contents with its first k pending sub-stores applied. */
  private prefixOf(line: number, k: number): Uint8Array {
    const out = this.durableLine(line).slice();
    const h = this.pending.get(line);
    if (h === undefined) return out;
    const n = Math.min(k, h.subs.length);
    for (let i = 0; i < n; i++) out.set(h.subs[i]!.data, h.subs[i]!.at);
    return out;
  }

  private keyOf(lines: Map<number, Uint8Array>): string {
    const parts: string[] = [];
    for (const line of [...lines.keys()].sort((a, b) => a - b)) {
      const data = lines.get(line)!;
      if (equalBytes(data, this.durableLine(line))) continue;
      parts.push(`${line}:${Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64')}`);
    }
    return parts.join('|');
  }

  // --- replay ------------------------------------------------------------------------------

  private reset(): void {
    this.writer = new Map();
    this.applied = 0;
    this.durable = new Map();
    this.current = new Map();
    this.pending = new Map();
    this.lastLabel = null;
  }

  private apply(e: Trace['events'][number]): void {
    switch (e.kind) {
      case 'label':
        this.lastLabel = e.text;
        return;
      case 'store':
        return this.store(e.offset, e.data, false);
      case 'ntstore':
        return this.store(e.offset, e.data, true);
      case 'flush':
        return this.flushLines(e.offset, e.offset + e.data.length, e.data);
      case 'fence':
        return this.fence();
      default:
        unreachable(e, 'trace event');
    }
  }

  private store(offset: number, data: Uint8Array, nt: boolean): void {
    eachPiece(offset, data.length, LINE, (line, at, pos, n) => {
      const piece = data.subarray(pos, pos + n);
      this.currentLine(line).set(piece, at);
      this.writer.set(line, this.applied - 1);
      if (this.trace.mode === 'eadr') this.durableLine(line, true).set(piece, at);
      else this.history(line).subs.push(...splitWords(at, piece, nt));
    });
  }

  /** A flush event: `data` holds the lines [start, end) as the device saw them (line-aligned). */
  private flushLines(start: number, end: number, data: Uint8Array): void {
    for (let off = start; off < end; off += LINE) {
      const line = off / LINE;
      const cur = this.currentLine(line);
      const seen = data.subarray(off - start, off - start + LINE);
      if (!equalBytes(seen, cur)) {
        // Stores made through a DAX view: they enter the history here, word by word.
        this.writer.set(line, this.applied - 1);
        for (let w = 0; w < LINE; w += WORD) {
          if (!equalBytes(seen.subarray(w, w + WORD), cur.subarray(w, w + WORD))) {
            if (this.trace.mode === 'adr') this.history(line).subs.push({ at: w, data: seen.slice(w, w + WORD), nt: false });
          }
        }
        cur.set(seen);
        if (this.trace.mode === 'eadr') this.durableLine(line, true).set(seen);
      }
      const h = this.pending.get(line);
      if (h !== undefined) h.flushed = { count: h.subs.length, data: cur.slice() };
    }
  }

  private fence(): void {
    for (const [line, h] of this.pending) {
      const img = this.inFlight(line, h);
      if (img === null) continue;
      this.durable.set(line, img);
      h.subs = survivors(h.subs.slice(h.flushed?.count ?? 0));
      h.flushed = null;
      if (h.subs.length === 0) this.pending.delete(line);
    }
  }

  /** What the next fence makes durable in the line (null: nothing of it is in flight). */
  private inFlight(line: number, h: History): Uint8Array | null {
    let out = h.flushed === null ? null : h.flushed.data.slice();
    for (let i = h.flushed?.count ?? 0; i < h.subs.length; i++) {
      const s = h.subs[i]!;
      if (!s.nt) continue;
      out ??= this.durableLine(line).slice();
      out.set(s.data, s.at);
    }
    return out;
  }

  private history(line: number): History {
    let h = this.pending.get(line);
    if (h === undefined) {
      h = { subs: [], flushed: null };
      this.pending.set(line, h);
    }
    return h;
  }

  private durableLine(line: number, forWrite = false): Uint8Array {
    let d = this.durable.get(line);
    if (d === undefined) {
      d = new Uint8Array(LINE);
      this.trace.base.read(line * LINE, d);
      if (forWrite) this.durable.set(line, d);
    }
    return d;
  }

  private currentLine(line: number): Uint8Array {
    let c = this.current.get(line);
    if (c === undefined) {
      c = this.durableLine(line).slice();
      this.current.set(line, c);
    }
    return c;
  }

  get label(): string | null {
    return this.lastLabel;
  }
}

/** A store's piece inside one line, cut at 8-byte boundaries: the failure-atomic units. */
function splitWords(at: number, piece: Uint8Array, nt: boolean): SubStore[] {
  const out: SubStore[] = [];
  eachPiece(at, piece.length, WORD, (_, __, pos, n) => out.push({ at: at + pos, data: piece.slice(pos, pos + n), nt }));
  return out;
}

/**
 * What stays pending in a line after a fence, given the sub-stores after its last flush: the
 * cached ones (ntstores are durable now), minus bytes that a *later* ntstore overwrote (the
 * older cached value can never be the one left on the media).
 */
function survivors(subs: SubStore[]): SubStore[] {
  const newerNt = new Uint8Array(LINE);
  const out: SubStore[] = [];
  for (let i = subs.length - 1; i >= 0; i--) {
    const s = subs[i]!;
    if (s.nt) {
      newerNt.fill(1, s.at, s.at + s.data.length);
      continue;
    }
    for (let j = s.data.length; j > 0; ) {
      if (newerNt[s.at + j - 1] === 1) {
        j--;
        continue;
      }
      let k = j;
      while (k > 0 && newerNt[s.at + k - 1] !== 1) k--;
      out.push({ at: s.at + k, data: s.data.slice(k, j), nt: false });
      j = k;
    }
  }
  return out.reverse();
}

function* subsetsUpTo(items: number[], k: number): Generator<number[]> {
  const pick: number[] = [];
  function* rec(start: number): Generator<number[]> {
    yield pick.slice();
    if (pick.length === k) return;
    for (let i = start; i < items.length; i++) {
      pick.push(items[i]!);
      yield* rec(i + 1);
      pick.pop();
    }
  }
  yield* rec(0);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
