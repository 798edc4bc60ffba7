/**
 * ReadStream and WriteStream: node:fs's createReadStream / createWriteStream over a mounted
 * pmemfs (memfs's Volume has them; code pipes files through them).
 *
 * Interface: createReadStream(fs, path, options) / createWriteStream(fs, path, options), with
 * node:fs's options (flags, encoding, fd, mode, autoClose, emitClose, start, end, highWaterMark)
 * and properties (path, fd, pending, bytesRead / bytesWritten), events 'open' and 'ready'.
 * Arguments are checked at once, as node:fs does; the file is opened in the stream's construct
 * step, so a missing file is an 'error' event, not a throw.
 *
 * Each chunk is one synchronous read or write, so each is atomic and durable when its callback
 * runs; chunks that queue up while a write is in progress go down as ONE writev (one
 * transaction). With autoClose (the default) the descriptor is closed when the stream ends,
 * fails or is destroyed.
 */
import { Readable, Writable } from 'node:stream';
import { outOfRange } from '../../errno/index.js';
import { validateInteger, validatePath } from './validate.js';

/** What the streams need of a filesystem: its synchronous calls. */
export interface StreamFs {
  openSync(path: string, flags: string | number, mode: number | string): number;
  closeSync(fd: number): void;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  writevSync(fd: number, buffers: readonly ArrayBufferView[], position?: number | null): number;
}

interface CommonOptions {
  flags?: string | number;
  encoding?: BufferEncoding | null;
  fd?: number | null;
  mode?: number | string;
  autoClose?: boolean;
  emitClose?: boolean;
  start?: number;
}

export interface ReadStreamOptions extends CommonOptions {
  end?: number;
  highWaterMark?: number;
}

export type WriteStreamOptions = CommonOptions;

type Opts<T> = BufferEncoding | T | undefined | null;

function optionsOf<T extends CommonOptions>(o: Opts<T>): T {
  return (typeof o === 'string' ? { encoding: o } : o ?? {}) as T;
}

/** The path (or null with an fd given) and the start offset, checked as node:fs does. */
function target(path: unknown, o: CommonOptions): { path: string | null; start: number | null } {
  const p = o.fd === undefined || o.fd === null ? validatePath(path) : null;
  const start = o.start === undefined ? null : validateInteger(o.start, 'start', 0);
  return { path: p, start };
}

export class ReadStream extends Readable {
  readonly path: string | null;
  fd: number | null;
  bytesRead = 0;
  private pos: number | null;
  private readonly end: number;
  private readonly fs: StreamFs;
  private readonly opts: ReadStreamOptions;

  constructor(fs: StreamFs, path: unknown, options?: Opts<ReadStreamOptions>) {
    const o = optionsOf(options);
    const t = target(path, o);
    const end = o.end === undefined ? Infinity : validateInteger(o.end, 'end', 0);
    if (t.start !== null && t.start > end) throw outOfRange('start', `<= "end" (here: ${end})`, t.start);
    super({ highWaterMark: o.highWaterMark ?? 64 * 1024, encoding: o.encoding ?? undefined, autoDestroy: o.autoClose !== false, emitClose: o.emitClose !== false });
    this.fs = fs;
    this.opts = o;
    this.path = t.path;
    this.fd = o.fd ?? null;
    this.pos = t.start;
    this.end = end;
  }

  get pending(): boolean {
    return this.fd === null;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    openFor(this, this.fs, this.opts, 'r', callback);
  }

  override _read(size: number): void {
    // `end` is inclusive, as in node:fs; without `start` it counts from where reading began.
    const left = Math.min(size, this.end - (this.pos ?? this.bytesRead) + 1);
    if (left <= 0) return void this.push(null);
    const buf = Buffer.allocUnsafe(left);
    let n: number;
    try {
      n = this.fs.readSync(this.fd!, buf, 0, left, this.pos);
    } catch (e) {
      this.destroy(e as Error);
      return;
    }
    if (this.pos !== null) this.pos += n;
    this.bytesRead += n;
    this.push(n === 0 ? null : buf.subarray(0, n));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    closeFd(this.fs, this, this.opts.autoClose !== false, error, callback);
  }

  /** Closes the stream (node:fs's ReadStream.close). */
  close(callback?: (err?: Error | null) => void): void {
    if (callback !== undefined) this.once('close', () => callback());
    this.destroy();
  }
}

export class WriteStream extends Writable {
  readonly path: string | null;
  fd: number | null;
  bytesWritten = 0;
  private pos: number | null;
  private readonly fs: StreamFs;
  private readonly opts: WriteStreamOptions;

  constructor(fs: StreamFs, path: unknown, options?: Opts<WriteStreamOptions>) {
    const o = optionsOf(options);
    const t = target(path, o);
    super({ defaultEncoding: o.encoding ?? 'utf8', decodeStrings: true, autoDestroy: o.autoClose !== false, emitClose: o.emitClose !== false });
    this.fs = fs;
    this.opts = o;
    this.path = t.path;
    this.fd = o.fd ?? null;
    this.pos = t.start;
  }

  get pending(): boolean {
    return this.fd === null;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    openFor(this, this.fs, this.opts, 'w', callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeChunks([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.writeChunks(chunks.map((c) => c.chunk), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    closeFd(this.fs, this, this.opts.autoClose !== false, error, callback);
  }

  /** Ends the stream (node:fs's WriteStream.close). */
  close(callback?: (err?: Error | null) => void): void {
    if (callback !== undefined) this.once('close', () => callback());
    this.end();
  }

  private writeChunks(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    let n: number;
    try {
      n = chunks.length === 1
        ? this.fs.writeSync(this.fd!, chunks[0]!, 0, chunks[0]!.length, this.pos)
        : this.fs.writevSync(this.fd!, chunks, this.pos);
    } catch (e) {
      return callback(e as Error);
    }
    if (this.pos !== null) this.pos += n;
    this.bytesWritten += n;
    callback();
  }
}

/** _construct of both streams: open the path (unless given an fd), then 'open' and 'ready'. */
function openFor(
  s: (ReadStream | WriteStream) & { fd: number | null }, fs: StreamFs, opts: CommonOptions, flags: string, callback: (error?: Error | null) => void,
): void {
  if (s.fd === null) {
    try {
      s.fd = fs.openSync(s.path!, opts.flags ?? flags, opts.mode ?? 0o666);
    } catch (e) {
      return callback(e as Error);
    }
  }
  s.emit('open', s.fd);
  s.emit('ready');
  callback();
}

/** _destroy of both streams: close the descriptor if the stream owns it. */
function closeFd(fs: StreamFs, s: { fd: number | null }, autoClose: boolean, error: Error | null, callback: (error?: Error | null) => void): void {
  if (!autoClose || s.fd === null) return callback(error);
  const fd = s.fd;
  s.fd = null;
  try {
    fs.closeSync(fd);
  } catch (e) {
    return callback(error ?? (e as Error));
  }
  callback(error);
}
