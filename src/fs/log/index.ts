/** Public surface of the log layer. */
export { MetaLog, type LogFault } from './meta-log.js';
export { CheckpointStore } from './checkpoint-store.js';
