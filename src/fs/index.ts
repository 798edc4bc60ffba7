/** Public surface of the filesystem. */
export * from './api/index.js';
export {
  FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_NO_HIDE_STALE, FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_ZERO_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_UNSHARE_RANGE,
} from './inode/index.js';
export { crc32c, LABEL_MAX } from './format/index.js';
export { Mapping, attachMapping, PIN_HELD, PIN_BREAKING, PIN_RELEASED, type Segment, type SharedMapping, type AttachedMapping } from './seal/index.js';
