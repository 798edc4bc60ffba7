/**
 * fuse-binding: can this machine mount a FUSE filesystem, and the binding that does it.
 *
 * Interface: `loadFuse()` resolves to `{ available: true, Fuse }` or `{ available: false, reason }`.
 * The binding, `fuse-native`, is an optionalDependency: `npm install` succeeds where it cannot be
 * installed, and everything but `pmemfs mount` keeps working. At run time it needs:
 *   - Linux and a read/write /dev/fuse;
 *   - libfuse.so.2 (Debian `libfuse2`): the package's prebuilt N-API addon links against it;
 *   - `fusermount` on PATH (Debian `fuse3` provides it): the binding unmounts with `fusermount -uz`.
 * Invariants: never throws; the first answer is cached for the life of the process.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type FuseClass from 'fuse-native';

export type FuseConstructor = typeof FuseClass;

export type FuseAvailability =
  | { readonly available: true; readonly Fuse: FuseConstructor }
  | { readonly available: false; readonly reason: string };

let cached: Promise<FuseAvailability> | undefined;

export function loadFuse(): Promise<FuseAvailability> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<FuseAvailability> {
  if (process.platform !== 'linux') return unavailable(`FUSE mounts need Linux, not ${process.platform}`);
  try {
    await access('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch (err) {
    return unavailable(`/dev/fuse is not usable (${messageOf(err)})`);
  }
  if (!(await onPath('fusermount'))) return unavailable('fusermount is not on PATH (Debian package fuse3)');
  try {
    const mod = await import('fuse-native');
    return { available: true, Fuse: mod.default };
  } catch (err) {
    return unavailable(`the fuse-native binding did not load (${messageOf(err)}); it is an optional `
      + 'dependency and needs libfuse.so.2 (Debian package libfuse2)');
  }
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function unavailable(reason: string): FuseAvailability {
  return { available: false, reason };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
}
