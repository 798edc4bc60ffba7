/**
 * runTraced: the first half of checking a workload. On a fresh in-memory device (mkfs with a
 * small log, so checkpoints happen inside workloads) it runs the workload with the device trace
 * on, each op labelled `op:k` and the end labelled `end`, alongside the reference model, and
 * records the oracle (the model's state after every op).
 *
 * Interface: runTraced(workload, setup) -> TracedRun { trace, oracle, executed, status, problem }
 *
 * With setup.checkpointEvery = N a checkpoint runs after every N-th op (with setup.defrag, the
 * whole cleaner, fs.cleanSync: defragmentation moves blocks, then a checkpoint), labelled clean:K:
 * the 16-block log alone fills only in long workloads, and this puts checkpoints inside every
 * campaign. A crash in it must recover to the state after op K.
 *
 * Every op is also checked without a crash (a differential test): the filesystem's outcome must
 * be the model's (and the workload's `=> CODE`), and its tree must equal the model's. The first
 * disagreement stops the run: `status` says why, `problem` describes it, and the crash points
 * after it are not checked (the oracle no longer applies):
 *   ok           every op ran as the model says
 *   unsupported  an op needs an API this filesystem lacks (ENOSYS: the DAX ops before it lands)
 *   invalid      the model itself disagrees with the workload's `=> CODE` (a bad workload)
 *   diverged     the filesystem answered differently from the model (a violation)
 *   live         the filesystem's tree differs from the model's after an op (a violation)
 */
import { PmemDevice, type PmemMode, type Trace } from '../pmem/index.js';
import { mkfs, mount, type Filesystem } from '../fs/index.js';
import { Model } from './model.js';
import { Oracle, sameTree } from './oracle.js';
import { WorkloadRunner, type OpOutcome } from './runner.js';
import { END_LABEL, cleanLabel } from './trace-labels.js';
import { treeOf } from './recovery-check.js';
import { diffTrees } from './tree.js';
import { formatOp, type Workload } from './workload.js';

export interface RunSetup {
  deviceSize: number;
  logBlocks: number;
  mode: PmemMode;
  faults: readonly string[];
  /** A checkpoint after every N-th op; 0 or absent: never (but when the log fills). */
  checkpointEvery?: number;
  /** Make those the whole cleaner (fs.cleanSync: defragmentation, then a checkpoint). */
  defrag?: boolean;
}

export type RunStatus = 'ok' | 'unsupported' | 'invalid' | 'diverged' | 'live';

export interface TracedRun {
  trace: Trace;
  oracle: Oracle;
  /** Ops whose effects the oracle covers (all of them when status is 'ok'). */
  executed: number;
  status: RunStatus;
  /** For any status but 'ok': the op (1-based), its text, and what went wrong. */
  problem: { op: number; text: string; detail: string[] } | null;
}

const NONE = new Map<string, never>();

export const DEFAULT_SETUP: RunSetup = { deviceSize: 8 << 20, logBlocks: 16, mode: 'adr', faults: [] };

export function runTraced(w: Workload, setup: RunSetup): TracedRun {
  const dev = freshDevice(setup, w.ops.some((op) => op.kind === 'mmap'));
  const fs = mount(dev, { faults: setup.faults, checkpointOnUnmount: false, leaseBreakTime: 0 });
  const runner = new WorkloadRunner(fs);
  const model = new Model();
  const oracle = new Oracle(model);
  let status: RunStatus = 'ok';
  let problem: TracedRun['problem'] = null;
  dev.startTrace();
  for (let i = 0; i < w.ops.length && status === 'ok'; i++) {
    const op = w.ops[i]!;
    const k = i + 1;
    oracle.inPlace(op, model);
    const got = runner.run(op, k);
    const stop = (s: RunStatus, detail: string[]) => {
      status = s;
      problem = { op: k, text: formatOp(op), detail };
    };
    const expected = op.expect ?? 'ok';
    if (!got.ok && got.code === 'ENOSYS' && expected !== 'ENOSYS') {
      stop('unsupported', [got.message]);
      break;
    }
    const m = model.apply(op);
    const modelCode = m.ok ? 'ok' : m.code;
    if (modelCode !== expected) stop('invalid', [`the model answers ${modelCode}, the workload expects ${expected}`]);
    else if (codeOf(got) !== expected) stop('diverged', [`pmemfs answered ${codeOf(got)}, expected ${expected}${got.ok ? '' : ` (${got.message})`}`]);
    else {
      oracle.push(model);
      const tree = treeOf(fs);
      if (!sameTree(oracle.tree(k), tree, NONE)) stop('live', ['without a crash, after this op:', ...diffTrees(oracle.tree(k), tree, { limit: 12 })]);
      else if (setup.checkpointEvery !== undefined && setup.checkpointEvery > 0 && k % setup.checkpointEvery === 0) clean(fs, oracle, k, setup.defrag === true, stop);
    }
  }
  dev.label(END_LABEL);
  const trace = dev.stopTrace();
  try {
    runner.releaseAll();
  } catch {
    /* cleanup of a workload that stopped early: nothing depends on it */
  }
  return { trace, oracle, executed: oracle.ops, status, problem };
}

/** A checkpoint, or the whole cleaner, between op k and op k+1 (label clean:k): the tree must not change. */
function clean(fs: Filesystem, oracle: Oracle, k: number, defrag: boolean, stop: (s: RunStatus, detail: string[]) => void): void {
  fs.device.label(cleanLabel(k));
  try {
    if (defrag) fs.cleanSync();
    else fs.core.checkpoint();
  } catch (e) {
    return stop('diverged', [`the cleaner after this op failed: ${e instanceof Error ? e.message : String(e)}`]);
  }
  const tree = treeOf(fs);
  if (!sameTree(oracle.tree(k), tree, NONE)) stop('live', ['the cleaner after this op changed the tree:', ...diffTrees(oracle.tree(k), tree, { limit: 12 })]);
}

/**
 * A device holding a freshly made filesystem. mkfs runs once per geometry: workloads get a
 * copy-on-write overlay of that image (cost ~ what they write, not the device size). A workload
 * that maps files gets a real device instead: a DAX view of an overlay would copy its 1 GiB
 * chunk (snapshot.ts).
 */
const templates = new Map<string, PmemDevice>();

function freshDevice(setup: RunSetup, views: boolean): PmemDevice {
  const make = (): PmemDevice => {
    const dev = PmemDevice.create({ size: setup.deviceSize, mode: setup.mode });
    mkfs(dev, { logBlocks: setup.logBlocks });
    return dev;
  };
  if (views) return make();
  const key = `${setup.deviceSize}/${setup.logBlocks}/${setup.mode}`;
  let t = templates.get(key);
  if (t === undefined) {
    t = make();
    templates.set(key, t);
  }
  const template = t;
  return PmemDevice.overlay({ size: template.size, read: (offset, target) => template.readInto(offset, target) }, setup.mode);
}

function codeOf(o: OpOutcome): string {
  return o.ok ? 'ok' : o.code;
}
