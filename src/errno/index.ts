/** Public surface of the errno layer: the error table, the error type, assertions. */
export { ERRNO, isErrorCode, type ErrorCode } from './codes.js';
export { FsError, fsError, isFsError } from './fs-error.js';
export { AssertionError, assert, fail, unreachable } from './assert.js';
