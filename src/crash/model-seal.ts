/**
 * Seals in the reference model (PRIMER.md section 3): which operations a held seal refuses.
 *
 * An operation describes what it would change in each file it touches as a Touch: the byte range
 * [start, end) whose offset → block relationship it may change (end may be Infinity: collapse and
 * insert move everything after the offset), and whether it changes the size. Then:
 *
 *   whole-file seal   conflicts with any size change and any non-empty touched range
 *   range seal        conflicts with a touched range that overlaps the sealed range
 *   fail mode         a conflict refuses the operation with ETXTBSY, and nothing changes
 *   lease mode        never refuses: the conflicting operation breaks the lease (the seal is
 *                     marked revoked and refuses nothing more; `unseal` still releases it)
 *
 * The Touch each operation reports is documented at its call site; in short: a write within EOF
 * touches nothing (sealed ranges are written in place); a write past EOF touches [size, end);
 * truncate touches [min(old,new), max(old,new)); every fallocate mode touches its range (and the
 * size change); collapse/insert touch [offset, ∞); reflink touches all of both files;
 * clone/dedupe touch their source and destination ranges.
 *
 * Interface: `checkSeals(s, touches, syscall, path)`, the Touch builders, `seal`, `unseal`.
 * Callers check seals last, after every other validation, so a refused or failed operation
 * never breaks a lease.
 */
import { dropIfOrphan, type FileNode, type Mapping, type ModelState, type Seal } from './model-node.js';
import { settleRevoked } from './model-alias.js';
import { fail, resolveNode } from './model-path.js';
import { overlaps } from './range-set.js';
import type { SealMode } from './workload.js';

export interface Touch {
  ino: number;
  start: number;
  end: number;
  resize: boolean;
  /** The file is only read as the source of a remap: its own block map does not change. */
  source?: boolean;
}

function conflicts(seal: Seal, t: Touch): boolean {
  if (seal.revoked || seal.ino !== t.ino) return false;
  if (seal.range === undefined) return t.resize || t.start < t.end;
  return overlaps(seal.range.start, seal.range.end, t.start, t.end);
}

/** Refuse with ETXTBSY if a fail-mode seal conflicts; otherwise break conflicting leases. */
export function checkSeals(s: ModelState, touches: readonly Touch[], syscall: string, path: string): void {
  const hits = s.seals.filter((seal) => touches.some((t) => conflicts(seal, t)));
  if (hits.some((h) => h.mode === 'fail')) fail('ETXTBSY', syscall, path);
  for (const h of hits) h.revoked = true;
  // A plain mapping pins its range too; a change to that range's block map revokes it. A remap
  // source keeps its blocks (the filesystem copies pinned blocks instead of sharing them).
  const newly: Mapping[] = [];
  for (const m of s.maps.values()) {
    if (m.revoked === true) continue;
    if (touches.some((t) => t.source !== true && t.ino === m.ino && t.start < t.end && overlaps(m.offset, m.offset + m.length, t.start, t.end))) {
      m.revoked = true;
      newly.push(m);
    }
  }
  // Which blocks the revoked views still share with their files, now that this op's
  // revocations are all done (the filesystem moves a file off a block when its last pin goes).
  if (hits.length > 0 || newly.length > 0) settleRevoked(s, newly);
}

/** A size change from f.size to `size` (truncate, O_TRUNC). */
export function resizeTouch(f: FileNode, size: number): Touch {
  return { ino: f.ino, start: Math.min(f.size, size), end: Math.max(f.size, size), resize: f.size !== size };
}

/** A write of [offset, end): in place below EOF, so only the extension past EOF counts. */
export function writeTouch(f: FileNode, offset: number, end: number): Touch {
  if (end <= f.size || offset === end) return { ino: f.ino, start: 0, end: 0, resize: false };
  return { ino: f.ino, start: f.size, end, resize: true };
}

/** A map change over [offset, end) that also sets the size to `end` when `grows`. */
export function rangeTouch(f: FileNode, offset: number, end: number, grows: boolean): Touch {
  const resize = grows && end > f.size;
  return { ino: f.ino, start: resize ? Math.min(offset, f.size) : offset, end, resize };
}

/** `seal P [OFF LEN] [fail|lease]`: the seal is named P; a second one of that name is EBUSY. */
export function seal(s: ModelState, path: string, range: { offset: number; length: number } | undefined, mode: SealMode): void {
  const n = resolveNode(s, path, 'seal');
  // The name is the runner's handle (it holds a descriptor per name): a taken name is EBUSY
  // before the filesystem looks at what the path now resolves to, as for mmap.
  if (s.seals.some((x) => x.holder.kind === 'seal' && x.holder.name === path)) fail('EBUSY', 'seal', path);
  if (n.kind !== 'file') fail('EINVAL', 'seal', path);
  if (range !== undefined && range.length === 0) fail('EINVAL', 'seal', path);
  const holder = { kind: 'seal', name: path } as const;
  const base: Seal = { ino: n.ino, holder, mode, revoked: false };
  s.seals.push(range === undefined ? base : { ...base, range: { start: range.offset, end: range.offset + range.length } });
}

/** `unseal P`: release the seal named P (revoked or not); EINVAL if there is none. */
export function unseal(s: ModelState, path: string): void {
  const i = s.seals.findIndex((x) => x.holder.kind === 'seal' && x.holder.name === path);
  const found = s.seals[i];
  if (found === undefined) return fail('EINVAL', 'unseal', path);
  s.seals.splice(i, 1);
  settleRevoked(s);
  dropIfOrphan(s, found.ino);
}

/** Active (unrevoked) seals, for tests and reports. */
export function activeSeals(s: ModelState): Seal[] {
  return s.seals.filter((x) => !x.revoked).map((x) => ({ ...x }));
}
