/**
 * FdTable: open file descriptions. Each open holds its inode (openCount), so an unlinked file
 * stays readable until its last close (then the orphan is freed).
 *
 * Invariant: inode.openCount equals the number of table entries naming it plus the mappings
 * and seals that hold it (seal layer).
 */
import { fsError } from '../../errno/index.js';
import type { Inode } from '../inode/index.js';
import type { OpenMode } from './open-flags.js';
import { validateFd } from './validate.js';

export interface OpenFile {
  fd: number;
  inode: Inode;
  mode: OpenMode;
  position: number;
  path: string;
}

export class FdTable {
  private readonly files = new Map<number, OpenFile>();
  private next = 3;

  get size(): number {
    return this.files.size;
  }

  open(inode: Inode, mode: OpenMode, path: string): OpenFile {
    const fd = this.next++;
    const f: OpenFile = { fd, inode, mode, position: 0, path };
    this.files.set(fd, f);
    inode.openCount++;
    return f;
  }

  /**
   * The open file `fd` names. Not a descriptor at all (a string, -1, 1.5) is node:fs's argument
   * error; checked only on a miss, so an open descriptor's lookup costs nothing more.
   */
  get(fd: number, syscall: string): OpenFile {
    const f = this.files.get(fd);
    if (f !== undefined) return f;
    validateFd(fd);
    // -0 names descriptor 0, which is never open here.
    throw fsError('EBADF', syscall);
  }

  /** Removes the entry; returns the inode it held (the caller frees it if it was an orphan). */
  close(fd: number): Inode {
    const f = this.get(fd, 'close');
    this.files.delete(fd);
    f.inode.openCount--;
    return f.inode;
  }

  all(): OpenFile[] {
    return [...this.files.values()];
  }
}
