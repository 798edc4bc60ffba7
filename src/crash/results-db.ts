/**
 * ResultsDb: a campaign's results in SQLite (better-sqlite3), the schema docs/CRASH-TESTING.md
 * documents. One database may hold many campaigns (and, after `crash merge`, the shards of one).
 *
 * Interface:
 *   ResultsDb.open(path)                 creates the file and the schema if needed
 *   beginCampaign(settings, jobs) -> id  finishCampaign(id, totals)
 *   addWorkload(campaignId, result)      one workload: its row, its crash points, its violations
 *   campaigns() / statuses() / violation(id) / violations(limit) / violationKinds()   reading
 *                                        back (report.ts, replay-image.ts)
 *   mergeFrom(path)                      copies every campaign of another database (new ids)
 *   close()
 *
 * Invariants: rows are only inserted, each workload in one transaction, so a database of an
 * interrupted campaign holds whole workloads; a campaign with finished_at NULL was interrupted.
 * The schema version is in meta('schema'); opening a database of another version is EINVAL, and
 * so is opening a file that is not an SQLite database (a directory is EISDIR): FsErrors, not
 * SQLite's own errors.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { fsError } from '../errno/index.js';
import type { CampaignCounts, CampaignSettings } from './settings.js';
import type { Violation, WorkloadResult } from './workload-check.js';

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaigns (
  id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
  policy TEXT NOT NULL, bound INTEGER NOT NULL, points TEXT NOT NULL, seed INTEGER NOT NULL,
  shard_index INTEGER NOT NULL, shard_count INTEGER NOT NULL, jobs INTEGER NOT NULL, inject TEXT NOT NULL,
  device_size INTEGER NOT NULL, log_blocks INTEGER NOT NULL, mode TEXT NOT NULL, checkpoint_every INTEGER NOT NULL, defrag INTEGER NOT NULL,
  prune INTEGER NOT NULL,
  workloads INTEGER NOT NULL DEFAULT 0, crash_points INTEGER NOT NULL DEFAULT 0, states INTEGER NOT NULL DEFAULT 0,
  mounted INTEGER NOT NULL DEFAULT 0, violations INTEGER NOT NULL DEFAULT 0, seconds REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS workloads (
  id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  idx INTEGER NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, ops INTEGER NOT NULL,
  status TEXT NOT NULL, problem TEXT, crash_points INTEGER NOT NULL, states INTEGER NOT NULL,
  mounted INTEGER NOT NULL, violations INTEGER NOT NULL, seconds REAL NOT NULL);
CREATE INDEX IF NOT EXISTS workloads_campaign ON workloads(campaign_id);
CREATE TABLE IF NOT EXISTS crash_points (
  workload_id INTEGER NOT NULL REFERENCES workloads(id), ordinal INTEGER NOT NULL, event_index INTEGER NOT NULL,
  op INTEGER NOT NULL, label TEXT, states INTEGER NOT NULL, mounted INTEGER NOT NULL, violations INTEGER NOT NULL,
  PRIMARY KEY (workload_id, ordinal)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS violations (
  id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  workload_id INTEGER NOT NULL REFERENCES workloads(id), point_kind TEXT NOT NULL, point_ordinal INTEGER NOT NULL,
  event_index INTEGER NOT NULL, op INTEGER NOT NULL, op_text TEXT NOT NULL, label TEXT, choice TEXT NOT NULL,
  lines TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, equivalents INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS violations_campaign ON violations(campaign_id);
`;

export interface CampaignRow extends CampaignCounts {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  settings: CampaignSettings;
  jobs: number;
}

export type CampaignTotals = CampaignCounts;

/** A stored violation with everything needed to reproduce it. */
export interface StoredViolation extends Violation {
  id: number;
  campaignId: number;
  settings: CampaignSettings;
}

type Row = Record<string, unknown>;

export class ResultsDb {
  readonly path: string;
  private readonly db: Database.Database;

