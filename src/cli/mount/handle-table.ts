/**
 * HandleTable: FUSE file handles (`fh`) ↔ file descriptors of the mounted filesystem.
 *
 * Interface: `add(fd) → fh`, `fd(fh, syscall)` (EBADF if unknown), `remove(fh, syscall) → fd`,
 * `size`, `drain() → fds` (empties the table, for unmount).
 * Why a table rather than handing the fd to FUSE: the binding carries `fh` as a uint32 and drops
 * a handle of 0, while a node-shaped fs may hand out fd 0 or numbers near 2^31 (memfs).
 * Invariants: fh values are 1..2^31-1 and never reused while open; every fd in the table was
 * opened by the bridge and not yet closed.
 */
import { fsError } from '../../errno/index.js';

const MAX_FH = 0x7fffffff;

export class HandleTable {
  readonly #fds = new Map<number, number>();
  #next = 1;

  add(fd: number): number {
    while (this.#fds.has(this.#next)) this.#advance();
    const fh = this.#next;
    this.#fds.set(fh, fd);
    this.#advance();
    return fh;
  }

  fd(fh: number, syscall: string): number {
    const fd = this.#fds.get(fh);
    if (fd === undefined) throw fsError('EBADF', syscall, { detail: `no open FUSE handle ${fh}` });
    return fd;
  }

  remove(fh: number, syscall: string): number {
    const fd = this.fd(fh, syscall);
    this.#fds.delete(fh);
    return fd;
  }

  get size(): number {
    return this.#fds.size;
  }

  drain(): number[] {
    const fds = [...this.#fds.values()];
    this.#fds.clear();
    return fds;
  }

  #advance(): void {
    this.#next = this.#next >= MAX_FH ? 1 : this.#next + 1;
  }
}
