/**
 * The checker can fail: every catalogued bug, switched on, is caught by its witness campaign
 * with a reproducer; switched off, the same campaign finds nothing. Equivalence pruning proves
 * the same verdicts as mounting every state (the violation counts agree).
 */
import { describe, expect, it } from 'vitest';
import { BUGS, witnessWorkload } from '../../src/crash/bug-catalogue.js';
import { runCampaign } from '../../src/crash/campaign.js';
import { parseWorkload } from '../../src/crash/workload.js';

const witness = (b: (typeof BUGS)[number]) => ({ policy: b.witness.policy, ...(b.witness.bound !== undefined ? { bound: b.witness.bound } : {}) });

describe('the bug catalogue', () => {
  it('has at least the 8 bugs of the issue, each documented', () => {
    expect(BUGS.map((b) => b.name)).toEqual(expect.arrayContaining([
      'no-fence-before-commit', 'split-tail-update', 'no-flush-edge-line', 'rename-unlink-then-link',
      'late-refcount', 'forget-orphans', 'early-free-checkpoint', 'crc-before-last-field',
    ]));
    for (const b of BUGS) {
      expect(b.description.length, b.name).toBeGreaterThan(20);
      expect(b.where, b.name).toMatch(/^fs\/.+\.ts /);
      expect(() => parseWorkload(b.witness.text, b.name)).not.toThrow();
    }
  });

  for (const b of BUGS) {
    it(`${b.name}: caught with a reproducer when injected, silent when not`, async () => {
      const on = await runCampaign([witnessWorkload(b)], { ...witness(b), inject: [b.name] });
      expect(on.violations, `${b.name} was not caught`).toBeGreaterThan(0);
      const v = on.found[0]!;
      expect(v.workloadText).toBe(`${b.witness.text}\n`);
      expect(v.choice.length).toBeGreaterThan(0);
      expect(v.detail.length).toBeGreaterThan(0);
      expect(v.pointOrdinal).toBeGreaterThanOrEqual(0);
      const off = await runCampaign([witnessWorkload(b)], witness(b));
      expect(off.violations, `${b.name} witness fails without the bug: ${off.found[0]?.detail.join(' | ')}`).toBe(0);
      expect(off.statuses.ok).toBe(1);
    });
  }

  it('pruned and exhaustive campaigns agree on every violating state', async () => {
    for (const b of BUGS.filter((x) => x.witness.policy !== 'prefix')) {
      const w = [witnessWorkload(b)];
      const pruned = await runCampaign(w, { ...witness(b), inject: [b.name] });
      const all = await runCampaign(w, { ...witness(b), inject: [b.name], prune: false });
      expect([pruned.states, pruned.violations], b.name).toEqual([all.states, all.violations]);
    }
  });
});
