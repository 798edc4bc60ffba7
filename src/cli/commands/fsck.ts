/**
 * pmemfs fsck IMAGE [--repair] [--json]
 *
 * Checks an image (fsck(device, { repair })): without --repair nothing is written. Exit codes are
 * e2fsck's: 0 clean, 1 errors found and all corrected, 4 errors left uncorrected, 8 operational
 * error (the image cannot be opened: missing, locked, not a pmem image), 16 usage error.
 * A superblock or log that does not decode is a finding (kind 'mount'), so a corrupted image
 * gives 4, not 8. --json prints the report: { image, ok, exitCode, findings, repaired, stats }.
 */
import { CommanderError, type Command } from 'commander';
import { isFsError } from '../../errno/index.js';
import { fsck, type FsckReport } from '../../fs/index.js';
import { PmemDevice } from '../../pmem/index.js';
import { describeError } from '../exit-status.js';

export const FSCK_EXIT = { clean: 0, corrected: 1, uncorrected: 4, operational: 8, usage: 16 } as const;

function exitCodeOf(r: FsckReport): number {
  if (r.findings.length === 0 && r.ok) return FSCK_EXIT.clean;
  return r.ok ? FSCK_EXIT.corrected : FSCK_EXIT.uncorrected;
}

function printText(image: string, r: FsckReport): void {
  const out: string[] = [];
  for (const f of r.findings) {
    const where = f.ino !== undefined ? ` inode ${f.ino}:` : '';
    out.push(`${f.kind}:${where} ${f.detail.startsWith(`${f.code}:`) ? f.detail : `${f.code}: ${f.detail}`}`);
  }
  for (const fix of r.repaired) out.push(`repaired: ${fix}`);
  const s = r.stats;
  const counts = Object.entries(s).map(([k, v]) => `${v} ${k.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`)}`).join(', ');
  const verdict = r.findings.length === 0 ? 'clean' : r.ok ? `${r.findings.length} error(s), all corrected` : `${r.findings.length} error(s)${r.repaired.length > 0 ? ', some left' : ''}: not clean`;
  const mounted = !r.findings.some((f) => f.kind === 'mount');
  out.push(`${image}: ${verdict}${mounted ? `; ${counts}` : ''}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function checkImage(image: string, repair: boolean): FsckReport {
  // Checking only reads: an image the user may not write can still be checked.
  const device = PmemDevice.open(image, { readOnly: !repair });
  try {
    return fsck(device, { repair });
  } finally {
    device.close();
  }
}

export function register(program: Command): void {
  program
    .command('fsck')
    .description('check (and with --repair, fix) an image; exit 0 clean, 1 corrected, 4 uncorrected, 8 operational error')
    .argument('<IMAGE>', 'image file')
    .option('--repair', 'fix what can be fixed safely (link counts, lost inodes to /lost+found)')
    .option('--json', 'print the report as one JSON object')
    .exitOverride((err) => {
      throw err.exitCode === 0 ? err : new CommanderError(FSCK_EXIT.usage, err.code, err.message);
    })
    .action((image: string, flags: { repair?: boolean; json?: boolean }) => {
      let report: FsckReport;
      try {
        report = checkImage(image, flags.repair === true);
      } catch (e) {
        if (!isFsError(e)) throw e;
        process.stderr.write(`pmemfs: ${describeError(e)}\n`);
        if (flags.json === true) process.stdout.write(`${JSON.stringify({ image, ok: false, exitCode: FSCK_EXIT.operational, error: { code: e.code, message: e.message } })}\n`);
        process.exitCode = FSCK_EXIT.operational;
        return;
      }
      const exitCode = exitCodeOf(report);
      if (flags.json === true) process.stdout.write(`${JSON.stringify({ image, exitCode, ...report })}\n`);
      else printText(image, report);
      process.exitCode = exitCode;
    });
}
