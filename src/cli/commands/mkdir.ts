/**
 * pmemfs mkdir IMAGE PATH... [-p]
 *
 * Creates directories; -p creates missing parents and accepts existing directories.
 */
import type { Command } from 'commander';
import { creationMode } from '../file-mode.js';
import { imagePath, withSession } from '../image-session.js';

export function register(program: Command): void {
  program
    .command('mkdir')
    .description('create directories in an image')
    .argument('<IMAGE>', 'image file')
    .argument('<PATH...>', 'directories to create')
    .option('-p, --parents', 'create missing parents; no error if the directory exists')
    .action((image: string, paths: string[], flags: { parents?: boolean }) => {
      withSession(image, 'read-write', (fs) => {
        for (const p of paths) fs.mkdirSync(imagePath(p), { recursive: flags.parents === true, mode: creationMode(0o777) });
      });
    });
}
