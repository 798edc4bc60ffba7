/**
 * pmemfs: an emulated persistent-memory device, a log-structured DAX filesystem on it, and the
 * crash-consistency harness. This is the package root: everything users script against.
 */
export * from './errno/index.js';
export * from './pmem/index.js';
export * from './fs/index.js';
