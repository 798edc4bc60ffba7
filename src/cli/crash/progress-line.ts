/**
 * ProgressLine: one self-rewriting status line on stderr while a campaign runs, when stderr is
 * a terminal (nothing otherwise, so logs and pipes stay clean). At most ten updates a second.
 *
 * Interface: const p = new ProgressLine(); p.update(progress); p.done()
 */
import type { CampaignProgress } from '../../crash/index.js';

const INTERVAL_MS = 100;

export class ProgressLine {
  private readonly enabled = process.stderr.isTTY === true;
  private last = 0;
  private shown = false;

  update(p: CampaignProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < INTERVAL_MS && p.done < p.total) return;
    this.last = now;
    const rate = p.seconds > 0 ? Math.round(p.states / p.seconds) : 0;
    const width = String(p.total).length;
    const line = `[${String(p.done).padStart(width)}/${p.total}] ${p.states.toLocaleString('en')} states (${p.mounted.toLocaleString('en')} mounted)`
      + `  ${rate.toLocaleString('en')} states/s  ${p.violations} violation${p.violations === 1 ? '' : 's'}  ${p.seconds.toFixed(1)} s`;
    process.stderr.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
