/**
 * Campaigns without injected bugs: zero violations on the shared example workloads (every
 * policy), on all of ACE seq-1 and on a seeded sample of ACE seq-2 under chipmunk K=2; shards
 * partition the state space; worker threads give the results of one thread; pruning changes
 * which states are mounted, never a count.
 */
import { describe, expect, it } from 'vitest';
import { aceWorkload, countAce, generateAce } from '../../src/crash/ace.js';
import { runCampaign, type CampaignSummary } from '../../src/crash/campaign.js';
import { generateRandom } from '../../src/crash/random-workload.js';
import { sampleIndices } from '../../src/crash/sample.js';
import { parseShard } from '../../src/crash/shard.js';
import { checkWorkload } from '../../src/crash/workload-check.js';
import { DEFAULT_SETUP, runTraced } from '../../src/crash/traced-run.js';
import { resolveSettings } from '../../src/crash/settings.js';
import { loadWorkloads, type Workload } from '../../src/crash/workload.js';
import { staleDist } from '../helpers/dist.js';

/** The shared example workloads (../shared/workloads), copied here so a fresh clone has them. */
const SHARED = loadWorkloads(`${__dirname}/workloads`);

function clean(s: CampaignSummary): void {
  const first = s.found[0];
  expect(s.violations, first === undefined ? '' : `${first.workload} op ${first.op} ${first.kind}: ${first.detail.join(' | ')}\n${first.workloadText}`).toBe(0);
  expect(s.statuses.ok, JSON.stringify(s.statuses)).toBe(s.workloads);
}

describe('crash campaigns find nothing in a correct pmemfs', () => {
  it('the shared example workloads, under every policy and at every store', async () => {
    expect(SHARED.length).toBeGreaterThanOrEqual(6);
    for (const policy of ['strict', 'chipmunk', 'vinter', 'prefix', 'random'] as const) {
      const s = await runCampaign(SHARED, { policy });
      clean(s);
      expect(s.states).toBeGreaterThan(s.crashPoints - 1);
    }
    const stores = await runCampaign(SHARED, { points: 'store', policy: 'chipmunk', bound: 2 });
    clean(stores);
    const fences = await runCampaign(SHARED, { points: 'fence', policy: 'chipmunk', bound: 2 });
    expect(stores.crashPoints).toBeGreaterThan(fences.crashPoints);
  });

  it('all 147 ACE seq-1 workloads, chipmunk K=2', async () => {
    const s = await runCampaign([...generateAce(1)], { policy: 'chipmunk', bound: 2 });
    clean(s);
    expect(s.workloads).toBe(147);
    expect(s.crashPoints).toBeGreaterThan(1000);
  });

  it('a seeded sample of 100 ACE seq-2 workloads, chipmunk K=2', async () => {
    const sample = sampleIndices(countAce(2), 100, 2026).map((i) => aceWorkload(2, i));
    clean(await runCampaign(sample, { policy: 'chipmunk', bound: 2 }));
  });

  it('a long random workload, prefix tearing', async () => {
    clean(await runCampaign([generateRandom(150, 3)], { policy: 'prefix' }));
  });

  it('checkpoints run inside workloads (every 3rd op by default), and crashes in them recover', async () => {
    const w = aceWorkload(2, 4321);
    const run = runTraced(w, { ...DEFAULT_SETUP, checkpointEvery: 3 });
    const labels = run.trace.events.flatMap((e) => (e.kind === 'label' ? [e.text] : []));
    expect(labels.filter((l) => l === 'checkpoint').length).toBe(Math.floor(w.ops.length / 3));
    expect(labels).toContain('clean:3');
    const on = await runCampaign([w], {});
    const off = await runCampaign([w], { checkpointEvery: 0 });
    clean(on);
    expect(on.crashPoints).toBeGreaterThan(off.crashPoints);
  });
});

describe('the state space', () => {
  const some: Workload[] = [...SHARED, ...sampleIndices(countAce(2), 12, 9).map((i) => aceWorkload(2, i))];

  it('shards are disjoint and their union is the whole campaign', async () => {
    const whole = await runCampaign(some, {});
    for (const n of [2, 3]) {
      const parts = [];
      for (let i = 0; i < n; i++) parts.push(await runCampaign(some, { shard: parseShard(`${i}/${n}`) }));
      expect(parts.reduce((a, p) => a + p.crashPoints, 0)).toBe(whole.crashPoints);
      expect(parts.reduce((a, p) => a + p.states, 0)).toBe(whole.states);
      expect(parts.every((p) => p.crashPoints > 0)).toBe(true);
    }
    const points = (shard: string) => some.flatMap((w, i) => checkWorkload(w, i, resolveSettings({ shard: parseShard(shard) })).points.map((p) => `${i}:${p.ordinal}`));
    const a = new Set(points('0/2'));
    const b = points('1/2');
    expect(b.filter((x) => a.has(x))).toEqual([]);
    expect(a.size + b.length).toBe(whole.crashPoints);
  });

  it('pruning mounts fewer states and changes no count', async () => {
    const pruned = await runCampaign(some, { policy: 'chipmunk', bound: 2 });
    const all = await runCampaign(some, { policy: 'chipmunk', bound: 2, prune: false });
    expect([pruned.crashPoints, pruned.states, pruned.violations]).toEqual([all.crashPoints, all.states, all.violations]);
    expect(all.mounted).toBe(all.states);
    expect(pruned.mounted).toBeLessThan(all.mounted);
  });

  it('worker threads (--jobs) give the same results as one thread', async () => {
    const stale = staleDist(['crash', 'fs/api', 'fs/inode', 'pmem']);
    expect(stale, 'dist/ is stale: run `npm run build` (npm test does)').toEqual([]);
    const one = await runCampaign(some, {});
    const two = await runCampaign(some, { jobs: 2 });
    expect(two.jobs).toBe(2);
    expect([two.workloads, two.crashPoints, two.states, two.mounted, two.violations]).toEqual([one.workloads, one.crashPoints, one.states, one.mounted, one.violations]);
  });

  it('rejects bad settings', async () => {
    await expect(runCampaign(SHARED, { policy: 'nope' as 'strict' })).rejects.toThrow(/unknown policy/);
    expect(() => parseShard('2/2')).toThrow(/EINVAL/);
    expect(() => parseShard('x')).toThrow(/EINVAL/);
  });
});
