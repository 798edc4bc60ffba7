/**
 * A file's extent map (fiemapSync) as xfs_bmap -v and xfs_io's fiemap print it.
 *
 * Interface:
 *   bmapTable(path, extents) -> lines   ' EXT: FILE-OFFSET  BLOCK-RANGE  TOTAL FLAGS' + one row each
 *   fiemapLines(path, extents) -> lines '\t0: [0..7]: 2048..2055' (xfs_io fiemap)
 *   extentJson(extents)                 the --json form: byte offsets and flags, unchanged
 * As in xfs_bmap, offsets and ranges are in 512-byte units ("basic blocks"); ranges are inclusive.
 * FLAGS lists the extent's flags by name (shared, unwritten, sealed, last) rather than xfs_bmap's
 * octal mask.
 */
import type { FiemapExtent } from '../fs/index.js';

const BB = 512;

function range(offset: number, length: number): string {
  return `${offset / BB}..${(offset + length) / BB - 1}`;
}

function blockRange(e: FiemapExtent): string {
  return e.flags.includes('hole') ? 'hole' : range(e.physical, e.length);
}

export function bmapTable(path: string, extents: readonly FiemapExtent[]): string[] {
  if (extents.length === 0) return [`${path}: no extents`];
  const rows = extents.map((e, i) => ({
    ext: `${i}:`,
    file: `[${range(e.logical, e.length)}]:`,
    block: blockRange(e),
    total: String(e.length / BB),
    flags: e.flags.filter((f) => f !== 'hole').join(','),
  }));
  const head = { ext: 'EXT:', file: 'FILE-OFFSET', block: 'BLOCK-RANGE', total: 'TOTAL', flags: 'FLAGS' };
  const w = (k: keyof typeof head) => Math.max(head[k].length, ...rows.map((r) => r[k].length));
  const line = (r: typeof head) =>
    ` ${r.ext.padStart(w('ext'))} ${r.file.padEnd(w('file'))} ${r.block.padEnd(w('block'))} ${r.total.padStart(w('total'))} ${r.flags}`.trimEnd();
  return [`${path}:`, line(head), ...rows.map(line)];
}

export function fiemapLines(path: string, extents: readonly FiemapExtent[]): string[] {
  return [`${path}:`, ...extents.map((e, i) => `\t${i}: [${range(e.logical, e.length)}]: ${blockRange(e)}`)];
}

export function extentJson(extents: readonly FiemapExtent[]): Array<{ logical: number; physical: number | null; length: number; flags: string[] }> {
  return extents.map((e) => ({
    logical: e.logical,
    physical: e.flags.includes('hole') ? null : e.physical,
    length: e.length,
    flags: [...e.flags],
  }));
}
