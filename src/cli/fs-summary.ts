/**
 * What `mkfs` and `info` say about a filesystem: the superblock and statfs as labelled fields.
 *
 * Interface:
 *   superblockFields(sb)     { label, uuid, version, blockSize, blockCount, logStart, logBlocks, ... }
 *   statfsFields(statfs)     { blocks, freeBlocks, availableBlocks, usedBlocks, logBytes, logUsed, ... }
 *   fieldLines(fields)       'label:          demo' lines, keys turned into words, aligned
 * The superblock type is whatever mkfs() returns and a mounted Filesystem holds (fs.core.sb):
 * the CLI names no format-module type.
 */
import type { Filesystem, StatFs, mkfs } from '../fs/index.js';
import { formatSize } from './size.js';

export type SuperblockInfo = ReturnType<typeof mkfs> | Filesystem['core']['sb'];
export type Fields = Record<string, string | number>;

export function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const hex = (n: number) => `0x${n.toString(16)}`;

export function superblockFields(sb: SuperblockInfo): Fields {
  return {
    label: sb.label,
    uuid: formatUuid(sb.uuid),
    formatVersion: sb.version,
    blockSize: sb.blockSize,
    blockCount: sb.blockCount,
    logStart: sb.logStart,
    logBlocks: sb.logBlocks,
    featuresCompat: hex(sb.featCompat),
    featuresRoCompat: hex(sb.featRoCompat),
    featuresIncompat: hex(sb.featIncompat),
    created: new Date(sb.mkfsTimeMs).toISOString(),
  };
}

export function statfsFields(s: StatFs): Fields {
  return {
    blocks: s.blocks,
    freeBlocks: s.bfree,
    availableBlocks: s.bavail,
    usedBlocks: s.blocks - s.bfree,
    inodes: s.files - s.ffree,
    logBytes: s.logBytes,
    logUsedBytes: s.logUsed,
    checkpointGeneration: s.checkpointGeneration,
    sharedBlocks: s.sharedBlocks,
    quarantinedBlocks: s.quarantinedBlocks,
  };
}

/** camelCase keys as words ('logUsedBytes' -> 'log used bytes'), values aligned in a column. */
export function fieldLines(fields: Fields, sizes: readonly string[] = []): string[] {
  const label = (k: string) => k.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  const width = Math.max(...Object.keys(fields).map((k) => label(k).length)) + 2;
  return Object.entries(fields).map(([k, v]) => {
    const shown = sizes.includes(k) && typeof v === 'number' ? `${v} (${formatSize(v)})` : String(v);
    return `${`${label(k)}:`.padEnd(width)}${shown}`;
  });
}
