/**
 * The results database: a campaign's rows round-trip (totals, workloads, violations with their
 * reproducers), shards merge into one complete campaign, a stored violation rebuilds into a
 * crash image that shows the same failure, and a foreign schema version is refused.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { bugNamed, witnessWorkload } from '../../src/crash/bug-catalogue.js';
import { runCampaign } from '../../src/crash/campaign.js';
import { rebuildCrashImage } from '../../src/crash/replay-image.js';
import { buildReport } from '../../src/crash/report.js';
import { ResultsDb } from '../../src/crash/results-db.js';
import { parseShard } from '../../src/crash/shard.js';
import { loadWorkloads } from '../../src/crash/workload.js';
import { PmemDevice, fsck } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'pmemfs-crashdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SHARED = loadWorkloads(`${__dirname}/workloads`);

describe('ResultsDb', () => {
  it('round-trips a campaign: totals, statuses, violations with reproducers', async () => {
    const path = join(dir, 'a.db');
    const bug = bugNamed('crc-before-last-field')!;
    const sum = await runCampaign([...SHARED, witnessWorkload(bug)], { inject: [bug.name], db: path });
    const db = ResultsDb.open(path);
    try {
      const [c] = db.campaigns();
      expect(c).toMatchObject({ id: sum.campaignId, workloads: sum.workloads, crashPoints: sum.crashPoints, states: sum.states, violations: sum.violations });
      expect(c!.settings).toMatchObject({ policy: 'chipmunk', bound: 2, inject: [bug.name], deviceSize: 8 << 20, logBlocks: 16 });
      expect(c!.finishedAt).not.toBeNull();
      expect(db.statuses()).toEqual({ ok: sum.workloads });
      const stored = db.violations(1000);
      expect(stored.length).toBeGreaterThan(0);
      const first = stored[0]!;
      expect(db.violation(first.id)).toEqual(first);
      const original = sum.found.find((v) => v.workload === first.workload && v.pointOrdinal === first.pointOrdinal && v.choice === first.choice)!;
      expect({ ...first, id: 0, campaignId: 0, settings: null }).toEqual({ ...original, id: 0, campaignId: 0, settings: null });
      const r = buildReport(db);
      expect(r.totals).toMatchObject({ campaigns: 1, states: sum.states, violations: sum.violations });
      expect(r.groups).toHaveLength(1);
      expect(r.groups[0]!.complete).toBe(true);
      expect(Object.values(r.byKind).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('merges shards into one complete campaign', async () => {
    const parts = [0, 1, 2].map((i) => join(dir, `shard-${i}.db`));
    const whole = await runCampaign(SHARED, {});
    for (let i = 0; i < 3; i++) await runCampaign(SHARED, { shard: parseShard(`${i}/3`), db: parts[i]! });
    const out = ResultsDb.open(join(dir, 'merged.db'));
    try {
      for (const p of parts) expect(out.mergeFrom(p)).toBe(1);
      const r = buildReport(out);
      expect(r.groups).toHaveLength(1);
      expect(r.groups[0]).toMatchObject({ shards: [0, 1, 2], shardCount: 3, complete: true, states: whole.states, crashPoints: whole.crashPoints });
    } finally {
      out.close();
    }
    const partial = ResultsDb.open(join(dir, 'partial.db'));
    partial.mergeFrom(parts[0]!);
    expect(buildReport(partial).groups[0]!.complete).toBe(false);
    partial.close();
  });

  it('rebuilds a stored violation into a crash image showing the same failure', async () => {
    const path = join(dir, 'replay.db');
    const bug = bugNamed('crc-before-last-field')!;
    await runCampaign([witnessWorkload(bug)], { inject: [bug.name], policy: 'strict', db: path });
    const db = ResultsDb.open(path);
    const v = db.violations(1)[0]!;
    db.close();
    const image = join(dir, 'crash.pmem');
    const r = rebuildCrashImage(v, image);
    expect(r.recheck.reproduced).toBe(true);
    expect(statSync(image).size).toBe(v.settings.deviceSize);
    const dev = PmemDevice.open(image);
    try {
      const report = fsck(dev);
      expect(report.ok).toBe(false);
      expect(report.findings[0]!.code).toBe('EFSBADCRC');
    } finally {
      dev.close();
    }
    expect(() => rebuildCrashImage(v, image)).toThrow(/EEXIST/);
  });

  it('refuses a database of another schema version', () => {
    const path = join(dir, 'future.db');
    ResultsDb.open(path).close();
    const raw = new Database(path);
    raw.prepare("UPDATE meta SET value = '99' WHERE key = 'schema'").run();
    raw.close();
    expect(() => ResultsDb.open(path)).toThrow(/schema 99/);
  });
});
