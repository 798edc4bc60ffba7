/**
 * buildReport: what `pmemfs crash report DB` prints, as data: every campaign, the totals, and
 * the violations with their reproducers. Sharded campaigns that differ only in their shard are
 * grouped (the shards of one campaign merged from several machines), and a group says whether
 * its shards cover the whole state space; an unsharded campaign is a group of its own.
 *
 * Interface: buildReport(db, { violations? }) -> Report (plain JSON-able data).
 */
import type { CampaignRow, ResultsDb, StoredViolation } from './results-db.js';
import { describePolicy, type CampaignCounts } from './settings.js';

export interface ReportGroup extends CampaignCounts {
  policy: string;
  points: string;
  inject: string[];
  /** Shard indices present, of `shardCount`; complete when every index is there. */
  shards: number[];
  shardCount: number;
  complete: boolean;
  campaigns: number[];
  /** (seconds: wall-clock seconds summed over the group's campaigns; shards may have run in parallel) */
  statesPerSecond: number;
  interrupted: number;
}

export interface Report {
  database: string;
  groups: ReportGroup[];
  totals: CampaignCounts & { campaigns: number };
  statuses: Record<string, number>;
  /** Violating states by kind (stored violations plus their equivalents). */
  byKind: Record<string, number>;
  violations: StoredViolation[];
  /** Violations stored in all (the list above may be cut). */
  storedViolations: number;
}

/** Shards of one campaign share a key; an unsharded campaign is a group of its own. */
function groupKey(c: CampaignRow): string {
  const s = c.settings;
  if (s.shard.count === 1) return `campaign ${c.id}`;
  return JSON.stringify([s.policy, s.bound, s.points, s.seed, s.inject, s.deviceSize, s.logBlocks, s.mode, s.checkpointEvery, s.defrag, s.prune, s.shard.count]);
}

export function buildReport(db: ResultsDb, opts: { violations?: number } = {}): Report {
  const groups = new Map<string, ReportGroup>();
  const campaigns: CampaignRow[] = db.campaigns();
  for (const c of campaigns) {
    const key = groupKey(c);
    let g = groups.get(key);
    if (g === undefined) {
      g = {
        policy: describePolicy(c.settings), points: c.settings.points, inject: c.settings.inject, shards: [], shardCount: c.settings.shard.count,
        complete: false, campaigns: [], workloads: 0, crashPoints: 0, states: 0, mounted: 0, violations: 0, seconds: 0, statesPerSecond: 0, interrupted: 0,
      };
      groups.set(key, g);
    }
    g.campaigns.push(c.id);
    if (!g.shards.includes(c.settings.shard.index)) g.shards.push(c.settings.shard.index);
    g.workloads = Math.max(g.workloads, c.workloads);
    g.crashPoints += c.crashPoints;
    g.states += c.states;
    g.mounted += c.mounted;
    g.violations += c.violations;
    g.seconds += c.seconds;
    if (c.finishedAt === null) g.interrupted++;
  }
  for (const g of groups.values()) {
    g.shards.sort((a, b) => a - b);
    g.complete = g.shards.length === g.shardCount && g.interrupted === 0;
    g.statesPerSecond = g.seconds > 0 ? g.states / g.seconds : 0;
  }
  const violations = db.violations(opts.violations ?? 50);
  const sum = (f: (c: CampaignRow) => number) => campaigns.reduce((n, c) => n + f(c), 0);
  return {
    database: db.path, groups: [...groups.values()],
    totals: {
      campaigns: campaigns.length, workloads: sum((c) => c.workloads), crashPoints: sum((c) => c.crashPoints), states: sum((c) => c.states),
      mounted: sum((c) => c.mounted), violations: sum((c) => c.violations), seconds: sum((c) => c.seconds),
    },
    statuses: db.statuses(), byKind: db.violationKinds(), violations, storedViolations: db.violationCount(),
  };
}
