/**
 * pmemfs cp SRC DST [-r] [--reflink]
 *
 * Copies between the host and images, or inside and between images. An operand inside an image
 * is written IMAGE:/path (`pmemfs cp notes.txt disk.pmem:/docs/notes.txt`). At least one side
 * must be an image. -r copies directories. --reflink shares the blocks instead of copying them
 * (COPYFILE_FICLONE_FORCE); it needs both sides in the same image (else EXDEV).
 * An image that is only read is mounted read-only; each image is opened once.
 */
import type { Command } from 'commander';
import { UsageError } from '../exit-status.js';
import { imageKey, parseOperand, type Operand } from '../image-path.js';
import { openSession, type Session } from '../image-session.js';
import { copyTree, type Place } from '../tree-copy.js';

interface CpFlags {
  recursive?: boolean;
  reflink?: boolean;
}

function place(op: Operand, sessions: Map<string, Session>): Place {
  if (op.kind === 'host') return op;
  return { kind: 'image', image: op.image, fs: sessions.get(imageKey(op.image))!.fs, path: op.path };
}

export function register(program: Command): void {
  program
    .command('cp')
    .description('copy files between the host and images (IMAGE:/path), or inside an image')
    .argument('<SRC>', 'host path or IMAGE:/path')
    .argument('<DST>', 'host path or IMAGE:/path; an existing directory receives SRC under its name')
    .option('-r, --recursive', 'copy directories recursively')
    .option('--reflink', 'share blocks instead of copying (same image only)')
    .addHelpText('after', '\nExamples:\n  pmemfs cp notes.txt disk.pmem:/docs/notes.txt\n  pmemfs cp -r disk.pmem:/docs ./backup\n  pmemfs cp --reflink disk.pmem:/a disk.pmem:/b')
    .action((srcText: string, dstText: string, flags: CpFlags) => {
      const src = parseOperand(srcText);
      const dst = parseOperand(dstText);
      if (src.kind === 'host' && dst.kind === 'host') throw new UsageError(`cp: neither '${srcText}' nor '${dstText}' names an image (write IMAGE:/path)`);
      const sessions = new Map<string, Session>();
      try {
        // The destination's image first, read-write; a source-only image read-only.
        for (const [op, access] of [[dst, 'read-write'], [src, 'read-only']] as const) {
          if (op.kind === 'image' && !sessions.has(imageKey(op.image))) sessions.set(imageKey(op.image), openSession(op.image, access));
        }
        copyTree(place(src, sessions), place(dst, sessions), { recursive: flags.recursive === true, reflink: flags.reflink === true });
      } finally {
        closeAll(sessions);
      }
    });
}

function closeAll(sessions: Map<string, Session>): void {
  let first: unknown;
  for (const s of sessions.values()) {
    try {
      s.close();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
