/**
 * WorkloadBuilder: builds a workload op by op against a Model, so that what it emits is valid
 * by construction. Generators (ace.ts, random-workload.ts) use it.
 *
 * Interface:
 *   setup(op)       emit an op that must succeed on the model (a failure is our bug: assertion)
 *   attempt(op)     emit an op under test; if the model refuses it, the line carries `=> CODE`
 *   tryOp(op, keep) emit an op if the model accepts it, or (when `keep`) with its `=> CODE`
 *   ensureDir / ensureFile / ensureAbsent / ensureDistinct / ensureXattr / ensureMapped /
 *   ensureSameBytes   emit the setup ops (via `setup`) that make a precondition true, and
 *                   nothing when it already holds
 *   releaseAll()    munmap every mapping and unseal every seal (a workload ends with no holder)
 *   finish(name)    the Workload, lines numbered 1..n
 */
import { assert, isFsError } from '../errno/index.js';
import { Model, type ModelResult } from './model.js';
import { withMeta, type Op, type OpBody, type Workload } from './workload.js';

export type EntryKind = 'missing' | 'file' | 'dir' | 'symlink';

/** The directory part of an absolute path ('/' for a top-level name). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export class WorkloadBuilder {
  readonly model: Model;
  private readonly ops: Op[] = [];

  constructor(model: Model = new Model()) {
    this.model = model;
  }

  get length(): number {
    return this.ops.length;
  }

  setup(op: OpBody): void {
    const r = this.model.apply(op);
    assert(r.ok, `workload setup failed: ${op.kind} → ${r.ok ? 'ok' : r.code}`);
    this.ops.push(withMeta(op, this.ops.length + 1));
  }

  attempt(op: OpBody): ModelResult {
    const r = this.model.apply(op);
    this.ops.push(withMeta(op, this.ops.length + 1, r.ok ? undefined : r.code));
    return r;
  }

  /** Apply; keep the op if it succeeded, or if it failed and `keepFailure` (with `=> CODE`). */
  tryOp(op: OpBody, keepFailure: boolean): ModelResult {
    const r = this.model.apply(op);
    if (r.ok || keepFailure) this.ops.push(withMeta(op, this.ops.length + 1, r.ok ? undefined : r.code));
    return r;
  }

  kindOf(path: string): EntryKind {
    try {
      return this.model.lstat(path).type;
    } catch (e) {
      if (isFsError(e)) return 'missing';
      throw e;
    }
  }

  sizeOf(path: string): number {
    return this.kindOf(path) === 'file' ? this.model.stat(path).size : 0;
  }

  /** Remove a file, symlink or empty directory at `path`; false if it stays (a non-empty dir). */
  ensureAbsent(path: string): boolean {
    const kind = this.kindOf(path);
    if (kind === 'file' || kind === 'symlink') this.setup({ kind: 'unlink', path });
    else if (kind === 'dir') {
      if (this.model.readdir(path).length > 0) return false;
      this.setup({ kind: 'rmdir', path });
    }
    return true;
  }

  /** Make every component of `path` a directory. */
  ensureDir(path: string): boolean {
    let prefix = '';
    for (const name of path.split('/').filter((c) => c !== '')) {
      prefix += '/' + name;
      const kind = this.kindOf(prefix);
      if (kind === 'dir') continue;
      if (kind !== 'missing') this.setup({ kind: 'unlink', path: prefix });
      this.setup({ kind: 'mkdir', path: prefix });
    }
    return true;
  }

  /** A regular file at `path` of at least `minSize` bytes (filled with `seed` if it was short). */
  ensureFile(path: string, minSize: number, seed: number): boolean {
    this.ensureDir(parentOf(path));
    const kind = this.kindOf(path);
    if (kind === 'dir' || kind === 'symlink') {
      if (!this.ensureAbsent(path)) return false;
    }
    if (kind !== 'file') this.setup({ kind: 'creat', path });
    const size = this.sizeOf(path);
    if (size < minSize) this.setup({ kind: 'write', path, offset: 0, length: minSize, seed });
    return true;
  }

  /** `a` and `b` exist as different inodes (b is recreated if it is a hard link of a). */
  ensureDistinct(a: string, b: string, minSize: number, seedOf: (path: string) => number): void {
    this.ensureFile(a, minSize, seedOf(a));
    this.ensureFile(b, minSize, seedOf(b));
    if (this.model.stat(a).ino !== this.model.stat(b).ino) return;
    this.setup({ kind: 'unlink', path: b });
    this.ensureFile(b, minSize, seedOf(b));
  }

  /** `a` and `b` hold the same bytes in [0, length) (both rewritten with `seed` if not). */
  ensureSameBytes(a: string, b: string, length: number, seed: number): void {
    this.ensureDistinct(a, b, length, () => seed);
    const x = this.model.read(a, 0, length);
    const y = this.model.read(b, 0, length);
    if (x.every((v, i) => v === y[i])) return;
    this.setup({ kind: 'write', path: a, offset: 0, length, seed });
    this.setup({ kind: 'write', path: b, offset: 0, length, seed });
  }

  ensureXattr(path: string, name: string, value: string): void {
    if (!this.model.listxattr(path).includes(name)) this.setup({ kind: 'setxattr', path, name, value });
  }

  /** A mapping named `path` of [0, length) over the file now at `path`, which holds ≥ length bytes. */
  ensureMapped(path: string, length: number, seed: number): void {
    this.ensureFile(path, length, seed);
    const ino = this.model.stat(path).ino;
    const m = this.model.mappings().find((x) => x.name === path);
    if (m !== undefined && m.ino === ino && m.offset === 0 && m.length >= length) return;
    if (m !== undefined) this.setup({ kind: 'munmap', path });
    this.setup({ kind: 'mmap', path, offset: 0, length, direct: false, sync: true });
  }

  releaseAll(): void {
    for (const m of this.model.mappings()) this.setup({ kind: 'munmap', path: m.name });
    for (const s of this.model.seals(true)) {
      if (s.holder.kind === 'seal') this.setup({ kind: 'unseal', path: s.holder.name });
    }
  }

  finish(name: string): Workload {
    return { name, ops: this.ops.slice() };
  }
}
