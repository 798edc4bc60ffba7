/**
 * pmemfs info IMAGE [--json]
 *
 * The superblock (label, uuid, geometry, features) and statfs (free and used blocks, log use,
 * checkpoint generation, shared and quarantined blocks). Read-only: recovery runs in memory.
 */
import type { Command } from 'commander';
import { fieldLines, statfsFields, superblockFields } from '../fs-summary.js';
import { withSession } from '../image-session.js';

export function register(program: Command): void {
  program
    .command('info')
    .description('show the superblock and space usage of an image')
    .argument('<IMAGE>', 'image file')
    .option('--json', 'print one JSON object')
    .action((image: string, flags: { json?: boolean }) => {
      const info = withSession(image, 'read-only', (fs, device) => ({
        image,
        deviceSize: device.size,
        ...superblockFields(fs.core.sb),
        ...statfsFields(fs.statfsSync()),
      }));
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
        return;
      }
      for (const line of fieldLines(info, ['deviceSize', 'logBytes', 'logUsedBytes'])) process.stdout.write(`${line}\n`);
    });
}
