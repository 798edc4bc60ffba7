/**
 * The results-database subcommands of `pmemfs crash`, and the catalogue listing:
 *
 *   report DB [--json] [--limit N]   campaigns (shards grouped), totals, statuses, violations
 *   replay DB ID [--out IMAGE] [--force] [--json]   rebuild one violation's crash image
 *   merge OUT.db IN.db...            copy every campaign of the inputs into OUT.db
 *   bugs [--json]                    the injectable bug catalogue
 * A database that does not exist is ENOENT (report, replay, merge inputs), never created.
 */
import { existsSync } from 'node:fs';
import { BUGS, ResultsDb, buildReport, rebuildCrashImage, type Report } from '../../crash/index.js';
import { fsError } from '../../errno/index.js';
import { UsageError } from '../exit-status.js';
import { formatSize } from '../size.js';
import { shortChoice, violationLines } from './violation-text.js';

function openExisting(path: string): ResultsDb {
  if (!existsSync(path)) throw fsError('ENOENT', 'open', { path, detail: 'no such results database' });
  return ResultsDb.open(path);
}

export function crashReport(path: string, f: { json?: boolean; limit?: number }): void {
  const db = openExisting(path);
  let r: Report;
  try {
    r = buildReport(db, { violations: f.limit ?? 50 });
  } finally {
    db.close();
  }
  if (f.json === true) return void process.stdout.write(`${JSON.stringify(r)}\n`);
  const n = (x: number) => x.toLocaleString('en');
  const t = r.totals;
  const out = [`${r.database}: ${t.campaigns} campaign(s), ${n(t.workloads)} workload run(s), ${n(t.crashPoints)} crash points, ${n(t.states)} states (${n(t.mounted)} mounted), ${n(t.violations)} violation(s), ${t.seconds.toFixed(1)} s`];
  for (const g of r.groups) {
    const shards = g.shardCount === 1 ? 'unsharded' : `shards ${g.shards.join(',')} of ${g.shardCount}`;
    const state = g.complete ? 'complete' : g.interrupted > 0 ? `${g.interrupted} interrupted` : 'incomplete';
    out.push(`  ${g.policy}, ${g.points} points, ${shards} (${state}), injected: ${g.inject.length > 0 ? g.inject.join(',') : 'none'}; campaign(s) ${g.campaigns.join(',')}`);
    out.push(`    ${n(g.workloads)} workloads, ${n(g.crashPoints)} points, ${n(g.states)} states (${n(g.mounted)} mounted), ${n(g.violations)} violation(s), ${g.seconds.toFixed(1)} s, ${n(Math.round(g.statesPerSecond))} states/s`);
  }
  out.push(`  workload statuses: ${Object.entries(r.statuses).map(([k, c]) => `${k} ${n(c)}`).join(', ') || 'none'}`);
  if (Object.keys(r.byKind).length > 0) out.push(`  violating states by kind: ${Object.entries(r.byKind).map(([k, c]) => `${k} ${n(c)}`).join(', ')}`);
  if (r.violations.length > 0) out.push(`  violations (${r.violations.length} of ${r.storedViolations} stored; \`pmemfs crash replay ${r.database} ID\` rebuilds one):`);
  for (const v of r.violations) out.push(...violationLines(v, v.id).map((l) => `    ${l}`));
  process.stdout.write(`${out.join('\n')}\n`);
}

export function crashReplay(path: string, idText: string, f: { out?: string; force?: boolean; json?: boolean }): void {
  const id = Number(idText);
  if (!Number.isSafeInteger(id) || id < 1) throw new UsageError(`violation ID must be a positive integer, not '${idText}'`);
  const db = openExisting(path);
  const v = db.violation(id);
  db.close();
  if (v === null) throw fsError('ENOENT', 'crash_replay', { path, detail: `no violation ${id} in this database` });
  const image = f.out ?? `crash-${id}.pmem`;
  const r = rebuildCrashImage(v, image, { overwrite: f.force === true });
  if (f.json === true) return void process.stdout.write(`${JSON.stringify({ violation: v, ...r })}\n`);
  const again = r.recheck.failure === null ? 'recovers and passes fsck (the violation is in the tree)' : `${r.recheck.failure.kind}: ${r.recheck.failure.detail[0] ?? ''}`;
  const out = [
    ...violationLines(v, v.id),
    `rebuilt ${v.pointKind} point ${v.pointOrdinal}, state '${shortChoice(v.choice)}' of ${v.workload} into ${image} (${formatSize(r.bytes)})`,
    `recheck${v.settings.inject.length > 0 ? ` (with ${v.settings.inject.join(', ')} injected)` : ''}: ${r.recheck.reproduced ? 'reproduced' : 'NOT reproduced'}; ${again}`,
    `inspect: pmemfs fsck ${image}; pmemfs ls -l ${image} /  (these run without injected bugs)`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

export function crashMerge(outPath: string, inputs: string[], f: { json?: boolean }): void {
  for (const p of inputs) if (!existsSync(p)) throw fsError('ENOENT', 'open', { path: p, detail: 'no such results database' });
  const db = ResultsDb.open(outPath);
  let campaigns = 0;
  try {
    for (const p of inputs) campaigns += db.mergeFrom(p);
  } finally {
    db.close();
  }
  if (f.json === true) process.stdout.write(`${JSON.stringify({ out: outPath, inputs: inputs.length, campaigns })}\n`);
  else process.stdout.write(`merged ${campaigns} campaign(s) from ${inputs.length} database(s) into ${outPath}\n`);
}

export function crashBugs(f: { json?: boolean }): void {
  if (f.json === true) return void process.stdout.write(`${JSON.stringify(BUGS)}\n`);
  const out: string[] = [];
  for (const b of BUGS) {
    const ops = b.witness.text.split('\n').length;
    out.push(`${b.name}  [${b.class}]`, `    ${b.description}`, `    in ${b.where}; caught by a ${b.witness.policy}${b.witness.bound !== undefined ? ` K=${b.witness.bound}` : ''} campaign over a ${ops}-op witness`);
  }
  out.push('', `${BUGS.length} bugs; run one with: pmemfs crash run WORKLOAD --inject NAME`);
  process.stdout.write(`${out.join('\n')}\n`);
}
