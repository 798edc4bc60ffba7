/**
 * Runs parsed io commands against one open file of a mounted image, printing what xfs_io prints.
 *
 * Interface: new IoRunner(fs, path, fd, print).run(command)
 * The caller owns `fd` (opened read-write) and closes it; a command that opens another file (the
 * source of reflink or dedupe) closes it before returning. The first FsError stops the script
 * (the caller reports it); data commands print a transfer line and a rate line.
 */
import { performance } from 'node:perf_hooks';
import { unreachable } from '../../errno/index.js';
import type { Filesystem } from '../../fs/index.js';
import { fiemapLines } from '../extent-table.js';
import { typeDescription } from '../file-mode.js';
import { imagePath } from '../image-session.js';
import type { IoCommand, Range3 } from './io-command.js';
import { hexDump, rateLine, transferLine } from './io-report.js';

export class IoRunner {
  constructor(
    private readonly fs: Filesystem,
    private readonly path: string,
    private readonly fd: number,
    private readonly print: (line: string) => void,
  ) {}

  run(c: IoCommand): void {
    switch (c.op) {
      case 'pwrite': return this.pwrite(c.offset, c.length, c.seed, c.bufferSize);
      case 'pread': return this.pread(c.offset, c.length, c.verbose, c.bufferSize);
      case 'fallocate': return this.fs.fallocateSync(this.fd, c.mode, c.offset, c.length);
      case 'truncate': return this.fs.ftruncateSync(this.fd, c.length);
      case 'reflink': return this.share('linked', c.source, c.range);
      case 'dedupe': return this.share('deduped', c.source, c.range);
      case 'fsync': return this.fs.fsyncSync(this.fd);
      case 'fdatasync': return this.fs.fdatasyncSync(this.fd);
      case 'fiemap': return fiemapLines(this.path, this.fs.fiemapSync(this.path)).forEach((l) => this.print(l));
      case 'stat': return this.stat();
      case 'setxattr': return this.fs.setxattrSync(this.path, c.name, c.value);
      case 'getxattr': return this.print(`${c.name}=${quoteValue(this.fs.getxattrSync(this.path, c.name))}`);
      default: return unreachable(c, 'io command');
    }
  }

  private pwrite(offset: number, length: number, seed: number, bufferSize: number): void {
    const buf = new Uint8Array(Math.min(bufferSize, Math.max(length, 1))).fill(seed);
    const t0 = performance.now();
    let done = 0;
    let ops = 0;
    while (done < length) {
      done += this.fs.writeSync(this.fd, buf, 0, Math.min(buf.length, length - done), offset + done);
      ops++;
    }
    this.report('wrote', done, length, offset, ops, t0);
  }

  private pread(offset: number, length: number, verbose: boolean, bufferSize: number): void {
    const buf = new Uint8Array(Math.min(bufferSize, Math.max(length, 1)));
    const t0 = performance.now();
    const dump: string[] = [];
    let done = 0;
    let ops = 0;
    while (done < length) {
      const n = this.fs.readSync(this.fd, buf, 0, Math.min(buf.length, length - done), offset + done);
      ops++;
      if (n === 0) break;
      if (verbose) dump.push(...hexDump(offset + done, buf.subarray(0, n)));
      done += n;
    }
    const seconds = (performance.now() - t0) / 1000;
    dump.forEach((l) => this.print(l));
    this.print(transferLine('read', done, length, offset));
    this.print(rateLine(done, ops, seconds));
  }

  /** reflink (whole file when `range` is null) or dedupe from another file of the image. */
  private share(verb: 'linked' | 'deduped', source: string, range: Range3 | null): void {
    const srcFd = this.fs.openSync(imagePath(source), 'r');
    try {
      const r = range ?? { srcOffset: 0, dstOffset: 0, length: this.fs.fstatSync(srcFd).size };
      const t0 = performance.now();
      const done = verb === 'deduped'
        ? this.fs.dedupeRangeSync(srcFd, r.srcOffset, this.fd, r.dstOffset, r.length)
        : r.length === 0 ? 0 : this.fs.cloneRangeSync(srcFd, r.srcOffset, this.fd, r.dstOffset, r.length);
      this.report(verb, done, r.length, r.dstOffset, 1, t0);
    } finally {
      this.fs.closeSync(srcFd);
    }
  }

  private report(verb: string, done: number, asked: number, offset: number, ops: number, t0: number): void {
    const seconds = (performance.now() - t0) / 1000;
    this.print(transferLine(verb, done, asked, offset));
    this.print(rateLine(done, ops, seconds));
  }

  private stat(): void {
    const st = this.fs.fstatSync(this.fd);
    this.print(`fd.path = "${this.path}"`);
    this.print('fd.flags = non-sync,non-direct,read-write');
    this.print(`stat.ino = ${st.ino}`);
    this.print(`stat.type = ${typeDescription(st)}`);
    this.print(`stat.size = ${st.size}`);
    this.print(`stat.blocks = ${st.blocks}`);
    this.print(`stat.nlink = ${st.nlink}`);
    this.print(`stat.atime = ${st.atime.toString()}`);
    this.print(`stat.mtime = ${st.mtime.toString()}`);
    this.print(`stat.ctime = ${st.ctime.toString()}`);
  }
}

/** getfattr's style: "text" when the value is printable UTF-8, else 0x<hex>. */
function quoteValue(v: Uint8Array): string {
  const text = Buffer.from(v).toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(Buffer.from(v)) && !/[\x00-\x1f\x7f]/.test(text);
  return printable ? JSON.stringify(text) : `0x${Buffer.from(v).toString('hex')}`;
}
