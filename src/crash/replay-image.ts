/**
 * rebuildCrashImage: one stored violation's crash image, rebuilt from its reproducer and
 * written to an image file for inspection (`pmemfs crash replay DB ID`; then `pmemfs fsck`,
 * `pmemfs ls`, a hex dump).
 *
 * Interface: rebuildCrashImage(violation, imagePath, { overwrite? }) -> ReplayResult
 *
 * The reproducer is the workload text, the campaign settings (geometry, injected bugs, policy),
 * the crash point (kind and ordinal) and the choice string of the state. Replay runs the
 * workload again with the trace on, enumerates that point's states with the same policy and
 * takes the one with the same choice ('strict' is the durable state alone). Line numbers are
 * deterministic (same allocation decisions); timestamps inside inodes are not, so the bytes may
 * differ there. The image is then checked again (the same recovery checks, with the same
 * injected bugs) and the result says whether the violation reproduces.
 */
import { fsError } from '../errno/index.js';
import { PmemDevice, TraceReplay, type CrashState } from '../pmem/index.js';
import { checkRecovery, type Recovery } from './recovery-check.js';
import type { StoredViolation } from './results-db.js';
import { statePolicy } from './settings.js';
import { opsInFlight } from './state-space.js';
import { runTraced } from './traced-run.js';
import { parseWorkload } from './workload.js';

export interface ReplayResult {
  image: string;
  bytes: number;
  /** The recheck of the rebuilt image: null failure and tree = clean recovery (the oracle is then a tree comparison). */
  recheck: { failure: Recovery['failure']; reproduced: boolean };
}

export function rebuildCrashImage(v: StoredViolation, image: string, opts: { overwrite?: boolean } = {}): ReplayResult {
  if (v.pointOrdinal < 0) throw fsError('EINVAL', 'crash_replay', { detail: `violation ${v.id} was found without a crash (${v.kind}): run its workload instead` });
  const s = v.settings;
  const run = runTraced(parseWorkload(v.workloadText, v.workload), { deviceSize: s.deviceSize, logBlocks: s.logBlocks, mode: s.mode, faults: s.inject, checkpointEvery: s.checkpointEvery, defrag: s.defrag });
  const replay = new TraceReplay(run.trace);
  const point = replay.points(s.points)[v.pointOrdinal];
  if (point === undefined) throw fsError('EINVAL', 'crash_replay', { detail: `the replayed trace has no ${s.points} point ${v.pointOrdinal}` });
  let state: CrashState | undefined;
  if (v.choice === 'strict') {
    replay.seek(point);
    state = { point, lines: new Map(), choice: 'strict' };
  } else {
    for (const st of replay.states(point, statePolicy(s))) {
      if (st.choice === v.choice) {
        state = st;
        break;
      }
    }
  }
  if (state === undefined) throw fsError('EINVAL', 'crash_replay', { detail: `no state '${v.choice}' at point ${v.pointOrdinal} of the replayed trace` });
  const crashed = replay.materialize(state);
  writeImage(crashed, image, opts.overwrite === true);
  const again = checkRecovery(replay.materialize(state), s.inject);
  const { op, settled } = opsInFlight(run)(point.index);
  const reproduced = again.failure !== null ? again.failure.kind === v.kind : v.kind === 'tree' && run.oracle.judge(again.tree!, op, settled) !== null;
  return { image, bytes: crashed.size, recheck: { failure: again.failure, reproduced } };
}

/** The device's bytes into a new image file (all-zero regions are left sparse). */
function writeImage(dev: PmemDevice, path: string, overwrite: boolean): void {
  const out = PmemDevice.create({ size: dev.size, file: path, overwrite });
  try {
    const chunk = 1 << 20;
    for (let off = 0; off < dev.size; off += chunk) {
      const bytes = dev.read(off, Math.min(chunk, dev.size - off));
      if (bytes.every((b) => b === 0)) continue;
      out.write(off, bytes);
      out.persist(off, bytes.length);
    }
  } finally {
    out.close();
  }
}
