/**
 * MapGuard: the question every map-changing path asks before it changes a file's
 * offset -> block relationship (the iomap seal check, STYLE 14). The seal table (fs/seal)
 * implements it; without seals the NO_GUARD answers "go ahead" and "nothing is pinned".
 *
 *   before(inode, change, syscall)  throws ETXTBSY (fail-mode seal) or breaks leases and
 *                                   returns once the change may proceed
 *   pinned(inode, offset, length)   true if any block of the range must not move: writes there
 *                                   go in place, the cleaner skips it
 *   refuse(inode, change, syscall)  throws ETXTBSY if a fail-mode seal refuses; changes nothing
 *   beforeAll(guard, changes, syscall)  for an operation that makes several changes: every
 *                                   refusal is asked before any lease breaks, so a refused
 *                                   operation leaves every holder as it was
 */
import type { Inode } from './inode.js';

export type MapChange =
  | { kind: 'size'; from: number; to: number } // truncate, a write past EOF, any size change
  | { kind: 'fallocate'; mode: string; offset: number; length: number }
  | { kind: 'share'; role: 'source' | 'dest'; offset: number; length: number } // reflink, clone, dedupe
  | { kind: 'move'; offset: number; length: number }; // cleaner, defrag

export interface MapGuard {
  before(inode: Inode, change: MapChange, syscall: string): void;
  pinned(inode: Inode, offset: number, length: number): boolean;
  refuse(inode: Inode, change: MapChange, syscall: string): void;
}

export const NO_GUARD: MapGuard = {
  before: () => undefined,
  pinned: () => false,
  refuse: () => undefined,
};

export function beforeAll(guard: MapGuard, changes: ReadonlyArray<readonly [Inode, MapChange]>, syscall: string): void {
  for (const [inode, change] of changes) guard.refuse(inode, change, syscall);
  for (const [inode, change] of changes) guard.before(inode, change, syscall);
}
