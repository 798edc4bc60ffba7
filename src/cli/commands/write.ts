/**
 * pmemfs write IMAGE PATH [-a]
 *
 * Copies stdin into a file of the image: created if missing, truncated first unless -a
 * (append). Input is gathered into writes of up to 1 MiB; each write is atomic and durable when
 * it returns, so a crash keeps a prefix of the input. Prints nothing.
 */
import type { Command } from 'commander';
import { creationMode } from '../file-mode.js';
import { imagePath, openSession } from '../image-session.js';

const CHUNK = 1 << 20;

export function register(program: Command): void {
  program
    .command('write')
    .description('write stdin to a file in an image')
    .argument('<IMAGE>', 'image file')
    .argument('<PATH>', 'file inside the image')
    .option('-a, --append', 'append instead of replacing the contents')
    .action(async (image: string, rawPath: string, flags: { append?: boolean }) => {
      const session = openSession(image, 'read-write');
      try {
        const { fs } = session;
        const fd = fs.openSync(imagePath(rawPath), flags.append === true ? 'a' : 'w', creationMode(0o666));
        try {
          let pending: Buffer[] = [];
          let bytes = 0;
          const flush = () => {
            if (bytes === 0) return;
            fs.writeSync(fd, Buffer.concat(pending, bytes));
            pending = [];
            bytes = 0;
          };
          for await (const chunk of process.stdin as AsyncIterable<Buffer | string>) {
            const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            pending.push(b);
            bytes += b.length;
            if (bytes >= CHUNK) flush();
          }
          flush();
        } finally {
          fs.closeSync(fd);
        }
      } finally {
        session.close();
      }
    });
}
