/**
 * pmemfs mv IMAGE SRC DST
 *
 * Renames SRC to DST in one atomic step (renameSync). As mv(1): when DST is an existing
 * directory, SRC moves into it under its own name.
 */
import { posix } from 'node:path';
import type { Command } from 'commander';
import { imagePath, withSession } from '../image-session.js';

export function register(program: Command): void {
  program
    .command('mv')
    .description('rename or move a file or directory inside an image')
    .argument('<IMAGE>', 'image file')
    .argument('<SRC>', 'existing path')
    .argument('<DST>', 'new path, or an existing directory to move into')
    .action((image: string, rawSrc: string, rawDst: string) => {
      const src = imagePath(rawSrc);
      withSession(image, 'read-write', (fs) => {
        let dst = imagePath(rawDst);
        if (fs.statSync(dst, { throwIfNoEntry: false })?.isDirectory() === true && posix.resolve(dst) !== posix.resolve(src)) {
          dst = posix.join(dst, posix.basename(src));
        }
        fs.renameSync(src, dst);
      });
    });
}
