/** Public surface of the device layer. */
export { PmemDevice, type CreateOptions, type OpenOptions, type DeviceStats, type PmemMode, type SharedDevice } from './device.js';
export type { Durability } from './image-file.js';
export type { CrashPolicy } from './crash-policy.js';
export { TraceReplay, type CrashPoint, type CrashPointKind, type CrashState, type StatePolicy } from './crash-states.js';
export type { Trace, TraceEvent } from './trace.js';
export { readPaged, type Snapshot, type ByteSource } from './snapshot.js';
export { prng, type Prng } from './prng.js';
export { LINE, WORD, PAGE, CHUNK } from './geometry.js';
