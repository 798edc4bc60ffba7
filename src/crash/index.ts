/**
 * Public surface of the crash harness: the workload language, the data pattern, the reference
 * model (the oracle), comparable trees, the workload generators (ACE-style exhaustive and seeded
 * random); and the campaign half: the runner, campaigns with their settings and shards, the
 * results database, reports, crash-image replay and the bug catalogue.
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
export { WorkloadRunner, type OpOutcome } from './runner.js';
export { END_LABEL, cleanLabel, opLabel, parseLabel, type Phase } from './trace-labels.js';
export { runCampaign, type CampaignOptions, type CampaignProgress, type CampaignSummary } from './campaign.js';
export { POLICIES, describePolicy, resolveSettings, statePolicy, type CampaignSettings, type PolicyName, type SettingsInput } from './settings.js';
export { WHOLE, ownsPoint, parseShard, type Shard } from './shard.js';
export { checkWorkload, type Violation, type WorkloadResult } from './workload-check.js';
export { runTraced, DEFAULT_SETUP, type RunSetup, type RunStatus, type TracedRun } from './traced-run.js';
export { exploreStates, type ExploreOptions, type ExploreStats, type PointStats, type StateViolation, type ViolationKind } from './state-space.js';
export { checkRecovery, treeOf, type FailureKind, type Recovery } from './recovery-check.js';
export { Oracle } from './oracle.js';
export { ResultsDb, SCHEMA_VERSION, type CampaignRow, type CampaignTotals, type StoredViolation } from './results-db.js';
export { buildReport, type Report, type ReportGroup } from './report.js';
export { rebuildCrashImage, type ReplayResult } from './replay-image.js';
export { BUGS, bugNamed, witnessWorkload, type Bug } from './bug-catalogue.js';
export { sampleIndices } from './sample.js';
