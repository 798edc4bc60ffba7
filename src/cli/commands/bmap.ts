/**
 * pmemfs bmap IMAGE PATH [--json]
 *
 * A file's extent map (fiemapSync) as xfs_bmap -v prints it: EXT, FILE-OFFSET, BLOCK-RANGE and
 * TOTAL in 512-byte units, and FLAGS (shared, unwritten, sealed, last). Holes show as 'hole'.
 * --json: { path, size, blockSize, extents: [{ logical, physical, length, flags }] } in bytes
 * (physical is null for a hole). Read-only.
 */
import type { Command } from 'commander';
import { bmapTable, extentJson } from '../extent-table.js';
import { imagePath, withSession } from '../image-session.js';

export function register(program: Command): void {
  program
    .command('bmap')
    .description("print a file's extent map (like xfs_bmap -v)")
    .argument('<IMAGE>', 'image file')
    .argument('<PATH>', 'file inside the image')
    .option('--json', 'print one JSON object')
    .action((image: string, rawPath: string, flags: { json?: boolean }) => {
      const path = imagePath(rawPath);
      const { extents, size, blockSize } = withSession(image, 'read-only', (fs) => ({
        extents: fs.fiemapSync(path),
        size: fs.statSync(path)!.size,
        blockSize: fs.statfsSync().bsize,
      }));
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ path, size, blockSize, extents: extentJson(extents) })}\n`);
        return;
      }
      process.stdout.write(`${bmapTable(path, extents).join('\n')}\n`);
    });
}
