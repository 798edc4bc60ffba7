/**
 * Public surface of the crash harness's filesystem-independent half: the workload language, the
 * data pattern, the reference model (the oracle), comparable trees, and the workload generators
 * (ACE-style exhaustive and seeded random).
 */
export {
  DEFAULT_SEED,
  formatOp,
  formatSize,
  formatWorkload,
  loadWorkloads,
  parseSize,
  parseWorkload,
  withMeta,
  type Op,
  type OpBody,
  type OpKind,
  type OpMeta,
  type SealMode,
  type Workload,
} from './workload.js';
export { fillPattern, patternByte, patternBytes, patternWord } from './pattern.js';
export {
  Model,
  runWorkload,
  type ModelFallocMode,
  type ModelOptions,
  type ModelResult,
  type ModelStat,
  type WorkloadMismatch,
} from './model.js';
export {
  captureTree,
  diffTrees,
  firstDifference,
  xattrText,
  type DiffOptions,
  type FsLike,
  type StatsLike,
  type Tree,
  type TreeEntry,
  type Xattrs,
} from './tree.js';
export type { Range, RangeSet } from './range-set.js';
export { ACE_CHOICES, aceWorkload, countAce, generateAce, type AceLevel } from './ace.js';
export { generateRandom } from './random-workload.js';
