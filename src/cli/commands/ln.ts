/**
 * pmemfs ln IMAGE TARGET LINK [-s]
 *
 * Makes LINK a hard link to the file TARGET, or with -s a symbolic link whose contents are
 * TARGET, stored as given (relative targets resolve from LINK's directory).
 */
import type { Command } from 'commander';
import { imagePath, withSession } from '../image-session.js';

export function register(program: Command): void {
  program
    .command('ln')
    .description('make a hard or symbolic link inside an image')
    .argument('<IMAGE>', 'image file')
    .argument('<TARGET>', 'existing file (hard link) or the symlink text (-s)')
    .argument('<LINK>', 'the new name')
    .option('-s, --symbolic', 'make a symbolic link')
    .action((image: string, target: string, link: string, flags: { symbolic?: boolean }) => {
      withSession(image, 'read-write', (fs) => {
        if (flags.symbolic === true) fs.symlinkSync(target, imagePath(link));
        else fs.linkSync(imagePath(target), imagePath(link));
      });
    });
}
