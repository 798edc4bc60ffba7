/**
 * runCampaign: check many workloads under one set of crash settings, on one thread or several,
 * recording into a results database.
 *
 * Interface:
 *   await runCampaign(workloads, { policy, bound, points, seed, shard, jobs, inject, db,
 *                                   deviceSize, logBlocks, mode, prune, keep, onProgress })
 *     -> CampaignSummary { workloads, crashPoints, states, mounted, violations, seconds,
 *                          statesPerSecond, mountedPerSecond, statuses, found, campaignId }
 *
 * `jobs` > 1 runs workloads on that many worker threads (campaign-worker.ts, compiled JS from
 * dist/: `npm run build`), handing each an index as it comes free, so the results are the same
 * as with one thread, only in another order; the database and the progress callback live on
 * this thread. `shard` restricts every workload to the crash points that shard owns (shard.ts).
 * `db` is a path (opened, used, closed) or an open ResultsDb.
 */
import { availableParallelism } from 'node:os';
import { ResultsDb } from './results-db.js';
import { resolveSettings, type CampaignCounts, type CampaignSettings, type SettingsInput } from './settings.js';
import { runOnWorkers } from './worker-pool.js';
import { checkWorkload, type Violation, type WorkloadResult } from './workload-check.js';
import type { RunStatus } from './traced-run.js';
import type { Workload } from './workload.js';

export interface CampaignProgress {
  done: number;
  total: number;
  states: number;
  mounted: number;
  violations: number;
  seconds: number;
}

export interface CampaignOptions extends SettingsInput {
  jobs?: number;
  db?: string | ResultsDb;
  onProgress?: (p: CampaignProgress) => void;
  /** Called with every workload's result as it arrives (in completion order). */
  onWorkload?: (r: WorkloadResult) => void;
}

export interface CampaignSummary extends CampaignCounts {
  campaignId: number | null;
  settings: CampaignSettings;
  jobs: number;
  statesPerSecond: number;
  mountedPerSecond: number;
  statuses: Record<RunStatus, number>;
  /** The first violations found, with reproducers (at most 100). */
  found: Violation[];
}

const FOUND_MAX = 100;

export async function runCampaign(workloads: readonly Workload[], opts: CampaignOptions = {}): Promise<CampaignSummary> {
  const settings = resolveSettings(opts);
  const jobs = Math.max(1, Math.min(opts.jobs ?? 1, workloads.length, availableParallelism() * 4));
  const db = typeof opts.db === 'string' ? ResultsDb.open(opts.db) : opts.db ?? null;
  const t0 = performance.now();
  const sum: CampaignSummary = {
    campaignId: db?.beginCampaign(settings, jobs) ?? null, settings, jobs, workloads: 0, crashPoints: 0, states: 0, mounted: 0,
    violations: 0, seconds: 0, statesPerSecond: 0, mountedPerSecond: 0,
    statuses: { ok: 0, unsupported: 0, invalid: 0, diverged: 0, live: 0 }, found: [],
  };
  const take = (r: WorkloadResult): void => {
    sum.workloads++;
    sum.crashPoints += r.crashPoints;
    sum.states += r.states;
    sum.mounted += r.mounted;
    sum.violations += r.violations;
    sum.statuses[r.status]++;
    for (const v of r.kept) if (sum.found.length < FOUND_MAX) sum.found.push(v);
    if (db !== null && sum.campaignId !== null) db.addWorkload(sum.campaignId, r);
    opts.onWorkload?.(r);
    const seconds = (performance.now() - t0) / 1000;
    opts.onProgress?.({ done: sum.workloads, total: workloads.length, states: sum.states, mounted: sum.mounted, violations: sum.violations, seconds });
  };
  try {
    if (jobs === 1) {
      for (let i = 0; i < workloads.length; i++) take(checkWorkload(workloads[i]!, i, settings));
    } else {
      await runOnWorkers(workloads, settings, jobs, take);
    }
    sum.seconds = (performance.now() - t0) / 1000;
    sum.statesPerSecond = sum.seconds > 0 ? sum.states / sum.seconds : 0;
    sum.mountedPerSecond = sum.seconds > 0 ? sum.mounted / sum.seconds : 0;
    if (db !== null && sum.campaignId !== null) db.finishCampaign(sum.campaignId, sum);
  } finally {
    if (typeof opts.db === 'string') db?.close();
  }
  return sum;
}
