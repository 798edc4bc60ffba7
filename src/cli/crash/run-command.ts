/**
 * `pmemfs crash run WORKLOAD...`: load workload files, directories and generated levels, run one campaign
 * (crash/campaign.ts), print the summary (text, or one JSON object with --json) and the first
 * violations with their reproducers. Exit status 0 when no violation was found, 1 otherwise.
 */
import {
  BUGS, POLICIES, aceWorkload, countAce, describePolicy, loadWorkloads, parseShard, runCampaign, sampleIndices, type AceLevel,
  type CampaignSummary, type PolicyName, type Workload,
} from '../../crash/index.js';
import { EXIT, UsageError } from '../exit-status.js';
import { formatSize } from '../size.js';
import { ProgressLine } from './progress-line.js';
import { violationLines } from './violation-text.js';

export interface RunFlags {
  policy?: string;
  bound?: number;
  points?: string;
  jobs?: number;
  shard?: string;
  db?: string;
  seed?: number;
  inject: string[];
  json?: boolean;
  prune?: boolean;
  deviceSize?: number;
  logBlocks?: number;
  checkpointEvery?: number;
  defrag?: boolean;
}

const SHOWN = 10;

/**
 * A source: a .wl file, a directory of them, or a generated level without files:
 * `ace:seq-N` (all of it) or `ace:seq-N:COUNT[:SEED]` (a seeded sample, as `crash gen --sample`).
 */
export function loadSource(source: string): Workload[] {
  const m = /^ace:seq-([123])(?::(\d+)(?::(\d+))?)?$/.exec(source);
  if (m === null) {
    if (source.startsWith('ace:')) throw new UsageError(`'${source}': expected ace:seq-N or ace:seq-N:COUNT[:SEED]`);
    return loadWorkloads(source);
  }
  const level = Number(m[1]) as AceLevel;
  const total = countAce(level);
  const indices = m[2] === undefined ? Array.from({ length: total }, (_, i) => i) : sampleIndices(total, Number(m[2]), Number(m[3] ?? 1));
  return indices.map((i) => aceWorkload(level, i));
}

export async function crashRun(sources: string[], f: RunFlags): Promise<void> {
  const workloads: Workload[] = sources.flatMap(loadSource);
  if (workloads.length === 0) throw new UsageError(`no workloads (.wl files) in ${sources.join(', ')}`);
  if (f.policy !== undefined && !(POLICIES as readonly string[]).includes(f.policy)) throw new UsageError(`unknown policy '${f.policy}' (${POLICIES.join(', ')})`);
  for (const name of f.inject) if (!BUGS.some((b) => b.name === name)) throw new UsageError(`unknown bug '${name}' (see 'pmemfs crash bugs')`);
  const progress = new ProgressLine();
  let sum: CampaignSummary;
  try {
    sum = await runCampaign(workloads, {
      ...(f.policy !== undefined ? { policy: f.policy as PolicyName } : {}),
      ...(f.bound !== undefined ? { bound: f.bound } : {}),
      ...(f.points !== undefined ? { points: f.points as 'fence' | 'store' } : {}),
      ...(f.jobs !== undefined ? { jobs: f.jobs } : {}),
      ...(f.shard !== undefined ? { shard: parseShard(f.shard) } : {}),
      ...(f.db !== undefined ? { db: f.db } : {}),
      ...(f.seed !== undefined ? { seed: f.seed } : {}),
      ...(f.deviceSize !== undefined ? { deviceSize: f.deviceSize } : {}),
      ...(f.logBlocks !== undefined ? { logBlocks: f.logBlocks } : {}),
      ...(f.checkpointEvery !== undefined ? { checkpointEvery: f.checkpointEvery } : {}),
      defrag: f.defrag === true,
      inject: f.inject, prune: f.prune !== false,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.done();
  }
  if (f.json === true) process.stdout.write(`${JSON.stringify(jsonOf(sum, f.db))}\n`);
  else process.stdout.write(`${textOf(sum, f.db).join('\n')}\n`);
  process.exitCode = sum.violations > 0 ? EXIT.error : EXIT.ok;
}

function jsonOf(s: CampaignSummary, db: string | undefined): object {
  return {
    workloads: s.workloads, crashPoints: s.crashPoints, states: s.states, mounted: s.mounted, violations: s.violations,
    seconds: Number(s.seconds.toFixed(3)), statesPerSecond: Math.round(s.statesPerSecond), mountedPerSecond: Math.round(s.mountedPerSecond),
    statuses: s.statuses, jobs: s.jobs, settings: s.settings, db: db ?? null, campaignId: s.campaignId, found: s.found,
  };
}

function textOf(s: CampaignSummary, db: string | undefined): string[] {
  const st = s.settings;
  const n = (x: number) => x.toLocaleString('en');
  const shard = st.shard.count > 1 ? `, shard ${st.shard.index}/${st.shard.count}` : '';
  const inject = st.inject.length > 0 ? `, injected: ${st.inject.join(', ')}` : '';
  const out = [
    `crash run: ${n(s.workloads)} workload(s), ${describePolicy(st)}, ${st.points} points, ${formatSize(st.deviceSize)} device, ${s.jobs} job(s)${shard}${inject}`
      + `${st.checkpointEvery > 0 ? `, ${st.defrag ? 'cleaner' : 'checkpoint'} every ${st.checkpointEvery} ops` : ''}`,
    `  ${n(s.crashPoints)} crash points, ${n(s.states)} states (${n(s.mounted)} mounted, the rest proven equivalent), ${n(s.violations)} violation(s)`,
    `  ${s.seconds.toFixed(2)} s: ${n(Math.round(s.statesPerSecond))} states/s (${n(Math.round(s.mountedPerSecond))} mounted/s)`,
  ];
  const statuses = Object.entries(s.statuses).filter(([, c]) => c > 0).map(([k, c]) => `${k} ${c}`);
  out.push(`  workloads: ${statuses.join(', ')}`);
  if (s.statuses.unsupported > 0 || s.statuses.invalid > 0) out.push('  (unsupported/invalid workloads were checked up to the op that stopped them)');
  for (const v of s.found.slice(0, SHOWN)) out.push(...violationLines(v).map((l) => `  ${l}`));
  if (s.violations > 0) {
    out.push(db !== undefined ? `  reproducers in ${db}: pmemfs crash report ${db}; pmemfs crash replay ${db} ID` : '  (run with --db FILE to keep the reproducers and rebuild crash images)');
  }
  return out;
}
