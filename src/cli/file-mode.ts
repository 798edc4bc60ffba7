/**
 * File modes and times as ls(1) and stat(1) print them.
 *
 * Interface:
 *   fileType(stats)        'file' | 'directory' | 'symlink' (the --json spelling)
 *   typeDescription(stats) 'regular file', 'directory', 'symbolic link' (stat(1)'s)
 *   modeString(stats)      '-rw-r--r--', 'drwxr-xr-x', 'lrwxrwxrwx' (setuid/sticky as s/t)
 *   octalPerms(mode)       '0644'
 *   longTime(date)         '2025-01-31 14:05' (ls --time-style=long-iso, local time)
 *   creationMode(mode)     mode & ~umask: the CLI's mounts apply no umask (MountOptions.umask
 *                          stays 0: a FUSE mount shares them, and there the kernel has already
 *                          applied the caller's), so the commands that create apply the process's
 */

export interface TypedStats {
  mode: number;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export type FileType = 'file' | 'directory' | 'symlink';

export function fileType(st: TypedStats): FileType {
  return st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'file';
}

export function typeDescription(st: TypedStats): string {
  return st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symbolic link' : 'regular file';
}

export function modeString(st: TypedStats): string {
  const m = st.mode;
  const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : '-';
  const triple = (shift: number, special: number, ch: string) => {
    const r = (m >> shift) & 4 ? 'r' : '-';
    const w = (m >> shift) & 2 ? 'w' : '-';
    const exec = ((m >> shift) & 1) !== 0;
    const x = (m & special) !== 0 ? (exec ? ch : ch.toUpperCase()) : exec ? 'x' : '-';
    return r + w + x;
  };
  return type + triple(6, 0o4000, 's') + triple(3, 0o2000, 's') + triple(0, 0o1000, 't');
}

export function octalPerms(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

export function longTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The mode a new file or directory gets, as the kernel would give it: `mode & ~umask`. */
export function creationMode(mode: number): number {
  return mode & ~process.umask();
}
