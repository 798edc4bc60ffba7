/**
 * xfs_io's output lines, so scripts and eyes used to xfs_io read ours the same way.
 *
 * Interface:
 *   transferLine('wrote', 4096, 4096, 0)     'wrote 4096/4096 bytes at offset 0'
 *   rateLine(bytes, ops, seconds)            '4 KiB, 1 ops; 0.0001 sec (39.062 MiB/sec and 10000.0000 ops/sec)'
 *   hexDump(offset, bytes)                   '00000000:  cd cd ... cd  ................' (xfs_io pread -v)
 */
import { formatSize } from '../size.js';

export function transferLine(verb: string, done: number, asked: number, offset: number): string {
  return `${verb} ${done}/${asked} bytes at offset ${offset}`;
}

function timeString(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(4)} sec`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = (seconds % 60).toFixed(1).padStart(4, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${String(m).padStart(2, '0')}:${s}`;
}

export function rateLine(bytes: number, ops: number, seconds: number): string {
  const secs = Math.max(seconds, 1e-6); // a clock tick too coarse must not print Infinity
  return `${formatSize(bytes)}, ${ops} ops; ${timeString(seconds)} (${formatSize(bytes / secs)}/sec and ${(ops / secs).toFixed(4)} ops/sec)`;
}

/** 16 bytes a line: offset, hex, and the alphanumerics (anything else as '.'), as xfs_io. */
export function hexDump(offset: number, bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hex = [...row].map((b) => `${b.toString(16).padStart(2, '0')} `).join('');
    const text = [...row].map((b) => (/[0-9A-Za-z]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '.')).join('');
    out.push(`${(offset + i).toString(16).padStart(8, '0')}:  ${hex} ${text}`);
  }
  return out;
}
