/** Public surface of the log layer. */
export { FaultSet } from './faults.js';
export { MetaLog, type LogFault } from './meta-log.js';
export { CheckpointStore, CheckpointImage } from './checkpoint-store.js';
