/**
 * Dir: what opendirSync returns, node:fs's directory stream (path, readSync, read, closeSync,
 * close, entries, for await).
 *
 * The entries are listed when the directory is opened (readdirSync with file types, so the
 * same names, order and `recursive` as readdirSync) and handed out one by one. POSIX leaves it
 * unspecified whether readdir(3) sees names added or removed after opendir; a snapshot sees
 * neither, and costs nothing the caller would not pay to read the whole directory anyway.
 * After close, every call is node's ERR_DIR_CLOSED.
 */
import { argError } from '../../errno/index.js';
import type { Dirent } from './stats.js';

type Callback<T> = (err: Error | null, value?: T) => void;

export class Dir {
  readonly path: string;
  private readonly list: Array<Dirent<string | Buffer>>;
  private next = 0;
  private closed = false;

  constructor(path: string, entries: Array<Dirent<string | Buffer>>) {
    this.path = path;
    this.list = entries;
  }

  readSync(): Dirent<string | Buffer> | null {
    this.checkOpen();
    return this.next < this.list.length ? this.list[this.next++]! : null;
  }

  read(): Promise<Dirent<string | Buffer> | null>;
  read(cb: Callback<Dirent<string | Buffer> | null>): void;
  read(cb?: Callback<Dirent<string | Buffer> | null>): Promise<Dirent<string | Buffer> | null> | void {
    return settle(() => this.readSync(), cb);
  }

  closeSync(): void {
    this.checkOpen();
    this.closed = true;
  }

  close(): Promise<void>;
  close(cb: Callback<void>): void;
  close(cb?: Callback<void>): Promise<void> | void {
    return settle(() => this.closeSync(), cb);
  }

  /** The remaining entries; the Dir closes itself when they run out (as node's does). */
  async *entries(): AsyncGenerator<Dirent<string | Buffer>> {
    try {
      for (let d = this.readSync(); d !== null; d = this.readSync()) yield d;
    } finally {
      if (!this.closed) this.closeSync();
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Dirent<string | Buffer>> {
    return this.entries();
  }

  private checkOpen(): void {
    if (this.closed) throw argError(Error, 'ERR_DIR_CLOSED', 'Directory handle was closed');
  }
}

/** The result of `fn` through `cb` on a later tick, or as a promise without one. */
function settle<T>(fn: () => T, cb?: Callback<T>): Promise<T> | void {
  let value: T;
  try {
    value = fn();
  } catch (e) {
    if (cb === undefined) return Promise.reject(e);
    process.nextTick(cb, e as Error);
    return;
  }
  if (cb === undefined) return Promise.resolve(value);
  process.nextTick(cb, null, value);
}
