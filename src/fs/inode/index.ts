/** Public surface of the inode layer. */
export { ExtentMap, type FileExtent, type Mapping, type ExtentKind } from './extent-map.js';
export { Inode, S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, now, newAttrs, copyAttrs, typeOfMode, type InodeType } from './inode.js';
export { MetaState, ROOT_INO } from './meta-state.js';
export { buildImage, type BuiltImage } from './image-writer.js';
export { FsCore, type CoreParts } from './fs-core.js';
export { Txn, transact } from './txn.js';
export { NO_GUARD, beforeAll, type MapGuard, type MapChange } from './map-guard.js';
export { readData, writeData, storeBlocks, readBlock, forEachPinnedRun, MAX_FILE_SIZE } from './file-io.js';
export {
  truncateData, fallocateData, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_NO_HIDE_STALE,
  FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_ZERO_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_UNSHARE_RANGE,
} from './file-space.js';
export { cloneData, dedupeData, type ShareRange } from './file-share.js';
