/**
 * pmemfs rm IMAGE PATH... [-r] [-f]
 *
 * Removes files and symlinks; -r removes directories and their contents; -f ignores missing paths.
 * The root directory is refused before anything is removed (rm -r / would empty the image, then
 * fail on the root itself).
 */
import { posix } from 'node:path';
import type { Command } from 'commander';
import { fsError } from '../../errno/index.js';
import { imagePath, withSession } from '../image-session.js';

export function register(program: Command): void {
  program
    .command('rm')
    .description('remove files or directories from an image')
    .argument('<IMAGE>', 'image file')
    .argument('<PATH...>', 'paths to remove')
    .option('-r, --recursive', 'remove directories and their contents')
    .option('-f, --force', 'ignore paths that do not exist')
    .action((image: string, paths: string[], flags: { recursive?: boolean; force?: boolean }) => {
      for (const p of paths) {
        if (posix.resolve(imagePath(p)) === '/') throw fsError('EINVAL', 'rm', { path: imagePath(p), detail: 'refusing to remove the root directory' });
      }
      withSession(image, 'read-write', (fs) => {
        for (const p of paths) fs.rmSync(imagePath(p), { recursive: flags.recursive === true, force: flags.force === true });
      });
    });
}
