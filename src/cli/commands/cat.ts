/**
 * pmemfs cat IMAGE PATH...
 *
 * Writes the files' bytes to stdout, in order, unchanged (binary safe), 1 MiB at a time.
 * Read-only.
 */
import { writeSync } from 'node:fs';
import type { Command } from 'commander';
import { fsError } from '../../errno/index.js';
import type { Filesystem } from '../../fs/index.js';
import { imagePath, withSession } from '../image-session.js';

const CHUNK = 1 << 20;

function catFile(fs: Filesystem, path: string, buf: Uint8Array): void {
  const fd = fs.openSync(path, 'r');
  try {
    // read(2) on a directory is EISDIR without a name: say which operand it was.
    if (fs.fstatSync(fd).isDirectory()) throw fsError('EISDIR', 'read', { path });
    for (let pos = 0; ; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return;
      writeAll(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** stdout may be a pipe that takes less than asked, or a non-blocking one: retry until written. */
function writeAll(bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EAGAIN') throw e;
    }
  }
}

export function register(program: Command): void {
  program
    .command('cat')
    .description('print files from an image to stdout')
    .argument('<IMAGE>', 'image file')
    .argument('<PATH...>', 'files inside the image')
    .action((image: string, paths: string[]) => {
      const buf = new Uint8Array(CHUNK);
      withSession(image, 'read-only', (fs) => {
        for (const p of paths) catFile(fs, imagePath(p), buf);
      });
    });
}
