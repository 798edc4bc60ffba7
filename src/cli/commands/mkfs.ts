/**
 * pmemfs mkfs IMAGE --size SIZE [--label L] [--log-blocks N] [--force] [--mode adr|eadr]
 *
 * Creates a sparse image file of SIZE bytes and an empty filesystem on it. An existing file is
 * refused (EEXIST) unless --force. Options mkfs would refuse (a label over 32 bytes, a log size out
 * of range) are refused before the file is touched, so a failed `mkfs --force` leaves the old
 * image alone. If mkfs fails after the file was created, the file is removed.
 * --mode is the persistence domain the device emulates while mkfs runs; the image file holds only
 * the media bytes, so later commands do not depend on it.
 */
import { unlinkSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { LABEL_MAX, mkfs, mkfsGeometry } from '../../fs/index.js';
import { PmemDevice, type PmemMode } from '../../pmem/index.js';
import { fieldLines, superblockFields } from '../fs-summary.js';
import { countArg, formatSize, sizeArg } from '../size.js';

interface MkfsFlags {
  size: number;
  label?: string;
  logBlocks?: number;
  force?: boolean;
  mode: PmemMode;
  json?: boolean;
}

/** The superblock holds LABEL_MAX bytes of UTF-8: a longer label is refused, not cut. */
function labelArg(text: string): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > LABEL_MAX) throw new InvalidArgumentError(`EINVAL: label '${text}' is ${bytes} bytes (at most ${LABEL_MAX} bytes of UTF-8)`);
  return text;
}

export function register(program: Command): void {
  program
    .command('mkfs')
    .description('create an image file holding an empty pmemfs')
    .argument('<IMAGE>', 'image file to create')
    .requiredOption('-s, --size <SIZE>', 'device size: bytes, or with a k/m/g/t suffix (64m, 1g)', sizeArg('size'))
    .option('-L, --label <LABEL>', `filesystem label (at most ${LABEL_MAX} bytes)`, labelArg)
    .option('--log-blocks <N>', 'metadata log size in 4 KiB blocks (default: 1/32 of the device, 64 to 16384)', countArg('log size'))
    .option('-f, --force', 'overwrite an existing file')
    .addOption(new Option('--mode <MODE>', 'persistence domain emulated while formatting').choices(['adr', 'eadr']).default('adr'))
    .option('--json', 'print the new superblock as JSON')
    .action((image: string, flags: MkfsFlags) => {
      mkfsGeometry(flags.size, flags.logBlocks !== undefined ? { logBlocks: flags.logBlocks } : {});
      const device = PmemDevice.create({ size: flags.size, file: image, mode: flags.mode, overwrite: flags.force === true });
      let sb: ReturnType<typeof mkfs>;
      try {
        sb = mkfs(device, {
          ...(flags.label !== undefined ? { label: flags.label } : {}),
          ...(flags.logBlocks !== undefined ? { logBlocks: flags.logBlocks } : {}),
        });
      } catch (e) {
        device.close();
        unlinkSync(image);
        throw e;
      }
      device.close();
      const fields = superblockFields(sb);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ image, size: flags.size, mode: flags.mode, ...fields })}\n`);
        return;
      }
      process.stdout.write(`${image}: pmemfs, ${formatSize(flags.size)} (${sb.blockCount} blocks of ${sb.blockSize} bytes), log ${sb.logBlocks} blocks (${formatSize(sb.logBlocks * sb.blockSize)})\n`);
      for (const line of fieldLines({ label: fields['label']!, uuid: fields['uuid']! })) process.stdout.write(`  ${line}\n`);
    });
}
