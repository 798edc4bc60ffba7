/**
 * Stores through a revoked mapping: which of them still reach the file (the model's side of the
 * filesystem's quarantine, docs/SEALS.md).
 *
 * A view maps physical blocks, and a store through it writes those blocks whatever the file
 * maps now. Revoking a mapping moves the file onto fresh copies of the blocks of the mapped
 * range, except the 4 KiB blocks that another live pin (an unrevoked seal, or another unrevoked
 * mapping, of the same inode) holds at that moment: the file keeps those, so the revoked view
 * still aliases them. The alias lasts while some live pin holds the block without a gap; when
 * the last holder goes (unseal, munmap, or its own revocation) the file moves off that block
 * too. A pin placed after the revocation holds the file's new blocks, never the view's, so it
 * adds nothing. Hence `Mapping.aliased`: fixed at revocation, then only ever shrinking.
 *
 * Interface:
 *   settleRevoked(s, newly)   after an operation's revocations: gives each newly revoked mapping
 *                             its aliased blocks and drops, for every revoked mapping, the blocks
 *                             no live pin holds any more (also after unseal and munmap)
 *   aliasedIn(m, offset, length)  the part of a byte range that a mapping's view shares with
 *                             the file: where its stores land in the file (mwrite) and what its
 *                             msync makes certain (model-mapping.ts)
 */
import { PAGE } from '../pmem/index.js';
import type { Mapping, ModelState } from './model-node.js';
import { addRange, sliceRanges, type RangeSet } from './range-set.js';

const down = (n: number) => Math.floor(n / PAGE) * PAGE;
const up = (n: number) => (n === Infinity ? Infinity : Math.ceil(n / PAGE) * PAGE);

/** The blocks of `ino` that a live pin holds, as block-aligned byte ranges. */
function heldBlocks(s: ModelState, ino: number): RangeSet {
  let held: RangeSet = [];
  for (const x of s.seals) {
    if (x.ino !== ino || x.revoked) continue;
    held = x.range === undefined ? addRange(held, 0, Infinity) : addRange(held, down(x.range.start), up(x.range.end));
  }
  for (const m of s.maps.values()) {
    if (m.ino === ino && m.revoked !== true) held = addRange(held, down(m.offset), up(m.offset + m.length));
  }
  return held;
}

function intersect(a: RangeSet, b: RangeSet): RangeSet {
  let out: RangeSet = [];
  for (const [from, to] of b) for (const r of sliceRanges(a, from, to - from, from)) out = addRange(out, r[0], r[1]);
  return out;
}

export function settleRevoked(s: ModelState, newly: readonly Mapping[] = []): void {
  for (const m of newly) m.aliased = [[down(m.offset), up(m.offset + m.length)]];
  for (const m of s.maps.values()) {
    if (m.revoked === true && m.aliased !== undefined && m.aliased.length > 0) m.aliased = intersect(m.aliased, heldBlocks(s, m.ino));
  }
}

export function aliasedIn(m: Mapping, offset: number, length: number): RangeSet {
  if (m.revoked !== true) return length > 0 ? [[offset, offset + length]] : [];
  return sliceRanges(m.aliased ?? [], offset, length, offset);
}
