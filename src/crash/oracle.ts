/**
 * Oracle: what a crash inside operation k may leave (PRIMER section 4). After a crash while op k
 * was in flight (ops 1..k-1 returned), the recovered tree must equal the model's tree before op
 * k or after it, except in the bytes the model calls uncertain.
 *
 * Interface:
 *   const o = new Oracle(model)      state 0: the model before the first op
 *   o.inPlace(op, model)             before applying op to the model: note the bytes a write
 *                                    into a sealed range stores in place (may be torn)
 *   o.push(model)                    after op k (k = 1, 2, ...): record the model's state
 *   o.judge(tree, k, settled?)       null if `tree` is an acceptable recovery for a crash in op k
 *                                    (k = 0: before the first op; k > ops: after the last;
 *                                    settled: op k had returned, e.g. the cleaner ran after it,
 *                                    so only the state after k is valid), else the differences
 *
 * Uncertain bytes: DAX stores not yet msync'ed (model.uncertain()), in both candidates; and a
 * write into a range a seal or a mapping pins, which pmemfs does in place and persists before
 * its commit:
 * those bytes (within the old EOF, in every name of the inode) are uncertain in the "before"
 * candidate, at 8-byte granularity in reality, here conservatively byte-wise.
 */
import { type Model } from './model.js';
import { BLOCK } from './model-data.js';
import { addRange, type RangeSet } from './range-set.js';
import { diffTrees, firstDifference, type Tree, type Xattrs } from './tree.js';
import type { OpBody } from './workload.js';

type Uncertain = ReadonlyMap<string, RangeSet>;

interface Snapshot {
  tree: Tree;
  uncertain: Uncertain;
}

/** Lines of a difference report per candidate. */
const DIFF_LIMIT = 12;

export class Oracle {
  private readonly states: Snapshot[] = [];
  /** Extra uncertain bytes of the "before" candidate of op k (sealed in-place writes). */
  private readonly torn = new Map<number, Uncertain>();

  constructor(initial: Model) {
    this.push(initial);
  }

  /** Number of ops recorded. */
  get ops(): number {
    return this.states.length - 1;
  }

  push(model: Model): void {
    this.states.push({ tree: model.tree(), uncertain: model.uncertain() });
  }

  /** Call before applying op k+1 to the model (k = this.ops). */
  inPlace(op: OpBody, model: Model): void {
    if (op.kind !== 'write' || op.length === 0) return;
    const ranges = sealedWriteRanges(op, model);
    if (ranges !== null) this.torn.set(this.ops + 1, ranges);
  }

  tree(k: number): Tree {
    return this.snapshot(k).tree;
  }

  judge(tree: Tree, k: number, settled = false): string[] | null {
    const { before, after } = this.candidates(k, settled);
    if (sameTree(after.tree, tree, after.uncertain) || (after !== before && sameTree(before.tree, tree, before.uncertain))) return null;
    const full = (s: Snapshot) => diffTrees(s.tree, tree, { uncertain: s.uncertain, limit: DIFF_LIMIT });
    if (after === before) return full(before).map((l) => `vs the only valid state: ${l}`);
    return [...full(after).map((l) => `vs after: ${l}`), ...full(before).map((l) => `vs before: ${l}`)];
  }

  private snapshot(k: number): Snapshot {
    return this.states[Math.max(0, Math.min(k, this.states.length - 1))]!;
  }

  private candidates(k: number, settled: boolean): { before: Snapshot; after: Snapshot } {
    if (k <= 0 || k > this.ops || settled) {
      const s = this.snapshot(k);
      return { before: s, after: s };
    }
    const prev = this.snapshot(k - 1);
    const torn = this.torn.get(k);
    const before = torn === undefined ? prev : { tree: prev.tree, uncertain: mergeUncertain(prev.uncertain, torn) };
    return { before, after: this.snapshot(k) };
  }
}

/**
 * diffTrees(expected, actual, { uncertain }).length === 0, fast: native byte comparison where
 * no byte is uncertain (this runs once or twice per crash state).
 */
export function sameTree(expected: Tree, actual: Tree, uncertain: Uncertain): boolean {
  if (expected.size !== actual.size) return false;
  for (const [path, e] of expected) {
    const a = actual.get(path);
    if (a === undefined || a.type !== e.type || !sameXattrs(e.xattrs, a.xattrs)) return false;
    if (e.type === 'symlink' && a.type === 'symlink' && e.target !== a.target) return false;
    if (e.type !== 'file' || a.type !== 'file') continue;
    if (e.size !== a.size || e.nlink !== a.nlink || e.group !== a.group) return false;
    const u = uncertain.get(path);
    if (u === undefined || u.length === 0 ? !bytesEqual(e.data, a.data) : firstDifference(e.data, a.data, u) >= 0) return false;
  }
  return true;
}

function sameXattrs(a: Xattrs, b: Xattrs): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/**
 * For a write into blocks a seal or mapping pins (pmemfs pins whole 4 KiB blocks: every block a
 * sealed or mapped range touches): the bytes it stores in place, within the old EOF, in every
 * name of the inode; null when it pins nothing.
 */
function sealedWriteRanges(op: { path: string; offset: number; length: number }, model: Model): Uncertain | null {
  let ino: number;
  let size: number;
  try {
    const st = model.stat(op.path);
    if (st.type !== 'file') return null;
    ino = st.ino;
    size = st.size;
  } catch {
    return null;
  }
  const end = Math.min(op.offset + op.length, size);
  let torn: RangeSet = [];
  const pin = (from: number, to: number): void => {
    const s = Math.max(op.offset, Math.floor(from / BLOCK) * BLOCK);
    const e = Math.min(end, Math.ceil(to / BLOCK) * BLOCK);
    if (s < e) torn = addRange(torn, s, e);
  };
  for (const s of model.seals()) if (s.ino === ino) pin(s.range?.start ?? 0, s.range?.end ?? Infinity);
  for (const m of model.mappings()) if (m.ino === ino) pin(m.offset, m.offset + m.length);
  if (torn.length === 0) return null;
  const out = new Map<string, RangeSet>();
  for (const [path, e] of model.tree()) if (e.type === 'file' && model.lstat(path).ino === ino) out.set(path, torn);
  return out;
}

function mergeUncertain(a: Uncertain, b: Uncertain): Uncertain {
  const out = new Map(a);
  for (const [path, ranges] of b) {
    let cur = out.get(path) ?? [];
    for (const [s, e] of ranges) cur = addRange(cur, s, e);
    out.set(path, cur);
  }
  return out;
}
