/** Public surface of the filesystem API layer. */
export { Filesystem, mount, type MountOptions } from './mounted-fs.js';
export { mkfs, mkfsGeometry, type MkfsOptions } from './mount.js';
export { COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE, type PathLike, type StatOptions } from './filesystem.js';
export { XATTR_CREATE, XATTR_REPLACE, type FiemapExtent } from './storage.js';
export { Stats, BigIntStats, Dirent, type StatFs } from './stats.js';
export { Dir } from './dir-handle.js';
export { type CpOptions } from './cp.js';
export { type JsonTree, type NestedJsonTree } from './json-tree.js';
export { ReadStream, WriteStream, type ReadStreamOptions, type WriteStreamOptions } from './streams.js';
export { FileHandle, type FsPromises } from './promises.js';
export { fsck, check, type FsckReport, type Finding, type FindingKind } from './fsck.js';
export { type MmapOptions, type SealOptions, type SealInfo } from './dax.js';