  /** Statements of the per-workload path, prepared once. */
  private readonly put: { workload: Database.Statement; point: Database.Statement; violation: Database.Statement };

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    this.put = {
      workload: db.prepare(`INSERT INTO workloads (campaign_id, idx, name, text, ops, status, problem, crash_points, states, mounted,
        violations, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      point: db.prepare('INSERT INTO crash_points VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      violation: db.prepare(`INSERT INTO violations (campaign_id, workload_id, point_kind, point_ordinal, event_index, op, op_text, label,
        choice, lines, kind, detail, equivalents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  static open(path: string): ResultsDb {
    const db = asFsError(path, () => new Database(path));
    let v: { value: string } | undefined;
    try {
      v = asFsError(path, () => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.exec(SCHEMA);
        return db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined;
      });
    } catch (e) {
      db.close();
      throw e;
    }
    if (v === undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
    else if (Number(v.value) !== SCHEMA_VERSION) {
      db.close();
      throw fsError('EINVAL', 'crash', { path, detail: `results database schema ${v.value}, this pmemfs writes ${SCHEMA_VERSION}` });
    }
    return new ResultsDb(path, db);
  }

  beginCampaign(s: CampaignSettings, jobs: number, startedAt = new Date().toISOString()): number {
    const r = this.db.prepare(`INSERT INTO campaigns (started_at, policy, bound, points, seed, shard_index, shard_count, jobs, inject,
      device_size, log_blocks, mode, checkpoint_every, defrag, prune) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      startedAt, s.policy, s.bound, s.points, s.seed, s.shard.index, s.shard.count, jobs, JSON.stringify(s.inject),
      s.deviceSize, s.logBlocks, s.mode, s.checkpointEvery, s.defrag ? 1 : 0, s.prune ? 1 : 0);
    return Number(r.lastInsertRowid);
  }

  finishCampaign(id: number, t: CampaignTotals, finishedAt = new Date().toISOString()): void {
    this.db.prepare(`UPDATE campaigns SET finished_at = ?, workloads = ?, crash_points = ?, states = ?, mounted = ?, violations = ?,
      seconds = ? WHERE id = ?`).run(finishedAt, t.workloads, t.crashPoints, t.states, t.mounted, t.violations, t.seconds, id);
  }

  addWorkload(campaignId: number, r: WorkloadResult): void {
    this.db.transaction(() => {
      const w = this.put.workload.run(
        campaignId, r.index, r.name, r.text, r.ops, r.status, r.problem, r.crashPoints, r.states, r.mounted, r.violations, r.seconds);
      const wid = Number(w.lastInsertRowid);
      for (const x of r.points) this.put.point.run(wid, x.ordinal, x.index, x.op, x.label, x.states, x.mounted, x.violations);
      for (const v of r.kept) this.insertViolation(campaignId, wid, v);
    })();
  }

  private insertViolation(campaignId: number, workloadId: number, v: Violation): void {
    this.put.violation.run(campaignId, workloadId, v.pointKind, v.pointOrdinal, v.eventIndex, v.op, v.opText, v.label, v.choice,
      JSON.stringify(v.lines), v.kind, v.detail.join('\n'), v.equivalents);
  }

  campaigns(): CampaignRow[] {
    return (this.db.prepare('SELECT * FROM campaigns ORDER BY id').all() as Row[]).map(campaignOf);
  }

  /** Workload statuses over all campaigns: status -> count. */
  statuses(): Record<string, number> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM workloads GROUP BY status').all() as Array<{ status: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  violation(id: number): StoredViolation | null {
    const row = this.db.prepare(VIOLATION_QUERY + ' WHERE v.id = ?').get(id) as Row | undefined;
    return row === undefined ? null : violationOf(row);
  }

  violations(limit = 50): StoredViolation[] {
    return (this.db.prepare(VIOLATION_QUERY + ' ORDER BY v.id LIMIT ?').all(limit) as Row[]).map(violationOf);
  }

  /** Stored violations by kind, each counted with its equivalent states: kind -> states. */
  violationKinds(): Record<string, number> {
    const rows = this.db.prepare('SELECT kind, SUM(1 + equivalents) AS n FROM violations GROUP BY kind').all() as Array<{ kind: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  violationCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM violations').get() as { n: number }).n;
  }

  /** Copies every campaign of the database at `path` into this one (fresh ids). */
  mergeFrom(path: string): number {
    const src = asFsError(path, () => new Database(path, { readonly: true, fileMustExist: true }));
    try {
      let copied = 0;
      asFsError(path, () => src.pragma('schema_version')); // reads the header: a file that is not a database fails here
      this.db.transaction(() => {
        for (const c of src.prepare('SELECT * FROM campaigns ORDER BY id').all() as Row[]) {
          copyCampaign(this.db, src, c);
          copied++;
        }
      })();
      return copied;
    } finally {
      src.close();
    }
  }

  close(): void {
    this.db.close();
  }
}

const VIOLATION_QUERY = `SELECT v.*, w.name AS workload, w.idx AS workload_index, w.text AS workload_text,
  c.policy, c.bound, c.points, c.seed, c.shard_index, c.shard_count, c.inject, c.device_size, c.log_blocks, c.mode, c.checkpoint_every, c.defrag, c.prune
  FROM violations v JOIN workloads w ON w.id = v.workload_id JOIN campaigns c ON c.id = v.campaign_id`;

function settingsOf(r: Row): CampaignSettings {
  return {
    policy: r['policy'] as CampaignSettings['policy'], bound: Number(r['bound']), points: r['points'] as CampaignSettings['points'],
    seed: Number(r['seed']), shard: { index: Number(r['shard_index']), count: Number(r['shard_count']) },
    inject: JSON.parse(String(r['inject'])) as string[], deviceSize: Number(r['device_size']), logBlocks: Number(r['log_blocks']),
    mode: r['mode'] as CampaignSettings['mode'], checkpointEvery: Number(r['checkpoint_every']), defrag: Number(r['defrag']) === 1,
    prune: Number(r['prune']) === 1, keep: 0,
  };
}

function campaignOf(r: Row): CampaignRow {
  return {
    id: Number(r['id']), startedAt: String(r['started_at']), finishedAt: r['finished_at'] === null ? null : String(r['finished_at']),
    settings: settingsOf(r), jobs: Number(r['jobs']), workloads: Number(r['workloads']), crashPoints: Number(r['crash_points']),
    states: Number(r['states']), mounted: Number(r['mounted']), violations: Number(r['violations']), seconds: Number(r['seconds']),
  };
}

function violationOf(r: Row): StoredViolation {
  const settings = settingsOf(r);
  return {
    id: Number(r['id']), campaignId: Number(r['campaign_id']), settings, workload: String(r['workload']),
    workloadIndex: Number(r['workload_index']), workloadText: String(r['workload_text']), pointKind: settings.points,
    pointOrdinal: Number(r['point_ordinal']), eventIndex: Number(r['event_index']), op: Number(r['op']), opText: String(r['op_text']),
    label: r['label'] === null ? null : String(r['label']), choice: String(r['choice']), lines: JSON.parse(String(r['lines'])) as number[],
    kind: r['kind'] as Violation['kind'], detail: String(r['detail']).split('\n'), equivalents: Number(r['equivalents']),
  };
}

/** Inserts `row` of `table` without its id column; returns the new id. */
function insertRow(db: Database.Database, table: string, row: Row, skip: readonly string[]): number {
  const cols = Object.keys(row).filter((k) => !skip.includes(k));
  const r = db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((k) => row[k]));
  return Number(r.lastInsertRowid);
}

function copyCampaign(dst: Database.Database, src: Database.Database, c: Row): void {
  const cid = insertRow(dst, 'campaigns', c, ['id']);
  const wids = new Map<number, number>();
  for (const w of src.prepare('SELECT * FROM workloads WHERE campaign_id = ?').all(c['id']) as Row[]) {
    wids.set(Number(w['id']), insertRow(dst, 'workloads', { ...w, campaign_id: cid }, ['id']));
  }
  const points = src.prepare('SELECT p.* FROM crash_points p JOIN workloads w ON w.id = p.workload_id WHERE w.campaign_id = ?');
  const put = dst.prepare('INSERT INTO crash_points VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const p of points.iterate(c['id']) as Iterable<Row>) {
    put.run(wids.get(Number(p['workload_id'])), p['ordinal'], p['event_index'], p['op'], p['label'], p['states'], p['mounted'], p['violations']);
  }
  for (const v of src.prepare('SELECT * FROM violations WHERE campaign_id = ?').all(c['id']) as Row[]) {
    insertRow(dst, 'violations', { ...v, campaign_id: cid, workload_id: wids.get(Number(v['workload_id'])) }, ['id']);
  }
}

/** SQLite's errors for a path that is not a database, as the FsErrors the CLI reports (exit 1). */
function asFsError<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB') throw fsError('EINVAL', 'open', { path, detail: 'not a results database' });
    if (code === 'SQLITE_CANTOPEN' && statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) throw fsError('EISDIR', 'open', { path });
    throw e;
  }
}
