/**
 * DAX mappings in the reference model: mmap, mwrite, msync, munmap.
 *
 * A mapping is named by the path it was opened as (`mmap P ...` opens P; later `mwrite P`,
 * `msync P`, `munmap P` use that handle even if the file was renamed or unlinked since, like a
 * file descriptor). Rules chosen for the model (the runner must agree):
 *
 *   mmap    ENOENT / EISDIR as open(O_RDWR); EBUSY if a mapping of that name exists; EINVAL for
 *           length 0, an offset that is not a multiple of 4096, or a range past EOF (the model
 *           does not map beyond EOF: `sync` allocates within the file only). `direct` places a
 *           whole-file fail-mode seal held by the mapping until munmap. `sync` changes nothing
 *           visible (allocation is invisible in the model).
 *   mwrite  EINVAL without a mapping of that name, or when [OFF, OFF+LEN) is not inside the
 *           mapped range or not inside the file's current size (the file may have shrunk since
 *           mmap; a real store would fault). Writes pattern bytes like `write`, never changes
 *           the size, never conflicts with seals, and marks the bytes *uncertain*.
 *   msync   EINVAL without a mapping or outside the mapped range; makes [OFF, OFF+LEN) certain.
 *   munmap  EINVAL without a mapping; drops it and its `direct` seal. Does not persist anything.
 *   revoked a change to the mapped range's block map (truncate across it, any fallocate mode,
 *           clone/dedupe/reflink into it; not writes below EOF, not being a remap source)
 *           revokes a plain mapping (model-seal.ts): its later stores reach the file only in
 *           blocks another live pin has held since the revocation, and its msync makes only
 *           those certain (model-alias.ts).
 *
 * Uncertain bytes: data stored through a DAX view is durable only once the user persists it, so
 * after a crash those bytes may hold either their old or their new value. Only msync makes them
 * certain (fsync/sync are not assumed to flush mappings); a later write, punch, zero or truncate
 * over them replaces them with certain data.
 */
import { PAGE } from '../pmem/index.js';
import { dropIfOrphan, nodeOf, writeBytes, type Mapping, type ModelState } from './model-node.js';
import { aliasedIn, settleRevoked } from './model-alias.js';
import { fail, openFile } from './model-path.js';
import { updateUncertain } from './model-data.js';
import { patternBytes } from './pattern.js';
import { addRange, removeRange } from './range-set.js';

export function mmap(s: ModelState, path: string, offset: number, length: number, direct: boolean): void {
  const f = openFile(s, path, 'mmap');
  if (s.maps.has(path)) fail('EBUSY', 'mmap', path);
  if (length <= 0 || offset < 0 || offset % PAGE !== 0 || offset + length > f.size) fail('EINVAL', 'mmap', path);
  s.maps.set(path, { name: path, ino: f.ino, offset, length, direct });
  if (direct) s.seals.push({ ino: f.ino, holder: { kind: 'map', name: path }, mode: 'fail', revoked: false });
}

function mapping(s: ModelState, path: string, syscall: string): Mapping {
  const m = s.maps.get(path);
  if (m === undefined) return fail('EINVAL', syscall, path);
  return m;
}

function inside(m: Mapping, offset: number, length: number): boolean {
  return offset >= m.offset && length >= 0 && offset + length <= m.offset + m.length;
}

export function mwrite(s: ModelState, path: string, offset: number, length: number, seed: number): void {
  const m = mapping(s, path, 'mwrite');
  const f = nodeOf(s, m.ino);
  if (f.kind !== 'file') return fail('EINVAL', 'mwrite', path);
  if (!inside(m, offset, length) || offset + length > f.size) fail('EINVAL', 'mwrite', path);
  if (length === 0) return;
  // A revoked view stores into quarantined blocks: the file sees only those it still shares.
  const data = patternBytes(seed, offset, length);
  for (const [from, to] of aliasedIn(m, offset, length)) {
    writeBytes(f, from, data.subarray(from - offset, to - offset));
    updateUncertain(s, f.ino, (r) => addRange(r, from, to));
  }
}

export function msync(s: ModelState, path: string, offset: number, length: number): void {
  const m = mapping(s, path, 'msync');
  if (!inside(m, offset, length)) fail('EINVAL', 'msync', path);
  // A revoked view flushes its own blocks: only those the file still shares become certain.
  for (const [from, to] of aliasedIn(m, offset, length)) updateUncertain(s, m.ino, (r) => removeRange(r, from, to));
}

export function munmap(s: ModelState, path: string): void {
  const m = mapping(s, path, 'munmap');
  s.maps.delete(path);
  s.seals = s.seals.filter((x) => !(x.holder.kind === 'map' && x.holder.name === path));
  settleRevoked(s);
  dropIfOrphan(s, m.ino);
}
